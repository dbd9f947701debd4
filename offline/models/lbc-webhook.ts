/**
 * The AWS Load Balancer Controller's pod mutating webhook `mpod.elbv2.k8s.aws`, which injects target-health readiness
 * gates, as chart 3.5.0 renders it (aws/eks-charts stable/aws-load-balancer-controller/templates/webhook.yaml
 * l.14-58, commit 5239609242f3; byte-identical to kubernetes-sigs/aws-load-balancer-controller helm/ at v3.5.0), and
 * the API server's label-selector semantics that decide which pods it is called for.
 */

export interface LabelSelectorRequirement {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    values?: string[];
}

export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: LabelSelectorRequirement[];
}

/** The namespace label the chart selects on when `webhookNamespaceSelectors` is empty (webhook.yaml l.26-35). */
export const DEFAULT_NAMESPACE_REQUIREMENT: LabelSelectorRequirement = { key: "elbv2.k8s.aws/pod-readiness-gate-inject", operator: "In", values: ["enabled"] };

export interface LbcChartValues {
    nameOverride?: string;
    webhookNamespaceSelectors?: LabelSelectorRequirement[] | null;
    objectSelector?: { matchExpressions?: LabelSelectorRequirement[] | null; matchLabels?: Record<string, string> | null };
}

/** namespaceSelector and objectSelector of mpod.elbv2.k8s.aws for the chart values (webhook.yaml l.26-48). */
export function podMutatorSelectors(values: LbcChartValues): { namespaceSelector: LabelSelector; objectSelector: LabelSelector } {
    const name = values.nameOverride || "aws-load-balancer-controller";
    const objectSelector: LabelSelector = {
        matchExpressions: [{ key: "app.kubernetes.io/name", operator: "NotIn", values: [name] }, ...(values.objectSelector?.matchExpressions ?? [])],
    };
    if (values.objectSelector?.matchLabels) objectSelector.matchLabels = values.objectSelector.matchLabels;
    return {
        namespaceSelector: { matchExpressions: values.webhookNamespaceSelectors?.length ? values.webhookNamespaceSelectors : [DEFAULT_NAMESPACE_REQUIREMENT] },
        objectSelector,
    };
}

/** metav1.LabelSelector semantics: every matchLabels entry and every requirement must hold. */
export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const byExpressions = (selector.matchExpressions ?? []).every((r) => {
        const has = r.key in labels;
        switch (r.operator) {
            case "In":
                return has && (r.values ?? []).includes(labels[r.key]);
            case "NotIn":
                return !has || !(r.values ?? []).includes(labels[r.key]);
            case "Exists":
                return has;
            case "DoesNotExist":
                return !has;
        }
    });
    return byLabels && byExpressions;
}

/**
 * Whether the API server calls the webhook for a new pod with these labels in a namespace with these labels. The
 * controller then adds a readiness gate for every TargetGroupBinding of target-type ip whose Service selects the pod
 * (docs/deploy/pod_readiness_gate.md at v3.5.0).
 */
export function readinessGatesInjected(values: LbcChartValues, namespaceLabels: Record<string, string>, podLabels: Record<string, string>): boolean {
    const { namespaceSelector, objectSelector } = podMutatorSelectors(values);
    return selects(namespaceSelector, namespaceLabels) && selects(objectSelector, podLabels);
}
