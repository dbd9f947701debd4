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

export interface SystemDeployment extends SystemPod {
    replicas: number;
    /** The pod's default nodeSelector, tolerations and affinity, as the add-on renders them without configuration. */
    placement: Record<string, unknown>;
    /** Where in the add-on's configurationValues its pod's nodeSelector/tolerations/affinity go ([] = top level). */
    configPath: string[];
}

export const SYSTEM_DEPLOYMENTS: SystemDeployment[] = [
    {
        what: "CoreDNS",
        addon: "coredns",
        replicas: 2,
        cpu: "100m",
        memory: "70Mi",
        configPath: [],
        // coredns-1.35.json: tolerations and a required linux amd64|arm64 node affinity; no nodeSelector.
        placement: {
            tolerations: [
                { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
                { key: "CriticalAddonsOnly", operator: "Exists" },
            ],
            affinity: {
                nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                        nodeSelectorTerms: [
                            {
                                matchExpressions: [
                                    { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                                    { key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] },
                                ],
                            },
                        ],
                    },
                },
            },
        },
    },
    {
        what: "EBS CSI controller",
        addon: "aws-ebs-csi-driver",
        replicas: 2,
        cpu: "10m",
        memory: "40Mi",
        configPath: ["controller"],
        // values.yaml controller.tolerations and nodeSelector {}; its affinity is preferred only.
        placement: {
            tolerations: [
                { key: "CriticalAddonsOnly", operator: "Exists" },
                { effect: "NoExecute", operator: "Exists", tolerationSeconds: 300 },
            ],
        },
    },
];

/**
 * One pod on every node, whatever its taints: aws-node and kube-proxy tolerate every taint (`operator: Exists`,
 * aws-node.yaml; the EKS kube-proxy DaemonSet likewise), the EBS CSI node has node.tolerateAllTaints: true.
 * aws-node: aws-node 25m + aws-network-policy-agent 25m (its init container's 25m is less).
 */
export const SYSTEM_DAEMONSETS: SystemPod[] = [
    { what: "aws-node (VPC CNI)", cpu: "50m", memory: "0" },
    { what: "kube-proxy", cpu: "0", memory: "0" },
    { what: "EBS CSI node", addon: "aws-ebs-csi-driver", cpu: "10m", memory: "40Mi" },
];
