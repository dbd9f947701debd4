/**
 * Pure builders for the Observability component: kube-prometheus-stack values, dashboards and alert rules.
 * Chart pinned with shared/reference/charts/kube-prometheus-stack (88.5.3, Grafana sub-chart 12.11.1).
 */
export const KPS = {
    chart: "kube-prometheus-stack",
    repo: "https://prometheus-community.github.io/helm-charts",
    chartVersion: "88.5.3",
    namespace: "monitoring",
    releaseName: "kps",
    /** The Grafana sub-chart names its Service after the release. */
    grafanaService: "kps-grafana",
    grafanaPort: 80,
    grafanaAdminSecret: "grafana-admin",
    dashboardLabel: "grafana_dashboard",
} as const;

/** A Service (or, with `pods`, the pods themselves) whose /metrics Prometheus scrapes. */
export interface ScrapeTarget {
    name: string;
    namespace: string;
    matchLabels: Record<string, string>;
    /** The Service's port name; with `pods`, the container's. */
    port: string;
    path: string;
    interval: string;
    /**
     * Scrape the pods matching `matchLabels` through a PodMonitor, for a chart that makes no metrics Service. Its
     * series' `job` is the value of the pod label `jobLabel` (without one, `<namespace>/<PodMonitor name>`), as a
     * ServiceMonitor's is the Service's name (prometheus-operator pkg/prometheus/promcfg.go, the job relabelings
     * of generatePodMonitorConfig and generateServiceMonitorConfig).
     */
    pods?: { jobLabel: string };
}

export interface KpsValuesArgs {
    /** Rendered as ServiceMonitors by the release itself, so Helm applies them after the CRDs they need. */
    scrapeTargets: ScrapeTarget[];
    /** Rendered as the PrometheusRule `platform`, likewise. */
    ruleGroups: RuleGroup[];
    storageClass: string;
    retention: string;
    prometheusStorage: string;
    alertmanagerStorage: string;
    grafanaStorage: string;
    grafanaUrl: string;
    /** Rendered into alertmanager.config (components/observability/alerting.ts). */
    alertmanagerConfig: Record<string, unknown>;
    /** Secrets in the namespace the operator mounts into Alertmanager at /etc/alertmanager/secrets/<name>/. */
    alertmanagerSecrets: string[];
}

/**
 * What each pod asks the scheduler for: the chart requests nothing by default, so the capacity preflight counted
 * them as free. Sized for a small cluster (a few hundred thousand series); raise Prometheus' with its load.
 */
export const KPS_REQUESTS = {
    prometheus: { cpu: "200m", memory: "1Gi" },
    alertmanager: { cpu: "20m", memory: "64Mi" },
    grafana: { cpu: "50m", memory: "256Mi" },
    operator: { cpu: "50m", memory: "128Mi" },
    kubeStateMetrics: { cpu: "20m", memory: "64Mi" },
    nodeExporter: { cpu: "20m", memory: "32Mi" },
} as const;

/**
 * The busybox that unpacks the CRDs in the chart's CRD upgrade job: the chart defaults to `latest`; 1.38.0 is the
 * tag the Grafana sub-chart pins (shared/reference/charts/grafana/values.yaml initChownData.image).
 */
export const CRD_JOB_BUSYBOX_TAG = "1.38.0";

function pvc(storageClass: string, size: string) {
    return { volumeClaimTemplate: { spec: { storageClassName: storageClass, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } } };
}

const monitor = (t: ScrapeTarget) => ({ name: t.name, selector: { matchLabels: t.matchLabels }, namespaceSelector: { matchNames: [t.namespace] } });
const endpoint = (t: ScrapeTarget) => ({ port: t.port, path: t.path, interval: t.interval });

export function kpsValues(a: KpsValuesArgs): Record<string, unknown> {
    return {
        fullnameOverride: KPS.releaseName,
        // Helm installs the CRDs under charts/crds/crds/ once and never upgrades them; the chart's upgrade job (a
        // pre-install/pre-upgrade hook, charts/crds/templates/upgrade/job.yaml) applies the bundled CRDs server-side
        // before each upgrade, so a new chart version never runs its operator against old CRDs.
        crds: { enabled: true, upgradeJob: { enabled: true, forceConflicts: true, image: { busybox: { tag: CRD_JOB_BUSYBOX_TAG } } } },
        additionalPrometheusRulesMap: { platform: { groups: a.ruleGroups } },
        // EKS runs the control plane out of reach: controller-manager, scheduler and etcd are never scrapeable, so
        // their ServiceMonitors find nothing and absent(up{...}) alerts (KubeControllerManagerDown,
        // KubeSchedulerDown) fire forever. kube-proxy's add-on binds metrics to 127.0.0.1:10249 unless its
        // configuration opens it, which the Cluster does not.
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        kubeProxy: { enabled: false },
        prometheus: {
            prometheusSpec: {
                retention: a.retention,
                resources: { requests: { ...KPS_REQUESTS.prometheus } },
                storageSpec: pvc(a.storageClass, a.prometheusStorage),
                // Select ServiceMonitors, PodMonitors, Probes and rules from every namespace, with any labels,
                // not only those carrying this release's label.
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                serviceMonitorNamespaceSelector: {},
                podMonitorNamespaceSelector: {},
                ruleNamespaceSelector: {},
            },
            additionalServiceMonitors: a.scrapeTargets.filter((t) => !t.pods).map((t) => ({ ...monitor(t), endpoints: [endpoint(t)] })),
            // templates/prometheus/podmonitors.yaml renders these as PodMonitors in the release.
            additionalPodMonitors: a.scrapeTargets.flatMap((t) =>
                t.pods ? [{ ...monitor(t), jobLabel: t.pods.jobLabel, podMetricsEndpoints: [endpoint(t)] }] : [],
            ),
        },
        alertmanager: {
            config: a.alertmanagerConfig,
            alertmanagerSpec: {
                storage: pvc(a.storageClass, a.alertmanagerStorage),
                secrets: a.alertmanagerSecrets,
                resources: { requests: { ...KPS_REQUESTS.alertmanager } },
            },
        },
        prometheusOperator: { resources: { requests: { ...KPS_REQUESTS.operator } } },
        "kube-state-metrics": { resources: { requests: { ...KPS_REQUESTS.kubeStateMetrics } } },
        "prometheus-node-exporter": { resources: { requests: { ...KPS_REQUESTS.nodeExporter } } },
        grafana: {
            defaultDashboardsEnabled: true,
            resources: { requests: { ...KPS_REQUESTS.grafana } },
            admin: { existingSecret: KPS.grafanaAdminSecret, userKey: "admin-user", passwordKey: "admin-password" },
            persistence: { enabled: true, type: "pvc", storageClassName: a.storageClass, size: a.grafanaStorage, accessModes: ["ReadWriteOnce"] },
            // A ReadWriteOnce volume cannot be attached to the old and the new pod at once.
            deploymentStrategy: { type: "Recreate" },
            "grafana.ini": { server: { root_url: a.grafanaUrl } },
            sidecar: { dashboards: { enabled: true, label: KPS.dashboardLabel, labelValue: "1", searchNamespace: "ALL" } },
            ingress: { enabled: false },
        },
    };
}

interface Panel {
    id: number;
    title: string;
    type: "timeseries" | "stat";
    gridPos: { x: number; y: number; w: number; h: number };
    datasource: { type: "prometheus"; uid: "prometheus" };
    fieldConfig: { defaults: { unit: string } };
    targets: { refId: string; expr: string; legendFormat: string }[];
}

export function panel(id: number, title: string, unit: string, exprs: [string, string][], type: Panel["type"] = "timeseries"): Panel {
    return {
        id,
        title,
        type,
        gridPos: { x: ((id - 1) % 2) * 12, y: Math.floor((id - 1) / 2) * 8, w: 12, h: 8 },
        datasource: { type: "prometheus", uid: "prometheus" },
        fieldConfig: { defaults: { unit } },
        targets: exprs.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), expr, legendFormat })),
    };
}

export function dashboard(uid: string, title: string, panels: Panel[]): object {
    return { uid, title, tags: ["platform"], timezone: "browser", schemaVersion: 39, refresh: "30s", time: { from: "now-6h", to: "now" }, panels };
}

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: "warning" | "critical"; team: string };
    annotations: { summary: string; description: string };
}

export interface RuleGroup {
    name: string;
    rules: AlertRule[];
}

/** A platform alert: owned by the platform team, at the given severity. */
export function alertRule(
    alert: string,
    expr: string,
    pending: string,
    severity: AlertRule["labels"]["severity"],
    summary: string,
    description: string,
): AlertRule {
    return { alert, expr, for: pending, labels: { severity, team: "platform" }, annotations: { summary, description } };
}

/**
 * What a component gives Observability to render: ServiceMonitors, Grafana dashboards (ConfigMaps by key), rule
 * groups, and the namespaces whose volumes the storage alert watches. A component not deployed contributes nothing.
 */
export interface MonitoringContribution {
    scrapeTargets?: ScrapeTarget[];
    dashboards?: Record<string, object>;
    ruleGroups?: RuleGroup[];
    volumeNamespaces?: string[];
}

/** Observability's own rule: a volume of a watched namespace filling up. */
export function storageRules(watchedNamespaces: string[], pvcFreeRatio: number): RuleGroup {
    const nsRegex = watchedNamespaces.join("|");
    return {
        name: "platform-storage",
        rules: [
            alertRule(
                "PersistentVolumeFillingUp",
                `kubelet_volume_stats_available_bytes{namespace=~"${nsRegex}"} / kubelet_volume_stats_capacity_bytes{namespace=~"${nsRegex}"} < ${pvcFreeRatio}`,
                "10m",
                "warning",
                "Volume filling up",
                `PVC {{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} has less than ${pvcFreeRatio * 100}% free.`,
            ),
        ],
    };
}
