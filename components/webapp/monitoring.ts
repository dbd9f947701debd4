/** What the platform watches of the app: its Service's /metrics, a dashboard and its alerts, for Observability to render. */
import { alertRule, dashboard, MonitoringContribution, panel, RuleGroup } from "../observability/monitoring";
import { appScrapeTarget } from ".";

export interface AppAlertThresholds {
    /** 5xx share of requests above which the app alerts, e.g. 0.05. */
    errorRatio: number;
    /** p99 latency in seconds above which the app alerts. */
    p99Seconds: number;
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

export function appRules(namespace: string, t: AppAlertThresholds): RuleGroup {
    return {
        name: "platform-app",
        rules: [
            alertRule(
                "AppHighErrorRatio",
                `(${APP_QUERIES.errorRatio(namespace)}) > ${t.errorRatio}`,
                "5m",
                "critical",
                "App 5xx ratio is high",
                `More than ${t.errorRatio * 100}% of requests to the app fail with 5xx ({{ $value | humanizePercentage }}).`,
            ),
            alertRule(
                "AppHighLatencyP99",
                `${APP_QUERIES.latencyOverall(namespace, 0.99)} > ${t.p99Seconds}`,
                "10m",
                "warning",
                "App p99 latency is high",
                `p99 latency is above ${t.p99Seconds}s ({{ $value | humanizeDuration }}).`,
            ),
            alertRule(
                "AppPodsNotReady",
                `sum by (pod) (kube_pod_status_ready{namespace="${namespace}",condition="false"}) > 0`,
                "10m",
                "warning",
                "App pod not ready",
                "Pod {{ $labels.pod }} has not been ready for 10 minutes.",
            ),
        ],
    };
}

/** The app's scrape target, dashboard and rules; its namespace's volumes are watched too. */
export function appMonitoring(name: string, namespace: string, t: AppAlertThresholds): MonitoringContribution {
    return {
        scrapeTargets: [appScrapeTarget(name, namespace)],
        dashboards: { "platform-app": appDashboard(namespace) },
        ruleGroups: [appRules(namespace, t)],
        volumeNamespaces: [namespace],
    };
}
