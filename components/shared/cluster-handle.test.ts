import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { orderProblems } from "../../offline/preflight/order";
import { buildGateway, one, record, RecordedResource } from "../../tests/helpers/harness";
import { JENKINS } from "../cicd/jenkins";
import { ClusterHandle } from "./cluster-handle";

describe("cluster handle", () => {
    let records: RecordedResource[];
    let gateway: ReturnType<typeof buildGateway>;
    before(async () => {
        records = await record(() => {
            gateway = buildGateway();
            const h = gateway.ingress.cluster;
            // What a new add-on would write: only the readiness it knows about; the handle adds the rest.
            const ns = new k8s.core.v1.Namespace("addon-ns", { metadata: { name: "addon" } }, h.options({ parent: gateway.ingress, needs: ["storage"] }));
            h.release(
                "addon-jenkins",
                JENKINS,
                { releaseName: "addon", namespace: "addon", values: { persistence: { enabled: true } } },
                { parent: gateway.ingress, needs: ["storage", "webhook"], dependsOn: [ns] },
            );
            new k8s.core.v1.Service(
                "addon-svc",
                { metadata: { namespace: "addon" }, spec: { ports: [{ port: 80 }] } },
                h.options({ parent: gateway.ingress, needs: ["webhook"] }),
            );
            new k8s.apps.v1.Deployment(
                "addon-deploy",
                {
                    metadata: { namespace: "addon" },
                    spec: {
                        selector: { matchLabels: { a: "b" } },
                        template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "x" }] } },
                    },
                },
                h.options({ parent: gateway.ingress, needs: ["nodes", "dns"] }),
            );
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

    it("refuses a readiness nobody provided: before the Ingress there is no webhook to wait for", () => {
        assert.throws(() => gateway.cluster.handle.options({ parent: gateway.cluster, needs: ["webhook"] }), /no webhook readiness/);
        assert.ok(gateway.ingress.cluster.ready(["webhook"]).includes(gateway.ingress.controller));
    });

    it("on a cluster another stack runs, waits for the provider alone", () => {
        const provider = { __name: "p" } as unknown as k8s.Provider;
        assert.deepStrictEqual(ClusterHandle.external(provider).ready(["nodes", "webhook", "storage"]), [provider]);
    });
});
