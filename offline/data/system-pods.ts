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

/** A DaemonSet: one pod on every node its tolerations let it onto. */
export interface SystemDaemonSet extends SystemPod {
    /** The Helm chart whose release brings it (instead of an add-on). */
    chart?: string;
    /** Where in that release's values its requests are (they override cpu/memory) and what disables it. */
    requestsAt?: string[];
    enabledAt?: string[];
    /** Its default tolerations; every entry below tolerates CriticalAddonsOnly and platform/pool=ci NoSchedule. */
    tolerations: { key?: string; operator: "Exists" | "Equal"; effect?: string }[];
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
    {
        // amazon-cloudwatch-observability values.yaml (same chart versions as its DaemonSets below): replicaCount 1,
        // manager.resources.requests 100m / 64Mi, manager.tolerations [] (so never on the tainted nodes).
        what: "CloudWatch observability operator",
        addon: "amazon-cloudwatch-observability",
        replicas: 1,
        cpu: "100m",
        memory: "64Mi",
        configPath: ["manager"],
        placement: { tolerations: [] },
    },
];

/**
 * One pod on every node, whatever its taints: aws-node and kube-proxy tolerate every taint (`operator: Exists`,
 * aws-node.yaml; the EKS kube-proxy DaemonSet likewise), the EBS CSI node has node.tolerateAllTaints: true.
 * aws-node: aws-node 25m + aws-network-policy-agent 25m (its init container's 25m is less).
 */
export const SYSTEM_DAEMONSETS: SystemDaemonSet[] = [
    { what: "aws-node (VPC CNI)", cpu: "50m", memory: "0", tolerations: [{ operator: "Exists" }] },
    { what: "kube-proxy", cpu: "0", memory: "0", tolerations: [{ operator: "Exists" }] },
    { what: "EBS CSI node", addon: "aws-ebs-csi-driver", cpu: "10m", memory: "40Mi", tolerations: [{ operator: "Exists" }] },
    // aws-observability/helm-charts charts/amazon-cloudwatch-observability/values.yaml, identical at chart 4.8.0
    // (b03dc44), 5.2.2 (0c281c0) and 5.4.0 (d511df7), around the pinned v4.10.1 / v5.3.1 add-on builds:
    // agent.resources.requests 250m / 128Mi, agent.mode daemonset; containerLogs.fluentBit.resources.requests
    // 50m / 25Mi; both take the root `tolerations: [{operator: Exists}]` (templates/linux/fluent-bit-daemonset.yaml
    // includes common.tolerations), so they run on the tainted system and ci nodes too.
    {
        what: "cloudwatch-agent",
        addon: "amazon-cloudwatch-observability",
        cpu: "250m",
        memory: "128Mi",
        tolerations: [{ operator: "Exists" }],
    },
    {
        what: "fluent-bit",
        addon: "amazon-cloudwatch-observability",
        cpu: "50m",
        memory: "25Mi",
        tolerations: [{ operator: "Exists" }],
    },
    // kube-prometheus-stack 88.5.3 (Chart.yaml: prometheus-node-exporter 4.56.1, condition nodeExporter.enabled);
    // prometheus-community/helm-charts charts/prometheus-node-exporter/values.yaml: resources {} and
    // tolerations [{effect: NoSchedule, operator: Exists}] (every NoSchedule taint); components/observability sets
    // its requests (KPS_REQUESTS.nodeExporter), read here from the release's values.
    {
        what: "prometheus-node-exporter",
        chart: "kube-prometheus-stack",
        requestsAt: ["prometheus-node-exporter", "resources", "requests"],
        enabledAt: ["nodeExporter", "enabled"],
        cpu: "0",
        memory: "0",
        tolerations: [{ effect: "NoSchedule", operator: "Exists" }],
    },
];
