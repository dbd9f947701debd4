/**
 * Default-deny ingress NetworkPolicies per namespace, with the few sources each namespace needs. Enforced by the VPC
 * CNI's network policy agent (add-on setting `enableNetworkPolicy`, components/cluster/index.ts), which implements standard
 * `networking.k8s.io/v1` NetworkPolicy with these limits, from aws/aws-network-policy-agent and
 * aws/amazon-network-policy-controller-k8s:
 * - traffic from the pod's own node is always allowed (aws-network-policy-agent#56, fixed by #65), so kubelet probes
 *   need no rule; hostNetwork pods (node-exporter) are not isolated at all;
 * - a named port in an ingress rule is not resolved when the source pods lack that port name
 *   (amazon-network-policy-controller-k8s#81, open): every port here is a number;
 * - ingress only: egress stays open, so no DNS rule is needed (a DNS rule matters only once egress is denied).
 */
import * as k8s from "@pulumi/kubernetes";
import { JENKINS_SCRAPE_TARGET } from "../cicd/jenkins";
import { KPS } from "../observability/monitoring";
import { awsxSubnetLayout, networkSubnetSpecs } from "../network/vpc-layout";
import { ClusterHandle, ObjectOptions } from "../shared/cluster-handle";

type Labels = Record<string, string>;

/** Where traffic to pods comes from, as source IPs (NetworkPolicies see the source address of each connection). */
export interface TrafficSources {
    /**
     * The internet-facing ALBs' ENIs: with target-type ip the ALB connects to the pod from its own private address,
     * which lies in a public subnet. Not the VPC CIDR: pods get VPC addresses too (VPC CNI), so that would admit
     * every pod of the cluster.
     */
    alb: readonly string[];
    /** The EKS control plane's ENIs (in the cluster's private subnets): the API server calling admission webhooks. */
    controlPlane: readonly string[];
}

/** The CIDRs of the Network component's public and private subnets, as awsx lays them out (components/network/vpc-layout.ts). */
export function subnetCidrs(vpcCidr: string, azCount: number): { public: string[]; private: string[] } {
    const azNames = Array.from({ length: azCount }, (_, i) => `az${i + 1}`);
    const layout = awsxSubnetLayout({ vpcName: "vpc", vpcCidr, azNames, subnetSpecs: networkSubnetSpecs(vpcCidr, azCount) });
    const of = (type: string) => layout.filter((s) => s.type === type).map((s) => s.cidrBlock);
    return { public: of("Public"), private: of("Private") };
}

/** One allowance: these pods accept these ports from these sources. */
export interface Allowance {
    /** Short name, used in the policy's name. */
    name: string;
    /** The pods that accept the traffic; `{}` is every pod in the namespace. */
    pods: Labels;
    ports: number[];
    from: Source[];
}

export type Source =
    | { cidrs: readonly string[] }
    /** Pods matching `pods` (every pod if `{}`) in the namespace named `namespace`. */
    | { namespace: string; pods: Labels };

/** Prometheus' pods as prometheus-operator labels them (pkg/prometheus/statefulset.go, `app.kubernetes.io/name`). */
export const PROMETHEUS_PODS: Source = { namespace: "monitoring", pods: { "app.kubernetes.io/name": "prometheus" } };

export interface NetworkPolicyManifest {
    metadata: { name: string; namespace: string };
    spec: k8s.types.input.networking.v1.NetworkPolicySpec;
}

function peer(source: Source): k8s.types.input.networking.v1.NetworkPolicyPeer[] {
    if ("cidrs" in source) return source.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
    // kubernetes.io/metadata.name is set by the API server on every namespace (Kubernetes 1.22+).
    return [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": source.namespace } }, podSelector: { matchLabels: source.pods } }];
}

/**
 * A policy selecting every pod of the namespace with no ingress rule (so nothing reaches them), and one policy per
 * allowance. Policies are additive: a pod accepts what any policy selecting it allows.
 */
export function defaultDenyWithAllowances(namespace: string, allowances: Allowance[]): NetworkPolicyManifest[] {
    const names = new Set<string>();
    for (const a of allowances) {
        if (names.has(a.name)) throw new Error(`NetworkPolicies in ${namespace}: allowance "${a.name}" is given twice`);
        names.add(a.name);
        if (a.ports.length === 0 || a.ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
            throw new Error(
                `NetworkPolicies in ${namespace}: allowance "${a.name}" needs port numbers 1-65535 (named ports are not resolved by the VPC CNI's agent)`,
            );
        }
        const peers = a.from.flatMap(peer);
        if (peers.length === 0) throw new Error(`NetworkPolicies in ${namespace}: allowance "${a.name}" names no source`);
    }
    return [
        { metadata: { name: "default-deny-ingress", namespace }, spec: { podSelector: {}, policyTypes: ["Ingress"] } },
        ...allowances.map((a) => ({
            metadata: { name: `allow-${a.name}`, namespace },
            spec: {
                podSelector: { matchLabels: a.pods },
                policyTypes: ["Ingress"],
                ingress: [{ from: a.from.flatMap(peer), ports: a.ports.map((port) => ({ protocol: "TCP", port })) }],
            },
        })),
    ];
}

/**
 * Jenkins: the ALB and Prometheus reach the controller's HTTP port; agents, from the namespaces their clouds start
 * them in, also its JNLP port.
 */
export function jenkinsAllowances(
    sources: TrafficSources,
    controller: Labels,
    httpPort: number,
    agentPort: number,
    agentNamespaces: readonly string[],
): Allowance[] {
    return [
        { name: "alb", pods: controller, ports: [httpPort], from: [{ cidrs: sources.alb }] },
        { name: "prometheus", pods: controller, ports: [httpPort], from: [PROMETHEUS_PODS] },
        // Inbound agents fetch the connection details over HTTP, then hold a TCP (JNLP) connection.
        { name: "agents", pods: controller, ports: [httpPort, agentPort], from: agentNamespaces.map((namespace) => ({ namespace, pods: {} })) },
    ];
}

/** The controller pod's labels (the chart's Service selects it by them). */
export const JENKINS_CONTROLLER_PODS: Labels = { ...JENKINS_SCRAPE_TARGET.matchLabels };
/** The chart's `controller.agentListenerPort` default (charts/jenkins values.yaml at 5.9.53), which the program keeps. */
export const JENKINS_AGENT_PORT = 50000;

/** Grafana's pods: the sub-chart's selector labels (grafana 12.11.1 `grafana.selectorLabels`, instance = release). */
const GRAFANA_PODS: Labels = { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": KPS.releaseName };
/** Grafana's container port (grafana chart values.yaml `service.targetPort`). */
const GRAFANA_PORT = 3000;
/** The operator's pods (kube-prometheus-stack `prometheus-operator.labels`: app = <chart name>-operator, release). */
const OPERATOR_PODS: Labels = { app: "kube-prometheus-stack-operator", release: KPS.releaseName };
/** Where the operator serves its admission webhook (values.yaml `prometheusOperator.tls.internalPort`). */
const OPERATOR_WEBHOOK_PORT = 10250;

/**
 * Monitoring: the ALB reaches Grafana; the stack's pods talk among themselves (Grafana to Prometheus, Prometheus to
 * Alertmanager and its exporters); the API server calls the operator's admission webhook.
 */
export function monitoringAllowances(sources: TrafficSources): Allowance[] {
    return [
        { name: "alb", pods: GRAFANA_PODS, ports: [GRAFANA_PORT], from: [{ cidrs: sources.alb }] },
        { name: "same-namespace", pods: {}, ports: [...MONITORING_PORTS], from: [{ namespace: KPS.namespace, pods: {} }] },
        { name: "webhook", pods: OPERATOR_PODS, ports: [OPERATOR_WEBHOOK_PORT], from: [{ cidrs: sources.controlPlane }] },
    ];
}

/**
 * Ports inside the monitoring namespace, from kube-prometheus-stack 88.5.3 and its sub-charts: Grafana 3000,
 * Prometheus 9090 and its config-reloader 8080, Alertmanager 9093 (and 9094 cluster gossip), kube-state-metrics 8080,
 * the operator 10250 (https), node-exporter 9100 (hostNetwork, listed for completeness).
 */
export const MONITORING_PORTS = [3000, 8080, 9090, 9093, 9094, 9100, 10250] as const;

/** The app: the ALB and Prometheus reach its one port. */
export function appAllowances(sources: TrafficSources, pods: Labels, port: number): Allowance[] {
    return [
        { name: "alb", pods, ports: [port], from: [{ cidrs: sources.alb }] },
        { name: "prometheus", pods, ports: [port], from: [PROMETHEUS_PODS] },
    ];
}

/** Registers the manifests, in the namespace they name, after `o.dependsOn` (the Namespace). */
export function createNetworkPolicies(
    name: string,
    manifests: NetworkPolicyManifest[],
    cluster: ClusterHandle,
    o: ObjectOptions,
): k8s.networking.v1.NetworkPolicy[] {
    return manifests.map((m) => cluster.object(k8s.networking.v1.NetworkPolicy, `${name}-${m.metadata.name}`, { metadata: m.metadata, spec: m.spec }, o));
}

/** The sources as the Network component lays out the VPC: ALBs in the public subnets, the control plane in the private ones. */
export function trafficSourcesOf(vpcCidr: string, azCount: number): TrafficSources {
    const cidrs = subnetCidrs(vpcCidr, azCount);
    return { alb: cidrs.public, controlPlane: cidrs.private };
}
