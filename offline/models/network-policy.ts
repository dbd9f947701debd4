/**
 * Whether NetworkPolicies (networking.k8s.io/v1) admit a connection to a pod, with the semantics of the API reference
 * (the field documentation in kubernetes/api networking/v1/types.go: NetworkPolicySpec, NetworkPolicyIngressRule,
 * NetworkPolicyPeer, NetworkPolicyPort) as the VPC CNI's network policy agent enforces them:
 * - a pod no policy selects for Ingress accepts everything; a selected pod accepts what any selecting policy's rule
 *   allows (rules are additive, there is no deny rule);
 * - a rule without `from` (or `ports`) matches every source (port); a peer with only `podSelector` means pods of the
 *   policy's own namespace; `namespaceSelector` with `podSelector` means those pods in those namespaces; `ipBlock`
 *   matches the source address (pod addresses included: with the VPC CNI a pod's address is a VPC address);
 * - the agent always admits traffic from the pod's own node (aws/aws-network-policy-agent PR #65, issue #56), which is
 *   how kubelet probes keep working;
 * - named ports are refused here: the agent does not resolve them for sources that lack the name
 *   (aws/amazon-network-policy-controller-k8s issue #81).
 * Not modelled: egress, `endPort`, `except` lists, SCTP/UDP, hostNetwork pods (never isolated).
 */
import { cidrContains } from "./lbc-ingress-group";
import { LabelSelector, selects } from "./lbc-webhook";

type Labels = Record<string, string>;

export interface Policy {
    metadata: { namespace: string; name?: string };
    spec: {
        podSelector: LabelSelector;
        policyTypes?: string[];
        ingress?: { from?: Peer[]; ports?: { protocol?: string; port?: number | string }[] }[];
        egress?: unknown[];
    };
}

interface Peer {
    ipBlock?: { cidr: string };
    namespaceSelector?: LabelSelector;
    podSelector?: LabelSelector;
}

export interface PodRef {
    namespace: string;
    labels: Labels;
}

/** Who connects: a pod (with its address), any other address, or the target pod's own node. */
export type Client = { pod: PodRef; ip: string } | { ip: string } | { node: true };

/** The labels the API server sets on every namespace (Kubernetes 1.22+). */
const namespaceLabels = (namespace: string): Labels => ({ "kubernetes.io/metadata.name": namespace });

function peerMatches(peer: Peer, policyNamespace: string, client: Client): boolean {
    if ("node" in client) return false;
    if (peer.ipBlock) return cidrContains(peer.ipBlock.cidr, client.ip);
    if (!("pod" in client)) return false;
    const namespaceOk = peer.namespaceSelector
        ? selects(peer.namespaceSelector, namespaceLabels(client.pod.namespace))
        : client.pod.namespace === policyNamespace;
    return namespaceOk && selects(peer.podSelector ?? {}, client.pod.labels);
}

const isIngressPolicy = (p: Policy) => (p.spec.policyTypes ?? ["Ingress"]).includes("Ingress");

/** Whether `client` may open a TCP connection to `port` of `target`. */
export function admits(policies: Policy[], target: PodRef, client: Client, port: number): boolean {
    if ("node" in client) return true;
    const selecting = policies.filter((p) => p.metadata.namespace === target.namespace && isIngressPolicy(p) && selects(p.spec.podSelector, target.labels));
    if (selecting.length === 0) return true;
    return selecting.some((p) =>
        (p.spec.ingress ?? []).some((rule) => {
            const portOk =
                !rule.ports?.length ||
                rule.ports.some((rp) => {
                    if (typeof rp.port === "string")
                        throw new Error(`${p.metadata.namespace}/${p.metadata.name}: named port "${rp.port}" is not resolved by the VPC CNI's agent`);
                    return (rp.protocol ?? "TCP") === "TCP" && (rp.port === undefined || rp.port === port);
                });
            const fromOk = !rule.from?.length || rule.from.some((peer) => peerMatches(peer, p.metadata.namespace, client));
            return portOk && fromOk;
        }),
    );
}

/** Whether a policy isolates every pod of its namespace for ingress and admits nothing by itself. */
export function isDefaultDenyIngress(p: Policy): boolean {
    const selector = p.spec.podSelector ?? {};
    const selectsAll = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
    return selectsAll && isIngressPolicy(p) && (p.spec.ingress ?? []).length === 0;
}
