import * as assert from "assert";
import { coldDeploy, criticalPath, minutesFor } from "../../offline/preflight/cold-deploy";
import { named, platform, res, TODAY } from "./fixtures";

describe("preflight: cold deploy", () => {
    it("follows the longest chain: control plane, nodes, add-on, controller, Jenkins", () => {
        const path = criticalPath(platform());
        assert.deepStrictEqual(
            path.map((s) => s.resource.name),
            ["eks-eksCluster", "nodes", "coredns", "lbc", "jenkins"],
        );
        assert.deepStrictEqual(
            path.map((s) => s.end),
            [10, 14, 16, 18, 23],
        );
    });

    it("prints the path with what each step waits on, and never fails the plan", () => {
        const result = coldDeploy({ resources: platform(), date: TODAY });
        assert.deepStrictEqual(result.problems, []);
        assert.match(result.lines[0], /critical path of a cold `pulumi up`: ~23 min/);
        assert.match(result.lines.join("\n"), /14:00 -> +16:00 {2}Addon coredns, after NodeGroup nodes/);
    });

    it("a component costs nothing, a provider nothing, an unknown custom resource one API call", () => {
        assert.strictEqual(minutesFor(res("platform:app:WebApp", "a", {})), 0);
        assert.strictEqual(minutesFor(res("pulumi:providers:kubernetes", "k", {})), 0);
        assert.strictEqual(minutesFor(res("aws:ecr/repository:Repository", "r", {})), 0.1);
    });

    it("an add-on a remote component creates starts after the component's own work, and the component ends after it", () => {
        const resources = platform();
        const cluster = named(resources, "eks");
        resources.push(
            res(
                "aws:eks/addon:Addon",
                "eks-coredns",
                { addonName: "coredns" },
                { parent: cluster, modeled: true, dependsOn: [named(resources, "eks-eksCluster")] },
            ),
        );
        named(resources, "jenkins").dependencies.push(cluster.urn);
        const path = criticalPath(resources);
        const step = path.find((s) => s.resource.name === "eks-coredns");
        assert.ok(step, path.map((s) => s.resource.name).join(" > "));
        assert.deepStrictEqual([step.start, step.end], [10, 12]);
    });
});
