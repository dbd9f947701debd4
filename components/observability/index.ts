import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { exposeService, IngressGateway } from "../ingress";
import { READINESS_GATE_LABELS } from "../ingress/lbc";
import { AlertReceiverSettings, AlertSecrets } from "../../config";
import { ALERT_SECRET, alertmanagerConfig } from "./alerting";
import { createNetworkPolicies, defaultDenyWithAllowances, monitoringAllowances } from "../ingress/network-policies";
import { KPS, kpsValues, MonitoringContribution, storageRules } from "./monitoring";

export interface ObservabilityArgs {
    host: string;
    grafanaAdminPassword: pulumi.Input<string>;
    retention: string;
    prometheusStorage: string;
    alertmanagerStorage: string;
    grafanaStorage: string;
    /** What the deployed components give to watch: scrape targets, dashboards, rules, volumes. */
    contributions: MonitoringContribution[];
    alerts: AlertReceiverSettings;
    alertSecrets: AlertSecrets;
    /** Free space share of a volume below which it alerts. */
    pvcFreeRatio: number;
    gateway: IngressGateway;
    storageClassName: pulumi.Input<string>;
}

/**
 * kube-prometheus-stack with persistent Prometheus, Alertmanager and Grafana (at `host` on the shared ALB),
 * dashboards and alert rules as code, and ServiceMonitors for the platform's own services.
 */
export class Observability extends pulumi.ComponentResource {
    readonly grafanaUrl: string;
    readonly release: k8s.helm.v3.Release;
    /** Keys of the Secret ALERT_SECRET: one per configured receiver secret. */
    readonly alertSecretKeys: string[];

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:observability:Observability", name, {}, opts);
        const cluster = args.gateway.cluster;
        this.grafanaUrl = `https://${args.host}`;

        // Grafana is an ALB target: its new pod must be registered before the old one goes.
        // Prometheus' and Alertmanager's claims come from StatefulSet templates and outlive `helm uninstall`; only the
        // namespace's deletion removes them. Depending on the CSI driver makes destroy delete it while the driver still
        // runs to delete their volumes.
        const ns = cluster.object(
            k8s.core.v1.Namespace,
            `${name}-ns`,
            { metadata: { name: KPS.namespace, labels: { ...READINESS_GATE_LABELS } } },
            { parent: this, needs: ["storage", "pools"] },
        );
        const namespace = ns.metadata.name;
        createNetworkPolicies(`${name}-monitoring`, defaultDenyWithAllowances(KPS.namespace, monitoringAllowances(args.gateway.trafficSources)), cluster, {
            parent: this,
            dependsOn: [ns],
        });
        const adminSecret = cluster.object(
            k8s.core.v1.Secret,
            `${name}-grafana-admin`,
            {
                metadata: { name: KPS.grafanaAdminSecret, namespace },
                stringData: { "admin-user": "admin", "admin-password": args.grafanaAdminPassword },
            },
            { parent: this },
        );

        const receiverSecrets: Record<string, pulumi.Input<string> | undefined> = {
            [ALERT_SECRET.keys.slackWebhookUrl]: args.alertSecrets.slackWebhookUrl,
            [ALERT_SECRET.keys.smtpPassword]: args.alertSecrets.smtpPassword,
            [ALERT_SECRET.keys.heartbeatUrl]: args.alertSecrets.heartbeatUrl,
        };
        // Mounted by the operator at /etc/alertmanager/secrets/<name>/; the Alertmanager config names the files.
        const receiverData = Object.fromEntries(Object.entries(receiverSecrets).filter(([, v]) => v !== undefined)) as Record<string, pulumi.Input<string>>;
        // The provider marks all of stringData secret, so its key names are kept here for what checks the mount.
        this.alertSecretKeys = Object.keys(receiverData);
        const receiverSecret = cluster.object(
            k8s.core.v1.Secret,
            `${name}-alert-receivers`,
            {
                metadata: { name: ALERT_SECRET.name, namespace },
                stringData: receiverData,
            },
            { parent: this },
        );
        const contributed = args.contributions;
        const watched = [...contributed.flatMap((c) => c.volumeNamespaces ?? []), KPS.namespace];

        this.release = cluster.release(
            `${name}-kps`,
            KPS,
            {
                releaseName: KPS.releaseName,
                namespace,
                timeout: 900,
                // ServiceMonitors and rules are rendered by this release, after the CRDs it installs: separate
                // Pulumi resources of those kinds could not even be previewed before the CRDs exist.
                values: pulumi.output(args.storageClassName).apply((storageClass) =>
                    kpsValues({
                        scrapeTargets: contributed.flatMap((c) => c.scrapeTargets ?? []),
                        ruleGroups: [...contributed.flatMap((c) => c.ruleGroups ?? []), storageRules(watched, args.pvcFreeRatio)],
                        storageClass,
                        retention: args.retention,
                        prometheusStorage: args.prometheusStorage,
                        alertmanagerStorage: args.alertmanagerStorage,
                        grafanaStorage: args.grafanaStorage,
                        grafanaUrl: this.grafanaUrl,
                        alertmanagerConfig: alertmanagerConfig(args.alerts),
                        alertmanagerSecrets: [ALERT_SECRET.name],
                    }),
                ),
                // The chart creates Services, which the load balancer controller's webhook must admit.
            },
            { parent: this, needs: ["storage", "webhook", "pools"], dependsOn: [adminSecret, receiverSecret] },
        );

        // Dashboards: ConfigMaps the Grafana sidecar loads from any namespace by label.
        const dashboards = Object.assign({}, ...contributed.map((c) => c.dashboards ?? {})) as Record<string, object>;
        for (const [key, board] of Object.entries(dashboards)) {
            cluster.object(
                k8s.core.v1.ConfigMap,
                `${name}-dashboard-${key}`,
                {
                    metadata: { name: `dashboard-${key}`, namespace, labels: { [KPS.dashboardLabel]: "1" } },
                    data: { [`${key}.json`]: JSON.stringify(board) },
                },
                { parent: this },
            );
        }

        exposeService(
            `${name}-grafana`,
            args.gateway,
            {
                namespace,
                serviceName: KPS.grafanaService,
                servicePort: KPS.grafanaPort,
                host: args.host,
                healthcheckPath: "/api/health",
                backendProtocolVersion: "HTTP1",
                dependsOn: [this.release],
            },
            this,
        );

        this.registerOutputs({ grafanaUrl: this.grafanaUrl });
    }
}
