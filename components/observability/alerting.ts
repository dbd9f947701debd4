/**
 * Alertmanager's routing as code: rendered into kube-prometheus-stack's `alertmanager.config` (the chart writes it
 * to the alertmanager-kps-alertmanager Secret). Webhook URLs and passwords are never in it: they are keys of the
 * Secret ALERT_SECRET, which the operator mounts at /etc/alertmanager/secrets/<name>/ (alertmanagerSpec.secrets),
 * and the config names those files (`api_url_file`, `url_file`, `auth_password_file`; Alertmanager v0.34.0
 * config/notifiers.go).
 */
import { AlertReceiverSettings } from "../../config";

export const ALERT_SECRET = {
    name: "alertmanager-receivers",
    keys: { slackWebhookUrl: "slack-webhook-url", smtpPassword: "smtp-password", heartbeatUrl: "heartbeat-url" },
} as const;

/** Where prometheus-operator mounts each Secret listed in alertmanagerSpec.secrets. */
export function secretFile(key: string): string {
    return `/etc/alertmanager/secrets/${ALERT_SECRET.name}/${key}`;
}

export const RECEIVERS = { critical: "critical", warning: "warning", heartbeat: "heartbeat", none: "null" } as const;

interface Receiver {
    name: string;
    slack_configs?: object[];
    email_configs?: object[];
    webhook_configs?: object[];
}

function slack(channel: string): object {
    return { api_url_file: secretFile(ALERT_SECRET.keys.slackWebhookUrl), channel, send_resolved: true };
}

function email(e: NonNullable<AlertReceiverSettings["email"]>): object {
    return {
        to: e.to,
        from: e.from,
        smarthost: e.smarthost,
        require_tls: true,
        send_resolved: true,
        ...(e.username ? { auth_username: e.username, auth_password_file: secretFile(ALERT_SECRET.keys.smtpPassword) } : {}),
    };
}

/** The Secret's keys this configuration reads (only those of configured receivers). */
export function alertSecretKeys(r: AlertReceiverSettings): string[] {
    return [
        ...(r.slackChannel ? [ALERT_SECRET.keys.slackWebhookUrl] : []),
        ...(r.email?.username ? [ALERT_SECRET.keys.smtpPassword] : []),
        ...(r.heartbeat ? [ALERT_SECRET.keys.heartbeatUrl] : []),
    ];
}

/**
 * Critical alerts page every configured channel; warnings go to Slack (email when there is no Slack); info
 * alerts and the chart's InfoInhibitor go nowhere (InfoInhibitor exists only to inhibit them). The always-firing
 * Watchdog goes to the heartbeat, which alarms when it stops arriving. The chart's list values (inhibit_rules,
 * receivers, routes) are replaced by Helm, not merged, so each is given whole.
 */
export function alertmanagerConfig(r: AlertReceiverSettings): Record<string, unknown> {
    const channels = { slack_configs: r.slackChannel ? [slack(r.slackChannel)] : undefined, email_configs: r.email ? [email(r.email)] : undefined };
    const receivers: Receiver[] = [
        { name: RECEIVERS.none },
        { name: RECEIVERS.critical, ...prune(channels) },
        { name: RECEIVERS.warning, ...prune(r.slackChannel ? { slack_configs: channels.slack_configs } : channels) },
        ...(r.heartbeat
            ? [{ name: RECEIVERS.heartbeat, webhook_configs: [{ url_file: secretFile(ALERT_SECRET.keys.heartbeatUrl), send_resolved: false }] }]
            : []),
    ];
    return {
        global: { resolve_timeout: "5m" },
        route: {
            receiver: RECEIVERS.warning,
            group_by: ["namespace", "alertname"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "12h",
            routes: [
                // A heartbeat service expects the Watchdog every few minutes; without one it goes nowhere.
                {
                    receiver: r.heartbeat ? RECEIVERS.heartbeat : RECEIVERS.none,
                    matchers: ['alertname = "Watchdog"'],
                    group_wait: "0s",
                    group_interval: "1m",
                    repeat_interval: "1m",
                },
                { receiver: RECEIVERS.none, matchers: ['alertname = "InfoInhibitor"'] },
                { receiver: RECEIVERS.critical, matchers: ['severity = "critical"'], repeat_interval: "4h" },
                { receiver: RECEIVERS.none, matchers: ['severity = "info"'] },
            ],
        },
        inhibit_rules: [
            // The chart's own rules (values.yaml alertmanager.config.inhibit_rules), restated because a list replaces.
            { source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: ["namespace", "alertname"] },
            { source_matchers: ['severity = "warning"'], target_matchers: ['severity = "info"'], equal: ["namespace", "alertname"] },
            { source_matchers: ['alertname = "InfoInhibitor"'], target_matchers: ['severity = "info"'], equal: ["namespace"] },
            { target_matchers: ['alertname = "InfoInhibitor"'] },
            // The app failing requests explains its latency.
            { source_matchers: ['alertname = "AppHighErrorRatio"'], target_matchers: ['alertname = "AppHighLatencyP99"'] },
        ],
        receivers,
        templates: ["/etc/alertmanager/config/*.tmpl"],
    };
}

function prune<T extends Record<string, unknown>>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
