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

/** A Service whose /metrics Prometheus scrapes. */
export interface ScrapeTarget {
    name: string;
    namespace: string;
    matchLabels: Record<string, string>;
    /** The Service's port name. */
    port: string;
    path: string;
    interval: string;
}

export interface KpsValuesArgs {
    /** Rendered as ServiceMonitors by the release itself, so Helm applies them after the CRDs they need. */
    scrapeTargets: ScrapeTarget[];
    /** Rendered as the PrometheusRule `platform`, likewise. */
    ruleGroups: { name: string; rules: AlertRule[] }[];
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
            additionalServiceMonitors: a.scrapeTargets.map((t) => ({
                name: t.name,
                selector: { matchLabels: t.matchLabels },
                namespaceSelector: { matchNames: [t.namespace] },
                endpoints: [{ port: t.port, path: t.path, interval: t.interval }],
            })),
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

function panel(id: number, title: string, unit: string, exprs: [string, string][], type: Panel["type"] = "timeseries"): Panel {
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

function dashboard(uid: string, title: string, panels: Panel[]): object {
    return { uid, title, tags: ["platform"], timezone: "browser", schemaVersion: 39, refresh: "30s", time: { from: "now-6h", to: "now" }, panels };
}

/** Selects the app's series: the ServiceMonitor's `namespace` target label. */
function appSelector(namespace: string, extra = ""): string {
    return `{namespace="${namespace}"${extra}}`;
}

export const APP_QUERIES = {
    requestRate: (ns: string) => `sum by (route) (rate(http_requests_total${appSelector(ns)}[5m]))`,
    errorRatio: (ns: string) => `sum(rate(http_requests_total${appSelector(ns, ',status=~"5.."')}[5m])) / sum(rate(http_requests_total${appSelector(ns)}[5m]))`,
    latency: (ns: string, q: number) => `histogram_quantile(${q}, sum by (le, route) (rate(http_request_duration_seconds_bucket${appSelector(ns)}[5m])))`,
    latencyOverall: (ns: string, q: number) => `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket${appSelector(ns)}[5m])))`,
};

export function appDashboard(namespace: string): object {
    return dashboard("platform-app", "Platform app", [
        panel(1, "Request rate by route", "reqps", [[APP_QUERIES.requestRate(namespace), "{{route}}"]]),
        panel(2, "Error ratio (5xx)", "percentunit", [[APP_QUERIES.errorRatio(namespace), "5xx ratio"]]),
        panel(3, "Latency p50 by route", "s", [[APP_QUERIES.latency(namespace, 0.5), "p50 {{route}}"]]),
        panel(4, "Latency p99 by route", "s", [[APP_QUERIES.latency(namespace, 0.99), "p99 {{route}}"]]),
    ]);
}

/** Metric names of the Jenkins prometheus plugin (shared/reference/jenkins/prometheus-metrics.yaml). */
export const JENKINS_METRICS = {
    lastBuildDuration: "default_jenkins_builds_last_build_duration_milliseconds",
    buildDuration: "default_jenkins_builds_duration_milliseconds_summary",
    queueLength: "default_jenkins_executors_queue_length",
    executorsBusy: "default_jenkins_executors_busy",
    executorsIdle: "default_jenkins_executors_idle",
    executorsOnline: "default_jenkins_executors_online",
};

export function jenkinsDashboard(): object {
    const m = JENKINS_METRICS;
    return dashboard("platform-jenkins", "Jenkins", [
        panel(1, "Last build duration by job", "ms", [[`max by (jenkins_job) (${m.lastBuildDuration})`, "{{jenkins_job}}"]]),
        panel(2, "Mean build duration by job", "ms", [[`sum by (jenkins_job) (rate(${m.buildDuration}_sum[1h])) / sum by (jenkins_job) (rate(${m.buildDuration}_count[1h]))`, "{{jenkins_job}}"]]),
        panel(3, "Queue length", "short", [[`sum(${m.queueLength})`, "queued"]]),
        panel(4, "Executors", "short", [[`sum(${m.executorsBusy})`, "busy"], [`sum(${m.executorsIdle})`, "idle"], [`sum(${m.executorsOnline})`, "online"]]),
    ]);
}

export interface AlertThresholds {
    /** 5xx share of requests above which the app alerts, e.g. 0.05. */
    errorRatio: number;
    /** p99 latency in seconds above which the app alerts. */
    p99Seconds: number;
    /** Queued Jenkins builds that count as a growing queue. */
    jenkinsQueue: number;
    /** Free space share of a volume below which it alerts. */
    pvcFreeRatio: number;
}

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: "warning" | "critical"; team: string };
    annotations: { summary: string; description: string };
}

/** The platform's rules; Jenkins' only where Jenkins runs. */
export function alertRules(appNamespace: string, watchedNamespaces: string[], t: AlertThresholds, jenkins = true): { name: string; rules: AlertRule[] }[] {
    const labels = (severity: "warning" | "critical") => ({ severity, team: "platform" });
    const nsRegex = watchedNamespaces.join("|");
    return [
        {
            name: "platform-app",
            rules: [
                {
                    alert: "AppHighErrorRatio",
                    expr: `(${APP_QUERIES.errorRatio(appNamespace)}) > ${t.errorRatio}`,
                    for: "5m",
                    labels: labels("critical"),
                    annotations: { summary: "App 5xx ratio is high", description: `More than ${t.errorRatio * 100}% of requests to the app fail with 5xx ({{ $value | humanizePercentage }}).` },
                },
                {
                    alert: "AppHighLatencyP99",
                    expr: `${APP_QUERIES.latencyOverall(appNamespace, 0.99)} > ${t.p99Seconds}`,
                    for: "10m",
                    labels: labels("warning"),
                    annotations: { summary: "App p99 latency is high", description: `p99 latency is above ${t.p99Seconds}s ({{ $value | humanizeDuration }}).` },
                },
                {
                    alert: "AppPodsNotReady",
                    expr: `sum by (pod) (kube_pod_status_ready{namespace="${appNamespace}",condition="false"}) > 0`,
                    for: "10m",
                    labels: labels("warning"),
                    annotations: { summary: "App pod not ready", description: "Pod {{ $labels.pod }} has not been ready for 10 minutes." },
                },
            ],
        },
        ...(!jenkins ? [] : [{
            name: "platform-ci",
            rules: [{
                alert: "JenkinsQueueGrowing",
                expr: `sum(${JENKINS_METRICS.queueLength}) > ${t.jenkinsQueue} and deriv(sum(${JENKINS_METRICS.queueLength})[15m:1m]) > 0`,
                for: "15m",
                labels: labels("warning"),
                annotations: { summary: "Jenkins build queue is growing", description: "More than " + t.jenkinsQueue + " builds wait for an executor and the queue keeps growing: agents cannot start?" },
            }],
        }]),
        {
            name: "platform-storage",
            rules: [{
                alert: "PersistentVolumeFillingUp",
                expr: `kubelet_volume_stats_available_bytes{namespace=~"${nsRegex}"} / kubelet_volume_stats_capacity_bytes{namespace=~"${nsRegex}"} < ${t.pvcFreeRatio}`,
                for: "10m",
                labels: labels("warning"),
                annotations: { summary: "Volume filling up", description: `PVC {{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} has less than ${t.pvcFreeRatio * 100}% free.` },
            }],
        },
    ];
}
