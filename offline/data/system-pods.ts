/**
 * Pods EKS and its add-ons run on the worker nodes, with their requests, so capacity counts them. Transcribed
 * 2026-11-30 from: eksctl-io/eksctl @ 99984adb (2026-08-21) pkg/addons/default/assets/coredns-1.35.json (written by
 * eksctl from the EKS coredns add-on) and aws-node.yaml (VPC CNI v1.23.0 DaemonSet); kubernetes-sigs/aws-ebs-csi-driver
 * charts/aws-ebs-csi-driver/values.yaml @ 006340ee (controller and node containers; sidecars request nothing there).
 * kube-proxy's requests are not in any stored source and are counted as a pod slot only.
 */
export interface SystemPod {
    what: string;
    /** The add-on that brings it; undefined: every EKS node runs it. */
    addon?: string;
    cpu: string;
    memory: string;
}

export const SYSTEM_DEPLOYMENTS: (SystemPod & { replicas: number })[] = [
    { what: "CoreDNS", addon: "coredns", replicas: 2, cpu: "100m", memory: "70Mi" },
    { what: "EBS CSI controller", addon: "aws-ebs-csi-driver", replicas: 2, cpu: "10m", memory: "40Mi" },
];

/** One pod on every node. aws-node: aws-node 25m + aws-network-policy-agent 25m (its init container's 25m is less). */
export const SYSTEM_DAEMONSETS: SystemPod[] = [
    { what: "aws-node (VPC CNI)", cpu: "50m", memory: "0" },
    { what: "kube-proxy", cpu: "0", memory: "0" },
    { what: "EBS CSI node", addon: "aws-ebs-csi-driver", cpu: "10m", memory: "40Mi" },
];
