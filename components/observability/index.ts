import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { pinnedRelease } from "../shared/helm";
import { exposeService, IngressGateway } from "../ingress";
import { READINESS_GATE_LABELS } from "../ingress/lbc";
import { AlertReceiverSettings, AlertSecrets } from "../../config";
import { ALERT_SECRET, alertmanagerConfig } from "./alerting";
import { createNetworkPolicies, defaultDenyWithAllowances, monitoringAllowances } from "../ingress/network-policies";
import { AlertThresholds, alertRules, appDashboard, jenkinsDashboard, KPS, kpsValues, ScrapeTarget } from "./monitoring";

export interface ObservabilityArgs {
    host: string;
    grafanaAdminPassword: pulumi.Input<string>;
    retention: string;
    prometheusStorage: string;
    alertmanagerStorage: string;
    grafanaStorage: string;
    appNamespace: string;
    /** Services to scrape (the app). */
    scrapeTargets: ScrapeTarget[];
    /** Where Jenkins runs: its scrape target; its dashboard and alerts come with it. */
    jenkins?: ScrapeTarget;
    alerts: AlertReceiverSettings;
    alertSecrets: AlertSecrets;
    thresholds: AlertThresholds;
    gateway: IngressGateway;
    storageClassName: pulumi.Input<string>;
    storageReady: pulumi.Resource[];
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
        const k8sOpts = { parent: this, provider: args.gateway.provider };
        this.grafanaUrl = `https://${args.host}`;

        // Grafana is an ALB target: its new pod must be registered before the old one goes.
        // Prometheus' and Alertmanager's claims come from StatefulSet templates and outlive `helm uninstall`; only the
        // namespace's deletion removes them. Depending on the CSI driver makes destroy delete it while the driver still
        // runs to delete their volumes.
        const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: KPS.namespace, labels: { ...READINESS_GATE_LABELS } } },
            { ...k8sOpts, dependsOn: args.storageReady });
        const namespace = ns.metadata.name;
        createNetworkPolicies(`${name}-monitoring`, defaultDenyWithAllowances(KPS.namespace, monitoringAllowances(args.gateway.trafficSources)), { ...k8sOpts, dependsOn: [ns] });
        const adminSecret = new k8s.core.v1.Secret(`${name}-grafana-admin`, {
            metadata: { name: KPS.grafanaAdminSecret, namespace },
            stringData: { "admin-user": "admin", "admin-password": args.grafanaAdminPassword },
        }, k8sOpts);

        const receiverSecrets: Record<string, pulumi.Input<string> | undefined> = {
            [ALERT_SECRET.keys.slackWebhookUrl]: args.alertSecrets.slackWebhookUrl,
            [ALERT_SECRET.keys.smtpPassword]: args.alertSecrets.smtpPassword,
            [ALERT_SECRET.keys.heartbeatUrl]: args.alertSecrets.heartbeatUrl,
        };
        // Mounted by the operator at /etc/alertmanager/secrets/<name>/; the Alertmanager config names the files.
        const receiverData = Object.fromEntries(Object.entries(receiverSecrets).filter(([, v]) => v !== undefined)) as Record<string, pulumi.Input<string>>;
        // The provider marks all of stringData secret, so its key names are kept here for what checks the mount.
        this.alertSecretKeys = Object.keys(receiverData);
        const receiverSecret = new k8s.core.v1.Secret(`${name}-alert-receivers`, {
            metadata: { name: ALERT_SECRET.name, namespace },
            stringData: receiverData,
        }, k8sOpts);
        const jenkins = args.jenkins !== undefined;
        const watched = [args.appNamespace, ...(jenkins ? [args.jenkins!.namespace] : []), KPS.namespace];

        this.release = pinnedRelease(`${name}-kps`, KPS, {
            releaseName: KPS.releaseName,
            namespace,
            timeout: 900,
            // ServiceMonitors and rules are rendered by this release, after the CRDs it installs: separate
            // Pulumi resources of those kinds could not even be previewed before the CRDs exist.
            values: pulumi.output(args.storageClassName).apply((storageClass) => kpsValues({
                scrapeTargets: [...args.scrapeTargets, ...(jenkins ? [args.jenkins!] : [])],
                ruleGroups: alertRules(args.appNamespace, watched, args.thresholds, jenkins),
                storageClass,
                retention: args.retention,
                prometheusStorage: args.prometheusStorage,
                alertmanagerStorage: args.alertmanagerStorage,
                grafanaStorage: args.grafanaStorage,
                grafanaUrl: this.grafanaUrl,
                alertmanagerConfig: alertmanagerConfig(args.alerts),
                alertmanagerSecrets: [ALERT_SECRET.name],
            })),
        // The chart creates Services, which the load balancer controller's webhook must admit.
        }, { ...k8sOpts, dependsOn: [adminSecret, receiverSecret, ...args.storageReady, args.gateway.controller] });

        // Dashboards: ConfigMaps the Grafana sidecar loads from any namespace by label.
        const dashboards: Record<string, object> = {
            "platform-app": appDashboard(args.appNamespace),
            ...(jenkins ? { "platform-jenkins": jenkinsDashboard() } : {}),
        };
        for (const [key, board] of Object.entries(dashboards)) {
            new k8s.core.v1.ConfigMap(`${name}-dashboard-${key}`, {
                metadata: { name: `dashboard-${key}`, namespace, labels: { [KPS.dashboardLabel]: "1" } },
                data: { [`${key}.json`]: JSON.stringify(board) },
            }, k8sOpts);
        }

        exposeService(`${name}-grafana`, args.gateway, {
            namespace,
            serviceName: KPS.grafanaService,
            servicePort: KPS.grafanaPort,
            host: args.host,
            healthcheckPath: "/api/health",
            backendProtocolVersion: "HTTP1",
            dependsOn: [this.release],
        }, this);

        this.registerOutputs({ grafanaUrl: this.grafanaUrl });
    }
}
