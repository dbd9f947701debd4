/**
 * Promotion reaches every stage: dev's pipeline calls each stage's API from dev's NAT addresses, which the stage's
 * endpoint must admit, and assumes each stage's deployer, which the stage's trust must allow.
 */
import * as assert from "assert";
import { readStackConfig } from "../../offline/plan";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { accountOfArn, identitiesOf } from "../../offline/preflight/iam";
import { configProblems, rawConfig } from "../helpers/harness";
import { planFor } from "../helpers/plans";

const problemsOf = (raw: Record<string, string>, stack = "dev"): string[] => configProblems(raw, stack);

/** The stages dev's pipeline promotes through, as Pulumi.dev.yaml lists them. */
const devStages = (): { stack: string; deployRoleArn: string }[] => {
    const raw = JSON.parse(readStackConfig("dev").values["cicd:promoteTo"]);
    return Array.isArray(raw) ? raw : [raw];
};

describe("promotion reaches every stage's API", () => {
    it("dev promotes to staging, then prod: each a committed stack", () => {
        assert.deepStrictEqual(
            devStages().map((s) => s.stack),
            ["staging", "prod"],
        );
    });

    for (const stack of ["staging", "prod"]) {
        it(`${stack}'s public endpoint admits the pipeline's egress addresses besides the admins' CIDRs`, async function () {
            this.timeout(120000);
            const plan = await planFor(stack);
            const values = readStackConfig(stack).values;
            const egress: string[] = JSON.parse(values["cicd:pipelineEgressCidrs"]);
            const admins: string[] = JSON.parse(values["cluster:publicAccessCidrs"]);
            assert.ok(egress.length > 0, `Pulumi.${stack}.yaml lists no pipeline egress`);
            const cluster = plan.resources.find((r) => r.type === "eks:index:Cluster")!;
            assert.deepStrictEqual(cluster.inputs.publicAccessCidrs, [...admins, ...egress]);
        });
    }

    // The preflight of one plan sees only dev's side of the promotion; a stage's deployer trust is in its own plan.
    it("simulated on dev's plan and each stage's: dev's deploy pods may assume every stage's deployer (dev's policy and the stage's trust), no other dev role may", async function () {
        this.timeout(240000);
        const dev = await planFor("dev");
        for (const stage of devStages()) {
            const target = stage.deployRoleArn;
            const plan = await planFor(stage.stack);
            const deployer = plan.resources.find((r) => r.type === "aws:iam/role:Role" && r.inputs?.name === target.split("/").pop())!;
            assert.ok(deployer, `${stage.stack}'s plan has no role ${target}`);
            const trust = JSON.parse(String(deployer.inputs.assumeRolePolicy));
            // The plans' ARNs carry the mocks' account; the stack files name the real one, where the stacks live.
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
            assert.deepStrictEqual(allowed, ["eks-platform-dev-jenkins-deploy"], stage.stack);
        }
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
        assert.match(problemsOf(promoting(), "dev").join("\n"), /cicd:promoteApprovers: is required for stage staging/);
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
