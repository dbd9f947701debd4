import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { orderProblems, ORDER_RULES, selects } from "../../offline/preflight/order";
import { RecordedResource } from "../../offline/recorder";
import { buildGateway, one, record, RecordedResource as Recorded } from "../../tests/helpers/harness";
import { JENKINS } from "../cicd/jenkins";
import { READINESS_GATE_LABELS } from "../ingress/lbc";
import { ClusterHandle, INJECTING_NAMESPACE_LABELS, KIND_NEEDS, needsOf, Readiness } from "./cluster-handle";

const podSpec = {
    selector: { matchLabels: { a: "b" } },
    template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "x" }] } },
};
const deploymentArgs = (): k8s.apps.v1.DeploymentArgs => ({ metadata: { namespace: "addon" }, spec: podSpec });

/** The preflight rule (offline/preflight/order.ts ORDER_RULES) that checks each readiness; metrics has none (below). */
const PREFLIGHT_RULE: Record<Exclude<Readiness, "metrics">, string> = {
    nodes: "nodes",
    dns: "cluster DNS",
    storage: "EBS CSI driver",
    webhook: "load balancer controller webhook",
    pools: "Karpenter pools",
    karpenter: "Karpenter CRDs",
};

describe("cluster handle", () => {
    let records: Recorded[];
    let gateway: ReturnType<typeof buildGateway>;
    before(async () => {
        records = await record(() => {
            gateway = buildGateway();
            const h = gateway.ingress.cluster;
            // What a new add-on would write: no readiness at all; the handle adds what each kind needs.
            const ns = h.object(
                k8s.core.v1.Namespace,
                "addon-ns",
                { metadata: { name: "addon", labels: { ...READINESS_GATE_LABELS } } },
                { parent: gateway.ingress, needs: ["storage"] },
            );
            h.release(
                "addon-jenkins",
                JENKINS,
                { releaseName: "addon", namespace: "addon", values: { persistence: { enabled: true } } },
                { parent: gateway.ingress, needs: ["storage", "webhook"], dependsOn: [ns] },
            );
            h.object(k8s.core.v1.Service, "addon-svc", { metadata: { namespace: "addon" }, spec: { ports: [{ port: 80 }] } }, { parent: gateway.ingress });
            h.object(k8s.apps.v1.Deployment, "addon-deploy", deploymentArgs(), { parent: gateway.ingress });
            h.object(
                k8s.apps.v1.StatefulSet,
                "addon-sts",
                {
                    metadata: { namespace: "addon" },
                    spec: {
                        ...podSpec,
                        serviceName: "addon",
                        volumeClaimTemplates: [
                            { metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
                        ],
                    },
                },
                { parent: gateway.ingress },
            );
            h.object(k8s.core.v1.ConfigMap, "addon-config", { metadata: { namespace: "addon" }, data: { a: "b" } }, { parent: gateway.ingress });
        });
    });

    it("orders what it makes by the preflight's rules (nodes, DNS, CSI driver, LB controller webhook, CSI on destroy)", () => {
        assert.deepStrictEqual(orderProblems(records).problems, []);
    });

    it("makes every release wait for nodes and CoreDNS itself, on the cluster's provider", () => {
        const release = one(records, "kubernetes:helm.sh/v3:Release", "addon-jenkins");
        for (const [type, name] of [
            ["eks:index:ManagedNodeGroup", ""],
            ["aws:eks/addon:Addon", "coredns"],
        ]) {
            assert.ok(release.dependencies.includes(one(records, type, name).urn), `${type} ${name}`);
        }
        assert.match(release.provider, /pulumi:providers:kubernetes::base-k8s::/);
    });

    it("makes each object wait for what its kind needs, and nothing more for kinds that need only the provider", () => {
        const waitsFor = (type: string, name: string) => one(records, type, name).dependencies;
        const lbc = one(records, "kubernetes:helm.sh/v3:Release", "lbc").urn;
        const nodes = one(records, "eks:index:ManagedNodeGroup", "").urn;
        const ebsCsi = one(records, "aws:eks/addon:Addon", "ebs-csi").urn;
        // The controller's Service mutator is off (lbc.ts): a Service waits for nothing, so it never fails while the controller is down.
        assert.ok(!waitsFor("kubernetes:core/v1:Service", "addon-svc").includes(lbc), "Service: no webhook admits it");
        assert.ok(waitsFor("kubernetes:core/v1:Namespace", "addon-ns").includes(lbc), "a readiness-gate namespace: the mpod webhook");
        assert.ok(waitsFor("kubernetes:apps/v1:Deployment", "addon-deploy").includes(nodes), "Deployment: nodes");
        assert.ok(!waitsFor("kubernetes:apps/v1:Deployment", "addon-deploy").includes(ebsCsi), "a Deployment without claims needs no CSI driver");
        assert.ok(waitsFor("kubernetes:apps/v1:StatefulSet", "addon-sts").includes(ebsCsi), "volumeClaimTemplates: the CSI driver");
        assert.deepStrictEqual(waitsFor("kubernetes:core/v1:ConfigMap", "addon-config"), []);
        assert.match(one(records, "kubernetes:core/v1:ConfigMap", "addon-config").provider, /pulumi:providers:kubernetes::base-k8s::/);
    });

    it("infers the needs of each kind from the kind and its plain args", () => {
        assert.deepStrictEqual(needsOf("kubernetes:core/v1:Service", {}), []);
        assert.deepStrictEqual(needsOf("kubernetes:networking.k8s.io/v1:Ingress", {}), ["webhook"]);
        assert.deepStrictEqual(needsOf("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding", {}), ["webhook"]);
        assert.deepStrictEqual(needsOf("kubernetes:apps/v1:DaemonSet", {}), ["nodes", "dns"]);
        assert.deepStrictEqual(needsOf("kubernetes:batch/v1:Job", {}), ["nodes", "dns"]);
        assert.deepStrictEqual(needsOf("kubernetes:apps/v1:StatefulSet", { spec: { volumeClaimTemplates: [{}] } }), ["nodes", "dns", "storage"]);
        const mounting = { spec: { template: { spec: { volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }] } } } };
        assert.deepStrictEqual(needsOf("kubernetes:apps/v1:Deployment", mounting), ["nodes", "dns", "storage"]);
        assert.deepStrictEqual(needsOf("kubernetes:core/v1:PersistentVolumeClaim", {}), ["storage"]);
        assert.deepStrictEqual(needsOf("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", {}), ["metrics"]);
        assert.deepStrictEqual(needsOf("kubernetes:karpenter.sh/v1:NodePool", {}), ["karpenter"]);
        assert.deepStrictEqual(needsOf("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", {}), ["karpenter"]);
        for (const label of INJECTING_NAMESPACE_LABELS)
            assert.deepStrictEqual(needsOf("kubernetes:core/v1:Namespace", { metadata: { labels: { [label]: "enabled" } } }), ["webhook"], label);
        for (const type of ["Namespace", "Secret", "ConfigMap", "ServiceAccount"].map((k) => `kubernetes:core/v1:${k}`))
            assert.deepStrictEqual(needsOf(type, { metadata: { name: "x" } }), [], type);
        assert.deepStrictEqual(needsOf("kubernetes:rbac.authorization.k8s.io/v1:Role", {}), []);
    });

    it("refuses a kind's readiness nobody provided: before the Ingress there is no webhook for an Ingress to wait for", () => {
        const h = gateway.cluster.handle;
        assert.throws(
            () => h.object(k8s.networking.v1.Ingress, "early-ing", { metadata: { name: "early" } }, { parent: gateway.cluster }),
            /no webhook readiness/,
        );
        assert.throws(
            () => h.object(k8s.apiextensions.CustomResource, "early-pool", { apiVersion: "karpenter.sh/v1", kind: "NodePool" }, { parent: gateway.cluster }),
            /no karpenter readiness/,
        );
        assert.ok(gateway.ingress.cluster.ready(["webhook"]).includes(gateway.ingress.controller));
        // A custom resource's kind decides its waits: one not given plainly cannot be looked up, so it is refused.
        assert.throws(
            () =>
                h.object(
                    k8s.apiextensions.CustomResource,
                    "late-kind",
                    { apiVersion: "karpenter.sh/v1", kind: pulumi.output("NodePool") as unknown as string },
                    { parent: gateway.cluster },
                ),
            /needs its apiVersion and kind as plain strings/,
        );
    });

    it("on a cluster another stack runs, waits for the provider alone", () => {
        const provider = { __name: "p" } as unknown as k8s.Provider;
        assert.deepStrictEqual(ClusterHandle.external(provider).ready(["nodes", "webhook", "storage", "karpenter"]), [provider]);
    });

    it("needs for each kind what the preflight's order check demands of it (the table and ORDER_RULES agree)", () => {
        const pool = { type: "kubernetes:karpenter.sh/v1:NodePool", inputs: {} } as RecordedResource;
        const claims = { spec: { volumeClaimTemplates: [{}], template: { spec: {} } } };
        const cases: [string, any][] = [
            ...Object.keys(KIND_NEEDS).map((type): [string, any] => [type, { metadata: { namespace: "apps" } }]),
            ["kubernetes:apps/v1:StatefulSet", { metadata: { namespace: "apps" }, ...claims }],
            ["kubernetes:apps/v1:Deployment", { metadata: { namespace: "apps" }, spec: { template: { spec: { volumes: [{ persistentVolumeClaim: {} }] } } } }],
            ...INJECTING_NAMESPACE_LABELS.map((l): [string, any] => [
                "kubernetes:core/v1:Namespace",
                { metadata: { name: "apps", labels: { [l]: "enabled" } } },
            ]),
        ];
        for (const [type, inputs] of cases) {
            const r = { type, name: "x", inputs } as RecordedResource;
            for (const need of needsOf(type, inputs)) {
                if (need === "metrics") continue; // An HPA admitted before metrics-server only reports FailedGetResourceMetric until it runs.
                const rule = ORDER_RULES.find((o) => o.name === PREFLIGHT_RULE[need]);
                assert.ok(rule, `no preflight rule ${PREFLIGHT_RULE[need]}`);
                assert.ok(
                    selects(rule.needs, r, [r, pool]),
                    `preflight rule "${rule.name}" does not check ${type} ${JSON.stringify(inputs)}, which the handle makes wait for ${need}`,
                );
            }
        }
    });
});
