/** What the platform watches of Karpenter: its metrics Service, a dashboard and its alerts, for Observability to render. */
import { alertRule, dashboard, MonitoringContribution, panel, RuleGroup, ScrapeTarget } from "../observability/monitoring";
import { KARPENTER } from ".";

/**
 * The Service the chart always creates (charts/karpenter/templates/service.yaml at v1.14.1): named after the release
 * (karpenter.fullname), selected by karpenter.selectorLabels, port `http-metrics` (controller.metrics.port, 8080).
 * Scraped by a ServiceMonitor the kube-prometheus-stack release renders, not by the chart's `serviceMonitor.enabled`:
 * its servicemonitor.yaml renders only when `monitoring.coreos.com/v1` exists, which on a cold deploy it does not
 * yet (Karpenter is installed before the stack that brings the CRD), so it would appear only on a later upgrade.
 */
export const KARPENTER_SCRAPE_TARGET: ScrapeTarget = {
    name: "karpenter",
    namespace: KARPENTER.namespace,
    matchLabels: { "app.kubernetes.io/name": KARPENTER.chart, "app.kubernetes.io/instance": KARPENTER.releaseName },
    port: "http-metrics",
    path: "/metrics",
    interval: "30s",
};

/** A ServiceMonitor's series carry the Service's name as `job`: the release name (karpenter.fullname). */
const JOB = `job="${KARPENTER.releaseName}"`;

/**
 * Metric names Karpenter 1.14.1 exports, as its reference lists them (aws/karpenter-provider-aws
 * website/content/en/v1.14/reference/metrics.md, generated from the source, at release-v1.14.1 c88abbba). Labels
 * as the source defines them (kubernetes-sigs/karpenter 6e7eab7a, the core the release vendors: pkg/metrics/
 * constants.go, pkg/cloudprovider/metrics/cloudprovider.go; karpenter-provider-aws pkg/providers/instance/metrics.go).
 */
export const KARPENTER_METRICS = {
    /** controller, method, provider, error ("", NodeClaimNotFoundError, NodeClassNotReadyError, InsufficientCapacityError). */
    cloudProviderErrors: "karpenter_cloudprovider_errors_total",
    /** zone, zone_id, capacity_type, reason: one per failed CreateFleet offering. */
    launchFailures: "karpenter_cloudprovider_instance_launch_failures_total",
    /** reason, nodepool, min_values_relaxed. */
    nodeClaimsCreated: "karpenter_nodeclaims_created_total",
    /** nodepool, capacity_type, zone. */
    nodeClaimsTerminated: "karpenter_nodeclaims_terminated_total",
    /** reason, nodepool. */
    nodeClaimsDisrupted: "karpenter_nodeclaims_disrupted_total",
    /** nodepool, resource_type. */
    nodePoolUsage: "karpenter_nodepools_usage",
    nodePoolLimit: "karpenter_nodepools_limit",
    /** controller. */
    unschedulablePods: "karpenter_scheduler_unschedulable_pods_count",
    clusterStateSynced: "karpenter_cluster_state_synced",
    /** message_type (karpenter-provider-aws pkg/controllers/interruption/metrics.go). */
    interruptionMessages: "karpenter_interruption_received_messages_total",
} as const;

/** Errors of the normal flow: a claim whose instance is already gone, and a full offering Karpenter retries elsewhere. */
const EXPECTED_ERRORS = "NodeClaimNotFoundError|InsufficientCapacityError";

/** A pool's usage share of its limit above which it alerts: beyond the limit, pods stay pending. */
export const POOL_LIMIT_RATIO = 0.9;

export function karpenterDashboard(): object {
    const m = KARPENTER_METRICS;
    return dashboard("platform-karpenter", "Karpenter", [
        panel(1, "NodeClaims created / terminated by pool", "short", [
            [`sum by (nodepool) (increase(${m.nodeClaimsCreated}{${JOB}}[1h]))`, "created {{nodepool}}"],
            [`sum by (nodepool) (increase(${m.nodeClaimsTerminated}{${JOB}}[1h]))`, "terminated {{nodepool}}"],
        ]),
        panel(2, "Pool CPU usage / limit", "percentunit", [
            [`${m.nodePoolUsage}{${JOB},resource_type="cpu"} / ${m.nodePoolLimit}{${JOB},resource_type="cpu"}`, "{{nodepool}}"],
        ]),
        panel(3, "Unschedulable pods", "short", [[`sum(${m.unschedulablePods}{${JOB}})`, "unschedulable"]]),
        panel(4, "Cloud provider errors and launch failures", "short", [
            [`sum by (method, error) (increase(${m.cloudProviderErrors}{${JOB}}[1h]))`, "{{method}} {{error}}"],
            [`sum by (capacity_type, reason) (increase(${m.launchFailures}{${JOB}}[1h]))`, "launch {{capacity_type}} {{reason}}"],
        ]),
        panel(5, "Disruptions by reason", "short", [[`sum by (reason) (increase(${m.nodeClaimsDisrupted}{${JOB}}[1h]))`, "{{reason}}"]]),
        panel(6, "Interruption messages", "short", [[`sum by (message_type) (increase(${m.interruptionMessages}{${JOB}}[1h]))`, "{{message_type}}"]]),
    ]);
}

export function karpenterRules(): RuleGroup {
    const m = KARPENTER_METRICS;
    return {
        name: "platform-karpenter",
        rules: [
            alertRule(
                "KarpenterDown",
                `absent(up{${JOB}} == 1)`,
                "10m",
                "critical",
                "Karpenter is not scraped",
                "No Karpenter controller answers on /metrics: no node is launched or removed while it is down.",
            ),
            alertRule(
                "KarpenterCloudProviderErrors",
                `sum by (method, error) (rate(${m.cloudProviderErrors}{${JOB},error!~"${EXPECTED_ERRORS}"}[10m])) > 0`,
                "15m",
                "warning",
                "Karpenter's calls to EC2 keep failing",
                "Cloud provider {{ $labels.method }} fails ({{ $labels.error }}): permissions, quotas or a node class that is not ready?",
            ),
            alertRule(
                "KarpenterLaunchFailures",
                `sum by (capacity_type, reason) (increase(${m.launchFailures}{${JOB}}[15m])) > 3`,
                "15m",
                "warning",
                "Karpenter cannot launch instances",
                "CreateFleet keeps failing for {{ $labels.capacity_type }} ({{ $labels.reason }}): NodeClaims do not launch.",
            ),
            alertRule(
                "KarpenterPodsUnschedulable",
                `sum(${m.unschedulablePods}{${JOB}}) > 0`,
                "15m",
                "warning",
                "Pods Karpenter cannot place",
                "{{ $value }} pods fit no pool's requirements, limits or instance types for 15 minutes.",
            ),
            alertRule(
                "KarpenterNodePoolNearLimit",
                `${m.nodePoolUsage}{${JOB},resource_type="cpu"} / ${m.nodePoolLimit}{${JOB},resource_type="cpu"} > ${POOL_LIMIT_RATIO}`,
                "15m",
                "warning",
                "A node pool is near its CPU limit",
                `Pool {{ $labels.nodepool }} uses more than ${POOL_LIMIT_RATIO * 100}% of its CPU limit: new pods will stay pending.`,
            ),
            alertRule(
                "KarpenterClusterStateUnsynced",
                `${m.clusterStateSynced}{${JOB}} == 0`,
                "15m",
                "warning",
                "Karpenter's view of the cluster is out of sync",
                "Karpenter does not disrupt (consolidate, drift) nodes while its state of nodes and NodeClaims is unsynced.",
            ),
        ],
    };
}

/** Karpenter's scrape target, dashboard and rules. */
export function karpenterMonitoring(): MonitoringContribution {
    return {
        scrapeTargets: [KARPENTER_SCRAPE_TARGET],
        dashboards: { "platform-karpenter": karpenterDashboard() },
        ruleGroups: [karpenterRules()],
    };
}
