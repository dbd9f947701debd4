/** Promotion reaches prod: dev's pipeline calls prod's API from dev's NAT addresses, which prod's endpoint must admit. */
import * as assert from "assert";
import { ConfigError, parseConfig } from "../../config";
import { readStackConfig } from "../../offline/plan";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { accountOfArn, identitiesOf } from "../../offline/preflight/iam";
import { rawConfig } from "../helpers/harness";
import { planFor } from "../helpers/plans";

const problemsOf = (values: Record<string, string>, stack: string): string[] => {
    try {
        parseConfig(values, "eks-platform", stack);
        return [];
    } catch (err) {
        if (err instanceof ConfigError) return [...err.problems];
        throw err;
    }
};

describe("promotion reaches prod's API", () => {
    it("prod's public endpoint admits the pipeline's egress addresses besides the admins' CIDRs", async () => {
        const plan = await planFor("prod");
        const values = readStackConfig("prod").values;
        const egress: string[] = JSON.parse(values["cicd:pipelineEgressCidrs"]);
        const admins: string[] = JSON.parse(values["cluster:publicAccessCidrs"]);
        assert.ok(egress.length > 0, "Pulumi.prod.yaml lists no pipeline egress");
        const cluster = plan.resources.find((r) => r.type === "eks:index:Cluster")!;
        assert.deepStrictEqual(cluster.inputs.publicAccessCidrs, [...admins, ...egress]);
    });

    // The preflight of one plan sees only dev's side of the promotion; prod's deployer trust is in prod's plan.
    it("simulated on both plans: dev's deploy pods may assume prod's deployer (dev's policy and prod's trust), no other dev role may", async function () {
        this.timeout(120000);
        const [dev, prod] = [await planFor("dev"), await planFor("prod")];
        const target = JSON.parse(readStackConfig("dev").values["cicd:promoteTo"]).deployRoleArn as string;
        const deployer = prod.resources.find((r) => r.type === "aws:iam/role:Role" && r.inputs?.name === target.split("/").pop())!;
        assert.ok(deployer, `prod's plan has no role ${target}`);
        const trust = JSON.parse(String(deployer.inputs.assumeRolePolicy));
        // The plans' ARNs carry the mocks' account; the stack files name the real one, where both stacks live.
        const allowed: string[] = [];
        for (const i of identitiesOf(dev.resources)) {
            const result = await runSimulation(
                {
                    request: {
                        principal: `arn:aws:iam::${accountOfArn(target)}:role/${i.name}`,
                        action: "sts:AssumeRole",
                        resource: { resource: target, accountId: accountOfArn(target)! },
                        contextVariables: {},
                    },
                    identityPolicies: i.policies.map((p) => ({ name: p.name, policy: p.policy as unknown as Record<string, unknown> })),
                    serviceControlPolicies: [],
                    resourceControlPolicies: [],
                    resourcePolicy: trust,
                },
                {},
            );
            assert.notStrictEqual(result.resultType, "error", JSON.stringify(result));
            if ((result as { overallResult: string }).overallResult === "Allowed") allowed.push(i.name);
        }
        assert.deepStrictEqual(allowed, ["eks-platform-dev-jenkins-deploy"]);
    });

    it("config refuses a promoted-to stack whose API the pipeline could not reach", () => {
        assert.match(
            problemsOf(rawConfig("prod", { "cicd:pipelineEgressCidrs": undefined }), "prod").join("\n"),
            /cicd:pipelineEgressCidrs: is empty, so the promoting pipeline cannot reach/,
        );
        assert.match(
            problemsOf(rawConfig("prod", { "cluster:publicAccessCidrs": "[]" }), "prod").join("\n"),
            /cluster:publicAccessCidrs: is empty \(private endpoint only\)/,
        );
        assert.match(problemsOf(rawConfig("prod", { "cicd:pipelineEgressCidrs": '["10.0.0.0/8"]' }), "prod").join("\n"), /cicd:pipelineEgressCidrs/);
        assert.deepStrictEqual(problemsOf(rawConfig("dev"), "dev"), [], "dev runs the pipeline itself, inside its VPC");
    });

    it("config requires who may approve a promotion, as names the input step's comma-separated submitter keeps whole", () => {
        const promoting = (approvers?: string) =>
            rawConfig("dev", {
                "cicd:promoteTo": readStackConfig("dev").values["cicd:promoteTo"],
                ...(approvers === undefined ? {} : { "cicd:promoteApprovers": approvers }),
            });
        assert.match(problemsOf(promoting(), "dev").join("\n"), /cicd:promoteApprovers: is required with cicd:promoteTo/);
        assert.match(
            problemsOf(promoting('["release-managers,admin"]'), "dev").join("\n"),
            /cicd:promoteApprovers: "release-managers,admin" is not a Jenkins user id or group name/,
        );
        assert.match(problemsOf(promoting('["a b"]'), "dev").join("\n"), /cicd:promoteApprovers/);
        assert.deepStrictEqual(problemsOf(promoting('["admin", "release-managers"]'), "dev"), []);
    });

    it("config takes KMS keys for the app's secrets and the state bucket only as key ARNs", () => {
        const key = "arn:aws:kms:ap-northeast-2:111122223333:key/11111111-2222-3333-4444-555555555555";
        assert.deepStrictEqual(problemsOf(rawConfig("dev", { "cicd:appSecretsKeyArn": key, "cicd:stateKeyArn": key }), "dev"), []);
        const problems = problemsOf(
            rawConfig("dev", { "cicd:appSecretsKeyArn": "arn:aws:kms:ap-northeast-2:111122223333:alias/app", "cicd:stateKeyArn": "key" }),
            "dev",
        );
        assert.strictEqual(problems.length, 2, problems.join("\n"));
    });
});
