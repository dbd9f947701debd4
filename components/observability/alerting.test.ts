import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ALERT_SECRET, RECEIVERS } from "./alerting";
import { storageRules } from "./monitoring";
import { jenkinsRules } from "../cicd/monitoring";
import { appMonitoring, appRules } from "../webapp/monitoring";
import { Observability } from ".";
import { AlertReceiverSettings } from "../../config";
import { isInhibited, Labels, matchRoutes, notifies, renderAlertmanager, RenderedAlertmanager } from "../../offline/models/alertmanager";
import { RejectedByUpstream } from "../../offline/models/ids";
import { buildGateway, DOMAIN, one, record, RecordedResource } from "../../tests/helpers/harness";

const THRESHOLDS = { errorRatio: 0.05, p99Seconds: 0.5, pvcFreeRatio: 0.15 };
/** The rule groups of the app, Jenkins and storage, as the stack with both contributes them. */
const platformRules = () => [appRules("app", THRESHOLDS), jenkinsRules(), storageRules(["app", "jenkins", "monitoring"], THRESHOLDS.pvcFreeRatio)];
const SLACK_URL = "https://hooks.slack.com/services/T000/B000/s3cret-slack";
const HEARTBEAT_URL = "https://heartbeat.example.com/ping/s3cret-heartbeat";
const SMTP_PASSWORD = "smtp-s3cret";

/**
 * The chart's critical default alerts that the platform's values leave on (etcd, controller-manager, scheduler and
 * kube-proxy rules are off: components/observability/monitoring.ts), with their rule files. Transcribed from
 * prometheus-community/helm-charts kube-prometheus-stack-88.5.3 charts/kube-prometheus-stack/templates/prometheus/
 * rules-1.14/*.yaml, where each sets `severity: {{ dig "<alert>" "severity" "critical" .Values.customRules }}`.
 */
const CHART_CRITICAL: Record<string, string[]> = {
    "alertmanager.rules": [
        "AlertmanagerClusterCrashlooping",
        "AlertmanagerClusterDown",
        "AlertmanagerClusterFailedToSendAlerts",
        "AlertmanagerConfigInconsistent",
        "AlertmanagerFailedReload",
        "AlertmanagerMembersInconsistent",
    ],
    "kube-apiserver-slos": ["KubeAPIErrorBudgetBurn"],
    "kube-state-metrics": ["KubeStateMetricsListErrors", "KubeStateMetricsShardingMismatch", "KubeStateMetricsShardsMissing", "KubeStateMetricsWatchErrors"],
    "kubernetes-storage": ["KubePersistentVolumeErrors", "KubePersistentVolumeFillingUp", "KubePersistentVolumeInodesFillingUp"],
    "kubernetes-system-apiserver": ["KubeAPIDown", "KubeClientCertificateExpiration"],
    "kubernetes-system-kubelet": ["KubeletClientCertificateExpiration", "KubeletDown", "KubeletServerCertificateExpiration"],
    "node-exporter": [
        "NodeFileDescriptorLimit",
        "NodeFilesystemAlmostOutOfFiles",
        "NodeFilesystemAlmostOutOfSpace",
        "NodeFilesystemFilesFillingUp",
        "NodeFilesystemSpaceFillingUp",
        "NodeRAIDDegraded",
    ],
    prometheus: [
        "PrometheusBadConfig",
        "PrometheusErrorSendingAlertsToAnyAlertmanager",
        "PrometheusRemoteStorageFailures",
        "PrometheusRemoteWriteBehind",
        "PrometheusRuleFailures",
        "PrometheusTargetSyncFailure",
    ],
};
/** general.rules.yaml: both `severity: none`. */
const WATCHDOG: Labels = { alertname: "Watchdog", severity: "none", namespace: "monitoring" };
const INFO_INHIBITOR: Labels = { alertname: "InfoInhibitor", severity: "none", namespace: "app" };

async function rendered(
    alerts: AlertReceiverSettings,
    secrets: Parameters<typeof secretsOf>[0],
): Promise<{ am: RenderedAlertmanager; records: RecordedResource[] }> {
    let obs: Observability;
    const records = await record(() => {
        const gw = buildGateway();
        obs = new Observability("obs", {
            host: `grafana.${DOMAIN}`,
            grafanaAdminPassword: pulumi.secret("pw"),
            retention: "7d",
            prometheusStorage: "20Gi",
            alertmanagerStorage: "5Gi",
            grafanaStorage: "10Gi",
            contributions: [appMonitoring("app", "app", THRESHOLDS)],
            alerts,
            alertSecrets: secretsOf(secrets),
            pvcFreeRatio: THRESHOLDS.pvcFreeRatio,
            gateway: gw.ingress,
            storageClassName: gw.cluster.storageClassName,
        });
    });
    const values = one(records, "kubernetes:helm.sh/v3:Release", "obs-kps").inputs.values as any;
    const secret = records.find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as any).name === ALERT_SECRET.name);
    return { am: renderAlertmanager(values, secret ? { [ALERT_SECRET.name]: obs!.alertSecretKeys } : {}), records };
}

function secretsOf(s: { slack?: boolean; smtp?: boolean; heartbeat?: boolean }) {
    return {
        slackWebhookUrl: s.slack ? pulumi.secret(SLACK_URL) : undefined,
        smtpPassword: s.smtp ? pulumi.secret(SMTP_PASSWORD) : undefined,
        heartbeatUrl: s.heartbeat ? pulumi.secret(HEARTBEAT_URL) : undefined,
    };
}

const receiversOf = (am: RenderedAlertmanager, labels: Labels) => matchRoutes(am.root, labels).map((r) => r.receiver);

describe("Alertmanager routing (Alertmanager v0.34.0 dispatch/route.go and inhibit/inhibit.go semantics)", () => {
    const platformAlerts = platformRules().flatMap((g) =>
        g.rules.map((r) => ({ alertname: r.alert, ...r.labels, namespace: r.alert.startsWith("Jenkins") ? "jenkins" : "app" })),
    );
    const chartCritical = Object.values(CHART_CRITICAL)
        .flat()
        .map((alertname) => ({ alertname, severity: "critical", namespace: "monitoring" }));

    describe("Slack, email and a heartbeat configured", () => {
        let am: RenderedAlertmanager;
        let records: RecordedResource[];
        before(async () => {
            ({ am, records } = await rendered(
                {
                    slackChannel: "#platform-alerts",
                    email: { to: "oncall@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", username: "am" },
                    heartbeat: true,
                },
                { slack: true, smtp: true, heartbeat: true },
            ));
        });

        it("routes every platform alert and every critical default alert of the chart to a receiver that notifies someone", () => {
            for (const alert of [...platformAlerts, ...chartCritical]) {
                const receivers = receiversOf(am, alert);
                assert.ok(receivers.length > 0 && receivers.every((r) => notifies(am.receivers.get(r))), `${alert.alertname} -> ${receivers.join(", ")}`);
            }
        });

        it("sends critical alerts to Slack and email, warnings to Slack, grouped by namespace and alert name", () => {
            for (const alert of [...chartCritical, ...platformAlerts.filter((a) => a.severity === "critical")])
                assert.deepStrictEqual(receiversOf(am, alert), [RECEIVERS.critical], alert.alertname);
            for (const alert of platformAlerts.filter((a) => a.severity === "warning"))
                assert.deepStrictEqual(receiversOf(am, alert), [RECEIVERS.warning], alert.alertname);
            const critical = am.receivers.get(RECEIVERS.critical) as any;
            assert.deepStrictEqual([critical.slack_configs.length, critical.email_configs.length], [1, 1]);
            assert.deepStrictEqual(Object.keys(am.receivers.get(RECEIVERS.warning)!).sort(), ["name", "slack_configs"]);
            // group_by set on the root only: dispatch/route.go newRoute gives it to every child.
            for (const alert of [...platformAlerts, ...chartCritical]) {
                for (const route of matchRoutes(am.root, alert)) assert.deepStrictEqual(route.groupBy, ["namespace", "alertname"]);
            }
        });

        it("carries the always-firing Watchdog to the heartbeat only, and the InfoInhibitor nowhere", () => {
            assert.deepStrictEqual(receiversOf(am, WATCHDOG), [RECEIVERS.heartbeat]);
            assert.deepStrictEqual(
                (am.receivers.get(RECEIVERS.heartbeat) as any).webhook_configs[0].url_file,
                `/etc/alertmanager/secrets/${ALERT_SECRET.name}/heartbeat-url`,
            );
            assert.deepStrictEqual(receiversOf(am, INFO_INHIBITOR), [RECEIVERS.none]);
            assert.strictEqual(notifies(am.receivers.get(RECEIVERS.none)), false);
        });

        it("mutes a warning while a critical alert of the same name and namespace fires, and latency while errors fire", () => {
            const critical = { alertname: "KubePersistentVolumeFillingUp", severity: "critical", namespace: "jenkins" };
            const warning = { ...critical, severity: "warning" };
            assert.strictEqual(isInhibited(am.inhibitRules, warning, [critical, warning]), true);
            assert.strictEqual(isInhibited(am.inhibitRules, { ...warning, namespace: "app" }, [critical]), false, "another namespace is not inhibited");
            assert.strictEqual(isInhibited(am.inhibitRules, critical, [critical, warning]), false);
            const errors = platformAlerts.find((a) => a.alertname === "AppHighErrorRatio")!;
            const latency = platformAlerts.find((a) => a.alertname === "AppHighLatencyP99")!;
            assert.strictEqual(isInhibited(am.inhibitRules, latency, [errors, latency]), true);
            assert.strictEqual(isInhibited(am.inhibitRules, latency, [latency]), false);
        });

        it("keeps webhook URLs and passwords out of the Helm values: files of a Secret the operator mounts", () => {
            const values = JSON.stringify(one(records, "kubernetes:helm.sh/v3:Release", "obs-kps").inputs.values);
            for (const secret of [SLACK_URL, HEARTBEAT_URL, SMTP_PASSWORD]) assert.ok(!values.includes(secret));
            assert.deepStrictEqual(
                [...new Set(am.files)].sort(),
                ["heartbeat-url", "slack-webhook-url", "smtp-password"].map((k) => `/etc/alertmanager/secrets/${ALERT_SECRET.name}/${k}`).sort(),
            );
            const secret = records.find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as any).name === ALERT_SECRET.name)!;
            assert.strictEqual((secret.inputs.metadata as any).namespace, "monitoring");
        });
    });

    it("without a heartbeat the Watchdog goes to the null receiver, and warnings go to email when there is no Slack", async () => {
        const { am } = await rendered({ email: { to: "oncall@example.com", from: "am@example.com", smarthost: "smtp.example.com:587" }, heartbeat: false }, {});
        assert.deepStrictEqual(receiversOf(am, WATCHDOG), [RECEIVERS.none]);
        assert.deepStrictEqual(Object.keys(am.receivers.get(RECEIVERS.warning)!).sort(), ["email_configs", "name"]);
        for (const alert of [...platformAlerts, ...chartCritical])
            assert.ok(
                receiversOf(am, alert).every((r) => notifies(am.receivers.get(r))),
                alert.alertname,
            );
    });

    describe("the model", () => {
        it("keeps the chart's route to the null receiver when values set no config (what the platform did before)", () => {
            const am = renderAlertmanager({}, {});
            assert.deepStrictEqual(receiversOf(am, { alertname: "KubeAPIDown", severity: "critical" }), ["null"]);
            assert.deepStrictEqual(am.root.groupBy, ["namespace"]);
        });

        it("refuses a file from a Secret that is not mounted, and a route to an undefined receiver", () => {
            const config = { route: { receiver: "x" }, receivers: [{ name: "x", slack_configs: [{ api_url_file: "/etc/alertmanager/secrets/s/url" }] }] };
            assert.throws(
                () => renderAlertmanager({ alertmanager: { config } }, { s: ["url"] }),
                (e: Error) => e instanceof RejectedByUpstream && /not in alertmanagerSpec.secrets/.test(e.message),
            );
            assert.throws(() => renderAlertmanager({ alertmanager: { config: { route: { receiver: "y" } } } }, {}), /undefined receiver "y"/);
        });

        it("stops at the first matching child unless it continues (Route.Match)", () => {
            const config = {
                route: {
                    receiver: "a",
                    routes: [
                        { receiver: "b", matchers: ["team =~ plat.*"], continue: true },
                        { receiver: "c", matchers: ['severity="critical"'] },
                        { receiver: "d" },
                    ],
                },
                receivers: ["a", "b", "c", "d"].map((name) => ({ name })),
            };
            const am = renderAlertmanager({ alertmanager: { config } }, {});
            assert.deepStrictEqual(receiversOf(am, { team: "platform", severity: "critical" }), ["b", "c"]);
            assert.deepStrictEqual(receiversOf(am, { team: "x", severity: "warning" }), ["d"]);
        });
    });
});
