import * as assert from "assert";
import { DeployGraph } from "../../offline/preflight/graph";
import { order, orderProblems, ORDER_RULES, OrderRule } from "../../offline/preflight/order";
import { RecordedResource } from "../../offline/recorder";
import { named, platform, res, TODAY } from "./fixtures";

const run = (resources: RecordedResource[]) => order({ resources, date: TODAY }).problems;

/** The fixture with one record's dependencies replaced. */
function rewired(name: string, dependsOn: string[], resources = platform()): RecordedResource[] {
    const r = named(resources, name);
    r.dependencies = dependsOn.map((n) => named(resources, n).urn);
    return resources;
}

describe("preflight: order", () => {
    it("passes when nodes, CoreDNS, the CSI driver and the controller come before what needs them", () => {
        assert.deepStrictEqual(run(platform()), []);
    });

    it("fails an Ingress that does not wait for the load balancer controller", () => {
        const problems = run(rewired("app-ingress", ["app-svc"]).map((r) => (r.name === "app-svc" ? { ...r, dependencies: [] } : r)));
        assert.match(problems.join("\n"), /Ingress app-ingress does not wait for load balancer controller webhook \(Release lbc\)/);
        // No webhook admits a Service: the controller's Service mutator is off (components/ingress/lbc.ts).
        assert.doesNotMatch(problems.join("\n"), /Service app-svc does not wait/);
    });

    it("an Ingress that waits for a Service that waits for the controller waits for it too (dependencies are transitive)", () => {
        assert.deepStrictEqual(run(rewired("app-ingress", ["app-svc"])), []);
    });

    it("children wait for what their component was told to depend on (the Deployment inherits the WebApp's dependsOn)", () => {
        assert.deepStrictEqual(named(platform(), "app-deploy").dependencies, []);
        assert.deepStrictEqual(
            run(platform()).filter((p) => /app-deploy/.test(p)),
            [],
        );
        const problems = run(rewired("app", [])).join("\n");
        assert.match(problems, /Deployment app-deploy does not wait for nodes \(ManagedNodeGroup nodes\)/);
    });

    it("fails CoreDNS created before any node group (its pods would stay Pending and the add-on DEGRADED)", () => {
        assert.match(run(rewired("coredns", ["eks"])).join("\n"), /Addon coredns does not wait for nodes/);
    });

    it("fails when nothing provides cluster DNS", () => {
        const problems = run(platform().filter((r) => r.name !== "coredns")).join("\n");
        assert.match(problems, /cluster DNS: nothing in the plan provides it, but Release lbc, Release jenkins, Deployment app-deploy need it/);
    });

    it("waiting for a remote component waits for the add-ons it creates (modeled children)", () => {
        const resources = platform().filter((r) => r.name !== "coredns");
        const cluster = named(resources, "eks");
        const nodes = named(resources, "nodes");
        resources.push(
            res(
                "aws:eks/addon:Addon",
                "eks-coredns",
                { addonName: "coredns", addonVersion: "v1.14.3-eksbuild.11" },
                { parent: cluster, modeled: true, dependsOn: [nodes] },
            ),
        );
        for (const name of ["lbc", "app"]) named(resources, name).dependencies.push(cluster.urn);
        assert.ok(new DeployGraph(resources).waitsFor(named(resources, "lbc")).has(named(resources, "eks-coredns").urn));
        assert.deepStrictEqual(
            run(resources).filter((p) => /DNS/.test(p)),
            [],
        );
    });

    it("fails a volume user that does not wait for the EBS CSI driver", () => {
        assert.match(run(rewired("jenkins", ["lbc"])).join("\n"), /Release jenkins does not wait for EBS CSI driver \(Addon ebs-csi\)/);
    });

    it("fails a namespace holding claims that does not depend on the CSI driver (destroy would delete the driver first)", () => {
        assert.match(run(rewired("jenkins-ns", [])).join("\n"), /Namespace jenkins-ns does not wait for EBS CSI driver on destroy/);
    });

    it("takes new rules as data: a record type joins by being named in a selector", () => {
        const resources = platform();
        resources.push(res("karpenter.sh/v1:NodePool", "pool", {}, { dependsOn: [named(resources, "nodes")] }));
        const rule: OrderRule = {
            name: "Karpenter controller",
            because: "the NodePool CRD comes with the chart",
            needs: [{ types: ["karpenter.sh/v1:NodePool"] }],
            providedBy: [{ types: ["kubernetes:helm.sh/v3:Release"], where: (r) => r.inputs.chart === "karpenter" }],
        };
        assert.match(
            orderProblems(resources, [...ORDER_RULES, rule]).problems.join("\n"),
            /Karpenter controller: nothing in the plan provides it, but NodePool pool need it/,
        );
    });
});
