import * as assert from "assert";
import { Deployer, deployersOf, reachability } from "../../offline/preflight/reachability";
import { res, TODAY } from "./fixtures";

const cluster = (vpcConfig: Record<string, unknown>) => [res("aws:eks/cluster:Cluster", "prod-eksCluster", { name: "prod", vpcConfig })];
const office: Deployer = { name: "people", cidrs: ["203.0.113.0/24"], insideVpc: false };
const devPipeline: Deployer = { name: "dev's pipeline", cidrs: ["198.51.100.7/32", "198.51.100.8/32"], insideVpc: false };
const run = (resources: ReturnType<typeof cluster>, deployers: Deployer[]) => reachability({ resources, date: TODAY, deployers });

describe("preflight: reachability", () => {
    it("passes when every deployer's addresses are inside the public endpoint's allowed CIDRs", () => {
        const result = run(cluster({ endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ["203.0.113.0/24", "198.51.100.0/28"] }), [
            office,
            devPipeline,
        ]);
        assert.deepStrictEqual(result.problems, []);
        assert.strictEqual(result.lines.length, 2);
    });

    it("fails a prod endpoint that dev's pipeline cannot reach: only the office is admitted", () => {
        const result = run(cluster({ endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ["203.0.113.0/24"] }), [office, devPipeline]);
        assert.deepStrictEqual(result.problems, [
            "dev's pipeline leaves from 198.51.100.7/32, 198.51.100.8/32, which Cluster prod-eksCluster's public endpoint does not admit (publicAccessCidrs 203.0.113.0/24)",
        ]);
    });

    it("fails a private-only endpoint for anyone outside the VPC, and passes it for the in-cluster pipeline", () => {
        const privateOnly = cluster({ endpointPublicAccess: false, endpointPrivateAccess: true });
        assert.match(
            run(privateOnly, [office]).problems[0],
            /people cannot reach Cluster prod-eksCluster: its endpoint is private and the deployer is outside the VPC/,
        );
        assert.deepStrictEqual(run(privateOnly, [{ name: "jenkins", cidrs: [], insideVpc: true }]).problems, []);
    });

    it("treats a public endpoint without publicAccessCidrs as EKS does (0.0.0.0/0), and a deployer of unknown origin as unproven", () => {
        assert.deepStrictEqual(run(cluster({ endpointPublicAccess: true }), [devPipeline]).problems, []);
        assert.match(
            run(cluster({ endpointPublicAccess: true }), [{ name: "nobody knows", cidrs: [], insideVpc: false }]).problems[0],
            /has no known source addresses/,
        );
    });

    it("takes the deployers from config: admins' networks, and the pipeline inside dev or from its egress for prod", () => {
        const dev = deployersOf({ ingress: { adminCidrs: ["203.0.113.0/24"] }, cicd: { jenkins: true, pipelineEgressCidrs: [] } } as any);
        assert.deepStrictEqual(
            dev.map((d) => [d.cidrs, d.insideVpc]),
            [
                [["203.0.113.0/24"], false],
                [[], true],
            ],
        );
        const prod = deployersOf({ ingress: { adminCidrs: ["203.0.113.0/24"] }, cicd: { jenkins: false, pipelineEgressCidrs: ["198.51.100.7/32"] } } as any);
        assert.deepStrictEqual(prod[1].cidrs, ["198.51.100.7/32"]);
    });
});
