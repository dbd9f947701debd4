/**
 * Which control-plane scrape targets and alerts kube-prometheus-stack renders for given values
 * (prometheus-community/helm-charts charts/kube-prometheus-stack, tag kube-prometheus-stack-88.5.3, commit ea930bae).
 * Only the four components the chart scrapes outside the workloads are modelled: kube-controller-manager,
 * kube-scheduler, etcd and kube-proxy. The gates are transcribed from line 7 (the `{{- if and ... }}`) of each
 * templates/prometheus/rules-1.14 file and line 1 of each templates/exporters/<component>/servicemonitor.yaml.
 */

/** A dotted values path, or one that must be false (`!`), all of which must hold for the template to render. */
type Gate = string[];

export interface ControlPlaneComponent {
    /** What runs the component's process. */
    component: "kube-controller-manager" | "kube-scheduler" | "etcd" | "kube-proxy";
    /** The top-level values key that switches it. */
    valuesKey: "kubeControllerManager" | "kubeScheduler" | "kubeEtcd" | "kubeProxy";
    ruleFile: string;
    ruleGate: Gate;
    /** Alerts in the rule file, each gated further by defaultRules.disabled.<alert>. */
    alerts: string[];
    serviceMonitorGate: Gate;
}

export const CONTROL_PLANE: ControlPlaneComponent[] = [
    {
        component: "kube-controller-manager",
        valuesKey: "kubeControllerManager",
        ruleFile: "templates/prometheus/rules-1.14/kubernetes-system-controller-manager.yaml",
        ruleGate: [
            "defaultRules.create",
            "kubeControllerManager.enabled",
            "defaultRules.rules.kubeControllerManager",
            "!defaultRules.disabled.KubeControllerManagerDown",
        ],
        alerts: ["KubeControllerManagerDown", "KubeControllerManagerInstanceUnreachable"],
        serviceMonitorGate: ["kubeControllerManager.enabled", "kubeControllerManager.serviceMonitor.enabled", "kubernetesServiceMonitors.enabled"],
    },
    {
        component: "kube-scheduler",
        valuesKey: "kubeScheduler",
        ruleFile: "templates/prometheus/rules-1.14/kubernetes-system-scheduler.yaml",
        ruleGate: ["defaultRules.create", "kubeScheduler.enabled", "defaultRules.rules.kubeSchedulerAlerting", "!defaultRules.disabled.KubeSchedulerDown"],
        alerts: ["KubeSchedulerDown", "KubeSchedulerInstanceUnreachable"],
        serviceMonitorGate: ["kubeScheduler.enabled", "kubeScheduler.serviceMonitor.enabled", "kubernetesServiceMonitors.enabled"],
    },
    {
        component: "etcd",
        valuesKey: "kubeEtcd",
        ruleFile: "templates/prometheus/rules-1.14/etcd.yaml",
        ruleGate: ["defaultRules.create", "kubeEtcd.enabled", "defaultRules.rules.etcd"],
        alerts: [
            "etcdMembersDown",
            "etcdInsufficientMembers",
            "etcdNoLeader",
            "etcdHighNumberOfLeaderChanges",
            "etcdHighNumberOfFailedGRPCRequests",
            "etcdGRPCRequestsSlow",
            "etcdMemberCommunicationSlow",
            "etcdHighNumberOfFailedProposals",
        ],
        serviceMonitorGate: ["kubeEtcd.enabled", "kubeEtcd.serviceMonitor.enabled", "kubernetesServiceMonitors.enabled"],
    },
    {
        component: "kube-proxy",
        valuesKey: "kubeProxy",
        ruleFile: "templates/prometheus/rules-1.14/kubernetes-system-kube-proxy.yaml",
        ruleGate: ["defaultRules.create", "kubeProxy.enabled", "defaultRules.rules.kubeProxy", "!defaultRules.disabled.KubeProxyDown"],
        alerts: ["KubeProxyDown", "KubeProxyInstanceUnreachable"],
        serviceMonitorGate: ["kubeProxy.enabled", "kubeProxy.serviceMonitor.enabled", "kubernetesServiceMonitors.enabled"],
    },
];

/**
 * The chart's defaults for every path the gates read (values.yaml at the tag: defaultRules l.174-210,
 * kubernetesServiceMonitors l.1690, kubeControllerManager l.2024, kubeEtcd l.2325, kubeScheduler l.2439,
 * kubeProxy l.2578); defaultRules.disabled is empty.
 */
export const CHART_DEFAULTS: Record<string, boolean> = {
    "defaultRules.create": true,
    "defaultRules.rules.kubeControllerManager": true,
    "defaultRules.rules.kubeSchedulerAlerting": true,
    "defaultRules.rules.etcd": true,
    "defaultRules.rules.kubeProxy": true,
    "kubernetesServiceMonitors.enabled": true,
    ...Object.fromEntries(
        CONTROL_PLANE.flatMap((c) => [
            [`${c.valuesKey}.enabled`, true],
            [`${c.valuesKey}.serviceMonitor.enabled`, true],
        ]),
    ),
};

function lookup(values: Record<string, unknown>, path: string): unknown {
    return path.split(".").reduce<unknown>((node, key) => (node && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined), values);
}

/** A values path as Helm's template sees it after merging the user's values over the chart's. */
function truthy(values: Record<string, unknown>, path: string): boolean {
    const set = lookup(values, path);
    return Boolean(set === undefined ? (CHART_DEFAULTS[path] ?? false) : set);
}

function passes(values: Record<string, unknown>, gate: Gate): boolean {
    return gate.every((term) => (term.startsWith("!") ? !truthy(values, term.slice(1)) : truthy(values, term)));
}

export interface RenderedControlPlane {
    alerts: { alert: string; component: ControlPlaneComponent["component"] }[];
    serviceMonitors: ControlPlaneComponent["component"][];
}

/** The control-plane alerts and ServiceMonitors the release would create with these values. */
export function renderControlPlane(values: Record<string, unknown>): RenderedControlPlane {
    const alerts: RenderedControlPlane["alerts"] = [];
    const serviceMonitors: RenderedControlPlane["serviceMonitors"] = [];
    for (const c of CONTROL_PLANE) {
        if (passes(values, c.ruleGate)) {
            for (const alert of c.alerts) if (!truthy(values, `defaultRules.disabled.${alert}`)) alerts.push({ alert, component: c.component });
        }
        if (passes(values, c.serviceMonitorGate)) serviceMonitors.push(c.component);
    }
    return { alerts, serviceMonitors };
}
