/** What the platform watches of Jenkins: the prometheus plugin's /prometheus, a dashboard and the queue alert. */
import { alertRule, dashboard, MonitoringContribution, panel, RuleGroup } from "../observability/monitoring";
import { JENKINS, JENKINS_SCRAPE_TARGET } from "./jenkins";

/** Queued builds that count as a growing queue. */
export const JENKINS_QUEUE_ALERT = 5;

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
        panel(2, "Mean build duration by job", "ms", [
            [`sum by (jenkins_job) (rate(${m.buildDuration}_sum[1h])) / sum by (jenkins_job) (rate(${m.buildDuration}_count[1h]))`, "{{jenkins_job}}"],
        ]),
        panel(3, "Queue length", "short", [[`sum(${m.queueLength})`, "queued"]]),
        panel(4, "Executors", "short", [
            [`sum(${m.executorsBusy})`, "busy"],
            [`sum(${m.executorsIdle})`, "idle"],
            [`sum(${m.executorsOnline})`, "online"],
        ]),
    ]);
}

export function jenkinsRules(queue = JENKINS_QUEUE_ALERT): RuleGroup {
    const q = JENKINS_METRICS.queueLength;
    return {
        name: "platform-ci",
        rules: [
            alertRule(
                "JenkinsQueueGrowing",
                `sum(${q}) > ${queue} and deriv(sum(${q})[15m:1m]) > 0`,
                "15m",
                "warning",
                "Jenkins build queue is growing",
                `More than ${queue} builds wait for an executor and the queue keeps growing: agents cannot start?`,
            ),
        ],
    };
}

/** Jenkins' scrape target, dashboard and rules; jenkins_home's volume is watched too. */
export function jenkinsMonitoring(): MonitoringContribution {
    return {
        scrapeTargets: [JENKINS_SCRAPE_TARGET],
        dashboards: { "platform-jenkins": jenkinsDashboard() },
        ruleGroups: [jenkinsRules()],
        volumeNamespaces: [JENKINS.namespace],
    };
}
