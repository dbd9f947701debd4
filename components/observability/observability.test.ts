import * as assert from "assert";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { jenkinsDashboard, JENKINS_METRICS, jenkinsMonitoring, jenkinsRules } from "../cicd/monitoring";
import { KPS, kpsValues, MonitoringContribution, storageRules } from "./monitoring";
import { appDashboard, appMonitoring, appRules } from "../webapp/monitoring";
import { Observability } from ".";
import { CHART_DEFAULTS, CONTROL_PLANE, renderControlPlane } from "../../offline/models/kps-chart";
import { planFor } from "../../tests/helpers/plans";
import { all, buildGateway, DOMAIN, one, record, RecordedResource, referenceFile, valueOf } from "../../tests/helpers/harness";

const THRESHOLDS = { errorRatio: 0.05, p99Seconds: 0.5, pvcFreeRatio: 0.15 };
/** The rule groups of the app, Jenkins and storage, as the stack with both contributes them. */
const platformRules = () => [appRules("app", THRESHOLDS), jenkinsRules(), storageRules(["app", "jenkins", "monitoring"], THRESHOLDS.pvcFreeRatio)];
const PASSWORD = "grafana-admin-s3cret";
const SLACK_URL = "https://hooks.slack.com/services/T000/B000/s3cret";
const ALERTS = { slackChannel: "#platform-alerts", heartbeat: false };

describe("Observability", () => {
    let records: RecordedResource[];
    let gw: ReturnType<typeof buildGateway>;
    before(async () => {
        records = await record(() => {
            gw = buildGateway();
            new Observability("obs", {
                host: `grafana.${DOMAIN}`,
                grafanaAdminPassword: pulumi.secret(PASSWORD),
                retention: "30d",
                prometheusStorage: "100Gi",
                alertmanagerStorage: "10Gi",
                grafanaStorage: "20Gi",
                contributions: [appMonitoring("app", "app", THRESHOLDS), jenkinsMonitoring()],
                alerts: ALERTS,
                alertSecrets: { slackWebhookUrl: pulumi.secret(SLACK_URL) },
                pvcFreeRatio: THRESHOLDS.pvcFreeRatio,
                gateway: gw.ingress,
                storageClassName: gw.cluster.storageClassName,
            });
        });
    });
    const release = () => one(records, "kubernetes:helm.sh/v3:Release", "obs-kps");
    const values = () => release().inputs.values as any;

    describe("kube-prometheus-stack", () => {
        it("installs the pinned chart in monitoring on the cluster's provider, with the release managing its CRDs", () => {
            assert.deepStrictEqual([release().inputs.chart, release().inputs.version, release().inputs.namespace], [KPS.chart, KPS.chartVersion, "monitoring"]);
            assert.ok(release().provider.startsWith(one(records, "pulumi:providers:kubernetes").urn + "::"));
            assert.strictEqual(values().crds.enabled, true);
        });

        it("keeps Prometheus for the configured retention on persistent gp3 storage", async () => {
            const spec = values().prometheus.prometheusSpec;
            assert.strictEqual(spec.retention, "30d");
            const claim = spec.storageSpec.volumeClaimTemplate.spec;
            assert.deepStrictEqual([claim.storageClassName, claim.resources.requests.storage], [await valueOf(gw.cluster.storageClassName), "100Gi"]);
            assert.strictEqual(values().alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.resources.requests.storage, "10Gi");
        });

        it("selects ServiceMonitors and rules from every namespace, not only the release's label", () => {
            const spec = values().prometheus.prometheusSpec;
            for (const key of [
                "serviceMonitorSelectorNilUsesHelmValues",
                "podMonitorSelectorNilUsesHelmValues",
                "ruleSelectorNilUsesHelmValues",
                "probeSelectorNilUsesHelmValues",
            ]) {
                assert.strictEqual(spec[key], false, key);
            }
            assert.deepStrictEqual([spec.serviceMonitorNamespaceSelector, spec.ruleNamespaceSelector], [{}, {}]);
        });

        it("gives Grafana its admin from a Secret, persistence and the dashboard sidecar", () => {
            const g = values().grafana;
            assert.deepStrictEqual(g.admin, { existingSecret: KPS.grafanaAdminSecret, userKey: "admin-user", passwordKey: "admin-password" });
            assert.strictEqual(g.adminPassword, undefined);
            assert.ok(!JSON.stringify(release().inputs).includes(PASSWORD));
            assert.strictEqual(one(records, "kubernetes:core/v1:Secret", "grafana-admin").inputs.stringData, "[secret]");
            assert.deepStrictEqual([g.persistence.enabled, g.persistence.size], [true, "20Gi"]);
            assert.deepStrictEqual(g.sidecar.dashboards, { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" });
            assert.strictEqual(g.defaultDashboardsEnabled, true, "the chart's cluster dashboards stay");
        });

        it("waits for the CSI driver, the StorageClass and the load balancer controller before installing", () => {
            assert.ok(release().dependencies.includes(one(records, "kubernetes:helm.sh/v3:Release", "gw-lbc").urn));
            assert.ok(release().dependencies.includes(one(records, "kubernetes:storage.k8s.io/v1:StorageClass").urn));
            assert.ok(release().dependencies.includes(one(records, "aws:eks/addon:Addon", "ebs-csi").urn));
        });

        it("sets only values the pinned chart and its Grafana sub-chart know", function () {
            const kps = YAML.parse(fs.readFileSync(referenceFile(this, "charts", "kube-prometheus-stack", "values.yaml"), "utf8"));
            const grafana = YAML.parse(fs.readFileSync(referenceFile(this, "charts", "grafana", "values.yaml"), "utf8"));
            const v = kpsValues({
                scrapeTargets: [],
                ruleGroups: [],
                storageClass: "gp3",
                retention: "1d",
                prometheusStorage: "1Gi",
                alertmanagerStorage: "1Gi",
                grafanaStorage: "1Gi",
                grafanaUrl: "https://g",
                alertmanagerConfig: {},
                alertmanagerSecrets: ["s"],
            }) as any;
            for (const key of Object.keys(v)) assert.ok(key in kps, `kps has no ${key}`);
            for (const key of Object.keys(v.prometheus)) assert.ok(key in kps.prometheus, `prometheus has no ${key}`);
            for (const key of Object.keys(v.prometheus.prometheusSpec)) assert.ok(key in kps.prometheus.prometheusSpec, `prometheusSpec has no ${key}`);
            for (const key of Object.keys(v.alertmanager)) assert.ok(key in kps.alertmanager, `alertmanager has no ${key}`);
            for (const key of Object.keys(v.alertmanager.alertmanagerSpec))
                assert.ok(key in kps.alertmanager.alertmanagerSpec, `alertmanagerSpec has no ${key}`);
            for (const key of Object.keys(v.crds.upgradeJob)) assert.ok(key in kps.crds.upgradeJob, `crds.upgradeJob has no ${key}`);
            for (const key of Object.keys(v.grafana)) assert.ok(key in grafana || key in kps.grafana, `grafana has no ${key}`);
        });
    });

    describe("Grafana over HTTPS", () => {
        it("is exposed at grafana.<domain> on the shared ALB after the controller and the release", () => {
            const ing = one(records, "kubernetes:networking.k8s.io/v1:Ingress", "obs-grafana");
            assert.strictEqual((ing.inputs.spec as any).rules[0].host, `grafana.${DOMAIN}`);
            assert.strictEqual((ing.inputs.spec as any).rules[0].http.paths[0].backend.service.name, `${KPS.releaseName}-grafana`);
            assert.ok(ing.dependencies.includes(one(records, "kubernetes:helm.sh/v3:Release", "gw-lbc").urn));
            assert.ok(ing.dependencies.includes(release().urn));
            assert.strictEqual(values().grafana["grafana.ini"].server.root_url, `https://grafana.${DOMAIN}`);
        });
    });

    describe("dashboards as code", () => {
        it("ships the app and Jenkins dashboards as labelled ConfigMaps holding valid JSON", () => {
            const maps = all(records, "kubernetes:core/v1:ConfigMap").filter((r) => r.name.includes("dashboard"));
            assert.strictEqual(maps.length, 2);
            for (const m of maps) {
                assert.strictEqual((m.inputs.metadata as any).labels.grafana_dashboard, "1");
                const [json] = Object.values(m.inputs.data as Record<string, string>);
                const board = JSON.parse(json);
                assert.ok(board.uid && board.title && board.panels.length >= 4);
            }
        });

        it("the app dashboard shows request rate, error ratio and p50/p99 latency by route", () => {
            const board = appDashboard("app") as any;
            const exprs = board.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
            assert.ok(exprs.some((e: string) => /sum by \(route\) \(rate\(http_requests_total\{namespace="app"\}\[5m\]\)\)/.test(e)));
            assert.ok(exprs.some((e: string) => e.includes('status=~"5.."') && e.includes(" / ")));
            assert.ok(exprs.some((e: string) => e.startsWith("histogram_quantile(0.5, sum by (le, route)")));
            assert.ok(exprs.some((e: string) => e.startsWith("histogram_quantile(0.99, sum by (le, route)")));
            assert.strictEqual(new Set(board.panels.map((p: any) => p.id)).size, board.panels.length);
        });

        it("the Jenkins dashboard shows build durations, queue length and executors from the plugin's metrics", function () {
            const exprs = (jenkinsDashboard() as any).panels.flatMap((p: any) => p.targets.map((t: any) => t.expr)).join("\n");
            for (const m of [JENKINS_METRICS.lastBuildDuration, JENKINS_METRICS.queueLength, JENKINS_METRICS.executorsBusy, JENKINS_METRICS.executorsIdle])
                assert.ok(exprs.includes(m), m);
            const reference = YAML.parse(fs.readFileSync(referenceFile(this, "jenkins", "prometheus-metrics.yaml"), "utf8"));
            const known = new Set([...reference.buildDuration, ...reference.queueAndExecutors].map((m: any) => m.name));
            for (const name of Object.values(JENKINS_METRICS)) assert.ok(known.has(name), `${name} is not a metric of the prometheus plugin`);
        });
    });

    describe("alert rules", () => {
        const rules = platformRules().flatMap((g) => g.rules);
        const rule = (name: string) => rules.find((r) => r.alert === name)!;

        it("alerts on the app's error ratio above the threshold", () => {
            assert.match(rule("AppHighErrorRatio").expr, /status=~"5\.\."[\s\S]*\) > 0\.05$/);
            assert.deepStrictEqual(rule("AppHighErrorRatio").labels, { severity: "critical", team: "platform" });
        });

        it("alerts on the app's p99 above the threshold", () => {
            assert.match(rule("AppHighLatencyP99").expr, /^histogram_quantile\(0\.99, .*http_request_duration_seconds_bucket\{namespace="app"\}.* > 0\.5$/);
        });

        it("alerts on app pods not ready, a growing Jenkins queue and a filling volume", () => {
            assert.match(rule("AppPodsNotReady").expr, /kube_pod_status_ready\{namespace="app",condition="false"\}/);
            assert.match(rule("JenkinsQueueGrowing").expr, /default_jenkins_executors_queue_length\) > 5 and deriv/);
            assert.match(
                rule("PersistentVolumeFillingUp").expr,
                /kubelet_volume_stats_available_bytes\{namespace=~"app\|jenkins\|monitoring"\} \/ kubelet_volume_stats_capacity_bytes.* < 0\.15/,
            );
            for (const r of rules) {
                assert.ok(["warning", "critical"].includes(r.labels.severity) && r.labels.team === "platform", r.alert);
                assert.match(r.for, /^\d+m$/);
                assert.ok(r.annotations.summary && r.annotations.description);
            }
        });

        it("are deployed by the release as the PrometheusRule platform, after the CRDs it installs", () => {
            const groups = values().additionalPrometheusRulesMap.platform.groups;
            const deployed = groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
            assert.deepStrictEqual(deployed.sort(), rules.map((r) => r.alert).sort());
            assert.strictEqual(values().crds.enabled, true);
        });
    });

    describe("ServiceMonitors", () => {
        const monitors = () => values().prometheus.additionalServiceMonitors as any[];

        it("select the app's Service on its http port at /metrics", () => {
            const app = monitors().find((m) => m.name === "app");
            assert.deepStrictEqual(app.namespaceSelector, { matchNames: ["app"] });
            assert.deepStrictEqual(app.selector.matchLabels, { "app.kubernetes.io/name": "app", "app.kubernetes.io/part-of": "platform" });
            assert.deepStrictEqual([app.endpoints[0].port, app.endpoints[0].path], ["http", "/metrics"]);
        });

        it("select the Jenkins controller's Service at /prometheus", () => {
            const jenkins = monitors().find((m) => m.name === "jenkins");
            assert.deepStrictEqual(jenkins.namespaceSelector, { matchNames: ["jenkins"] });
            assert.strictEqual(jenkins.selector.matchLabels["app.kubernetes.io/component"], "jenkins-controller");
            assert.deepStrictEqual([jenkins.endpoints[0].port, jenkins.endpoints[0].path], ["http", "/prometheus"]);
        });

        it("exist only inside the release that installs their CRD, never as resources that could race it", () => {
            assert.deepStrictEqual(
                records.filter((r) => r.type.startsWith("kubernetes:monitoring.coreos.com/")).map((r) => r.name),
                [],
            );
            assert.strictEqual(monitors().length, 2);
        });
    });

    describe("control plane on EKS", () => {
        // EKS runs these out of reach of the cluster; kube-proxy's add-on binds its metrics to 127.0.0.1:10249 and
        // the Cluster leaves its configuration at the default.
        const UNREACHABLE = ["kube-controller-manager", "kube-scheduler", "etcd", "kube-proxy"];

        it("renders no alert and no ServiceMonitor for a component EKS does not expose", () => {
            const rendered = renderControlPlane(values());
            assert.deepStrictEqual(
                rendered.alerts.filter((a) => UNREACHABLE.includes(a.component)).map((a) => a.alert),
                [],
                "these would fire forever",
            );
            assert.deepStrictEqual(
                rendered.serviceMonitors.filter((c) => UNREACHABLE.includes(c)),
                [],
            );
        });

        it("models the chart: with its defaults KubeControllerManagerDown and KubeSchedulerDown are rendered", () => {
            const alerts = renderControlPlane({}).alerts.map((a) => a.alert);
            for (const a of ["KubeControllerManagerDown", "KubeSchedulerDown", "KubeProxyDown", "etcdMembersDown"]) assert.ok(alerts.includes(a), a);
            assert.deepStrictEqual(
                renderControlPlane({ defaultRules: { disabled: { KubeSchedulerDown: true } } }).alerts.filter((a) => a.component === "kube-scheduler"),
                [],
            );
        });

        it("the model's gates and defaults are those of the pinned chart's templates and values", function () {
            const dir = referenceFile(this, "charts", "kube-prometheus-stack", "values.yaml").replace(/values\.yaml$/, "");
            const chartValues = YAML.parse(fs.readFileSync(`${dir}values.yaml`, "utf8"));
            for (const [path, value] of Object.entries(CHART_DEFAULTS)) {
                assert.strictEqual(
                    path.split(".").reduce((n: any, k) => n?.[k], chartValues),
                    value,
                    path,
                );
            }
            // The reference holds the controller-manager and scheduler rule files; the others are transcribed.
            const present = CONTROL_PLANE.filter((x) => fs.existsSync(`${dir}${x.ruleFile}`));
            assert.ok(present.length >= 2, "no rule template of the chart to compare with");
            for (const c of present) {
                const gate = fs
                    .readFileSync(`${dir}${c.ruleFile}`, "utf8")
                    .split("\n")
                    .find((l) => l.startsWith("{{- if and"))!;
                const terms = [...gate.matchAll(/(not \()?\.Values\.([\w.]+)/g)].map((m) => (m[1] ? "!" : "") + m[2]);
                assert.deepStrictEqual(terms, c.ruleGate, c.ruleFile);
            }
        });
    });

    describe("Jenkins monitoring follows Jenkins", () => {
        const kps = (r: RecordedResource[]) => one(r, "kubernetes:helm.sh/v3:Release", "-kps").inputs.values as any;
        const jenkinsParts = (r: RecordedResource[]) => {
            const v = kps(r);
            return {
                dashboards: all(r, "kubernetes:core/v1:ConfigMap").filter((c) => (c.inputs.metadata as any).name === "dashboard-platform-jenkins").length,
                monitors: v.prometheus.additionalServiceMonitors.filter((m: any) => m.name === "jenkins").length,
                rules: v.additionalPrometheusRulesMap.platform.groups.flatMap((g: any) => g.rules).filter((x: any) => /Jenkins/.test(x.alert)).length,
                watchesJenkins: JSON.stringify(v.additionalPrometheusRulesMap.platform.groups).includes("jenkins|"),
            };
        };

        it("prod, which runs no Jenkins, has no Jenkins dashboard, scrape target or alerts", async function () {
            this.timeout(120_000);
            const prod = await planFor("prod");
            assert.strictEqual(
                prod.resources.some((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "jenkins"),
                false,
            );
            assert.deepStrictEqual(jenkinsParts(prod.resources), { dashboards: 0, monitors: 0, rules: 0, watchesJenkins: false });
        });

        it("dev, which runs Jenkins, has all three", async function () {
            this.timeout(120_000);
            const dev = await planFor("dev");
            assert.deepStrictEqual(jenkinsParts(dev.resources), { dashboards: 1, monitors: 1, rules: 1, watchesJenkins: true });
        });
    });
});

/** An Observability with the smallest volumes and these contributions, recorded. */
const recordSmall = (name: string, contributions: MonitoringContribution[]) =>
    record(() => {
        const gw = buildGateway();
        new Observability(name, {
            host: `grafana.${DOMAIN}`,
            grafanaAdminPassword: pulumi.secret(PASSWORD),
            retention: "1d",
            prometheusStorage: "1Gi",
            alertmanagerStorage: "1Gi",
            grafanaStorage: "1Gi",
            contributions,
            alerts: ALERTS,
            alertSecrets: {},
            pvcFreeRatio: 0.15,
            gateway: gw.ingress,
            storageClassName: gw.cluster.storageClassName,
        });
    });

describe("Observability renders what components contribute, and nothing else", () => {
    it("with no contributions: no ServiceMonitor, no dashboard, and only its own namespace's volumes watched", async () => {
        const records = await recordSmall("bare", []);
        const values = one(records, "kubernetes:helm.sh/v3:Release", "bare-kps").inputs.values as any;
        assert.deepStrictEqual(values.prometheus.additionalServiceMonitors, []);
        assert.deepStrictEqual(
            all(records, "kubernetes:core/v1:ConfigMap").filter((r) => r.name.includes("dashboard")),
            [],
        );
        assert.deepStrictEqual(
            values.additionalPrometheusRulesMap.platform.groups.map((g: any) => g.name),
            ["platform-storage"],
        );
        assert.match(values.additionalPrometheusRulesMap.platform.groups[0].rules[0].expr, /namespace=~"monitoring"\}/);
    });

    it("a target of pods becomes a PodMonitor whose job is the pods' label, a target of a Service a ServiceMonitor", async () => {
        const target = (name: string) => ({ name, namespace: "ns", matchLabels: { app: name }, port: "metrics", path: "/metrics", interval: "30s" });
        const records = await recordSmall("targets", [
            { scrapeTargets: [target("svc")] },
            { scrapeTargets: [{ ...target("pods"), pods: { jobLabel: "app" } }] },
        ]);
        const p = (one(records, "kubernetes:helm.sh/v3:Release", "targets-kps").inputs.values as any).prometheus;
        assert.deepStrictEqual(
            p.additionalServiceMonitors.map((m: any) => [m.name, m.endpoints]),
            [["svc", [{ port: "metrics", path: "/metrics", interval: "30s" }]]],
        );
        assert.deepStrictEqual(p.additionalPodMonitors, [
            {
                name: "pods",
                selector: { matchLabels: { app: "pods" } },
                namespaceSelector: { matchNames: ["ns"] },
                jobLabel: "app",
                podMetricsEndpoints: [{ port: "metrics", path: "/metrics", interval: "30s" }],
            },
        ]);
    });

    it("prod, without Jenkins, neither scrapes nor alerts on nor draws Jenkins", async () => {
        const kps = (await planFor("prod")).resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === KPS.chart)!;
        const values = kps.inputs.values as any;
        assert.deepStrictEqual(
            values.prometheus.additionalServiceMonitors.map((m: any) => m.name),
            ["app", "karpenter"],
        );
        assert.ok(!JSON.stringify(values.additionalPrometheusRulesMap).includes("Jenkins"));
        assert.ok(!(await planFor("prod")).resources.some((r) => r.name.includes("dashboard-platform-jenkins")));
    });
});
