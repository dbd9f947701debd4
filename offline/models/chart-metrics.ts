/**
 * Where two charts serve their controller's metrics, as their templates render it; only what a scrape selects on is
 * modelled: the labels of the Service or pods and the name of the metrics port.
 * - karpenter 1.14.1 (aws/karpenter-provider-aws charts/karpenter/templates at release-v1.14.1 c88abbba): service.yaml
 *   always renders a Service named karpenter.fullname with karpenter.labels, port `http-metrics`; _helpers.tpl.
 * - aws-load-balancer-controller 3.5.0 (kubernetes-sigs/aws-load-balancer-controller helm/aws-load-balancer-controller/
 *   templates at v3.5.0): deployment.yaml gives the pods selectorLabels (plus podLabels) and the container port
 *   `metrics-server`; service.yaml renders a metrics Service only with serviceMonitor.enabled.
 */

export interface MetricsEndpoint {
    kind: "Service" | "Pod";
    /** The Service's name (a ServiceMonitor's series carry it as `job`); for pods, unset. */
    name?: string;
    namespace: string;
    labels: Record<string, string>;
    port: string;
}

interface NameValues {
    nameOverride?: string;
    fullnameOverride?: string;
    additionalLabels?: Record<string, string>;
    podLabels?: Record<string, string>;
}

/** The `<chart>.fullname` helper both charts share. */
function fullname(chart: string, releaseName: string, v: NameValues): string {
    if (v.fullnameOverride) return v.fullnameOverride.slice(0, 63).replace(/-$/, "");
    const name = v.nameOverride || chart;
    return (releaseName.includes(name) ? releaseName : `${releaseName}-${name}`).slice(0, 63).replace(/-$/, "");
}

function selectorLabels(chart: string, releaseName: string, v: NameValues): Record<string, string> {
    return { "app.kubernetes.io/name": (v.nameOverride || chart).slice(0, 63).replace(/-$/, ""), "app.kubernetes.io/instance": releaseName };
}

/** karpenter service.yaml: the Service and its labels (karpenter.labels: selector labels, chart, version, managed-by, additionalLabels). */
export function karpenterMetricsService(releaseName: string, namespace: string, values: NameValues, chartVersion: string): MetricsEndpoint {
    return {
        kind: "Service",
        name: fullname("karpenter", releaseName, values),
        namespace,
        labels: {
            "helm.sh/chart": `karpenter-${chartVersion}`,
            ...selectorLabels("karpenter", releaseName, values),
            "app.kubernetes.io/version": chartVersion,
            "app.kubernetes.io/managed-by": "Helm",
            ...values.additionalLabels,
        },
        port: "http-metrics",
    };
}

/** aws-load-balancer-controller deployment.yaml: the pod template's labels and its metrics container port. */
export function lbcMetricsPods(releaseName: string, namespace: string, values: NameValues): MetricsEndpoint {
    return {
        kind: "Pod",
        namespace,
        labels: { ...selectorLabels("aws-load-balancer-controller", releaseName, values), ...values.podLabels },
        port: "metrics-server",
    };
}

/** Whether a ServiceMonitor or PodMonitor selecting `matchLabels` in `namespaces` on `port` reaches the endpoint. */
export function scrapes(monitor: { matchLabels: Record<string, string>; namespaces: string[]; port: string }, e: MetricsEndpoint): boolean {
    return monitor.namespaces.includes(e.namespace) && monitor.port === e.port && Object.entries(monitor.matchLabels).every(([k, v]) => e.labels[k] === v);
}
