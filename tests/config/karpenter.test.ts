import * as assert from "assert";
import { parseConfig } from "../../config";
import { rawConfig } from "../helpers/harness";

const parse = (env: "dev" | "prod", overrides: Record<string, string | undefined> = {}) => parseConfig(rawConfig(env, overrides), "eks-platform", env);
const problemsOf = (env: "dev" | "prod", overrides: Record<string, string | undefined>) => {
    try {
        parse(env, overrides);
        return "";
    } catch (e) {
        return (e as Error).message;
    }
};

describe("config: Karpenter pools (karpenter:general, karpenter:ci)", () => {
    it("dev has general (spot and on-demand) and ci (spot) by default; prod general on-demand and no ci", () => {
        const dev = parse("dev").karpenter.pools;
        assert.deepStrictEqual(
            dev.map((p) => [p.name, p.capacityTypes]),
            [
                ["general", ["spot", "on-demand"]],
                ["ci", ["spot"]],
            ],
        );
        const prod = parse("prod").karpenter.pools;
        assert.deepStrictEqual(
            prod.map((p) => [p.name, p.capacityTypes]),
            [["general", ["on-demand"]]],
        );
    });

    it("merges a pool's fields over the environment's defaults", () => {
        const [general] = parse("prod", { "karpenter:general": JSON.stringify({ cpuLimit: 96, expectedNodes: 4 }) }).karpenter.pools;
        assert.deepStrictEqual([general.cpuLimit, general.expectedNodes, general.memoryLimitGi, general.spot], [96, 4, 192, false]);
    });

    it("names the key of every bad field", () => {
        const message = problemsOf("dev", {
            "karpenter:general": JSON.stringify({ instanceTypes: ["x9.huge"], spot: "yes", cpuLimit: 0, disruptionBudget: "half", colour: "red" }),
            "karpenter:ci": JSON.stringify({ consolidateAfter: "soon" }),
        });
        assert.match(message, /karpenter:general: "colour" is not a pool setting/);
        assert.match(message, /karpenter:general\.instanceTypes: "x9\.huge" is not in offline\/data\/instance-types\.ts/);
        assert.match(message, /karpenter:general\.spot: must be true or false/);
        assert.match(message, /karpenter:general\.cpuLimit: must be a whole number from 1 to 1000/);
        assert.match(message, /karpenter:general\.disruptionBudget: "half" is not a node count or percentage/);
        assert.match(message, /karpenter:ci\.consolidateAfter: "soon" is not a duration/);
    });

    it("refuses limits that cannot hold the expected nodes, and mixed architectures", () => {
        assert.match(
            problemsOf("dev", { "karpenter:general": JSON.stringify({ instanceTypes: ["m6i.xlarge"], cpuLimit: 6, expectedNodes: 2 }) }),
            /karpenter:general\.cpuLimit: 6 vCPU cannot hold 2 node\(s\) of up to 4 vCPU/,
        );
        assert.match(problemsOf("dev", { "karpenter:general": JSON.stringify({ instanceTypes: ["m6i.large", "m7g.large"] }) }), /mixes architectures/);
    });

    it("refuses a ci pool where no Jenkins runs, and a spot system group in prod", () => {
        assert.match(problemsOf("prod", { "karpenter:ci": "{}" }), /karpenter:ci: is set, but this stack runs no Jenkins/);
        assert.match(problemsOf("prod", { "cluster:capacityType": "SPOT" }), /cluster:capacityType: prod's system node group/);
    });
});
