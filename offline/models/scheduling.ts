/**
 * The scheduler's node filters a pod must pass, as Kubernetes implements them (kubernetes/kubernetes v1.35):
 *   staging/src/k8s.io/api/core/v1/toleration.go                     Toleration.ToleratesTaint
 *   pkg/scheduler/framework/plugins/tainttoleration                   TaintToleration Filter: NoSchedule and NoExecute
 *   staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity  required node affinity: terms ORed,
 *                                                                     expressions ANDed
 * and the labels Karpenter puts on the nodes of a NodePool (sigs.k8s.io/karpenter pkg/apis/v1/labels.go:
 * karpenter.sh/nodepool, karpenter.sh/capacity-type, plus the template's labels and taints).
 */
export interface NodeTaint {
    key: string;
    value?: string;
    effect: string;
}
export interface PodToleration {
    key?: string;
    operator?: string;
    value?: string;
    effect?: string;
}
export interface SchedulingNode {
    labels: Record<string, string>;
    taints: NodeTaint[];
}
interface Expression {
    key: string;
    operator: string;
    values?: string[];
}

export function toleratesTaint(t: PodToleration, taint: NodeTaint): boolean {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.key && t.key !== taint.key) return false;
    // An empty key with Exists tolerates every taint.
    if (t.operator === "Exists") return true;
    return (t.value ?? "") === (taint.value ?? "");
}

function matches(e: Expression, labels: Record<string, string>): boolean {
    const has = e.key in labels;
    switch (e.operator) {
        case "In":
            return has && (e.values ?? []).includes(labels[e.key]);
        case "NotIn":
            return !has || !(e.values ?? []).includes(labels[e.key]);
        case "Exists":
            return has;
        case "DoesNotExist":
            return !has;
        case "Gt":
            return has && Number(labels[e.key]) > Number(e.values?.[0]);
        case "Lt":
            return has && Number(labels[e.key]) < Number(e.values?.[0]);
        default:
            return false;
    }
}

/** Why the scheduler would not place a pod with this spec on the node, or undefined when it would. */
export function unschedulableReason(podSpec: any, node: SchedulingNode): string | undefined {
    const tolerations: PodToleration[] = podSpec?.tolerations ?? [];
    const untolerated = node.taints.filter((taint) => taint.effect !== "PreferNoSchedule" && !tolerations.some((t) => toleratesTaint(t, taint)));
    if (untolerated.length) return `untolerated taint ${untolerated.map((t) => `${t.key}=${t.value ?? ""}:${t.effect}`).join(", ")}`;
    for (const [key, value] of Object.entries<string>(podSpec?.nodeSelector ?? {})) {
        if (node.labels[key] !== value) return `nodeSelector ${key}=${value} does not match`;
    }
    const terms: { matchExpressions?: Expression[] }[] | undefined =
        podSpec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    if (terms && !terms.some((term) => (term.matchExpressions ?? []).every((e) => matches(e, node.labels)))) {
        return "required node affinity does not match";
    }
    return undefined;
}

/** A node a NodePool (its recorded inputs) would launch, with each capacity type it allows. */
export function nodesOfPool(pool: { metadata?: any; spec?: any }): SchedulingNode[] {
    const template = pool.spec?.template ?? {};
    const requirements: Expression[] = template.spec?.requirements ?? [];
    const capacityTypes = requirements.find((r) => r.key === "karpenter.sh/capacity-type")?.values ?? ["on-demand"];
    return capacityTypes.map((capacityType) => ({
        labels: { ...(template.metadata?.labels ?? {}), "karpenter.sh/nodepool": String(pool.metadata?.name), "karpenter.sh/capacity-type": capacityType },
        taints: template.spec?.taints ?? [],
    }));
}
