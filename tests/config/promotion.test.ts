/** cicd:promoteTo as ordered stages (config/promotion.ts): what the pipeline's jobs are built from. */
import * as assert from "assert";
import { parseConfig } from "../../config";
import { readStackConfig } from "../../offline/plan";
import { configProblems, rawConfig } from "../helpers/harness";

const STAGING = {
    stack: "staging",
    deployRoleArn: "arn:aws:iam::111122223333:role/eks-platform-staging-deploy",
    repositoryUrl: "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/eks-platform-staging/app",
    appUrl: "https://app.staging.example.com",
};
const PROD = {
    stack: "prod",
    deployRoleArn: "arn:aws:iam::111122223333:role/eks-platform-prod-deploy",
    repositoryUrl: "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/eks-platform-prod/app",
    appUrl: "https://app.example.com",
};

const promoting = (stages: unknown, approvers = '["admin"]', stack: "dev" | "prod" = "dev") =>
    rawConfig(stack, { "cicd:promoteTo": JSON.stringify(stages), "cicd:promoteApprovers": approvers });

const problemsOf = (raw: Record<string, string>, stack = "dev"): string[] => configProblems(raw, stack);

describe("config: promotion stages (cicd:promoteTo)", () => {
    it("reads an ordered list of stages, each with its own approvers or cicd:promoteApprovers", () => {
        const c = parseConfig(promoting([STAGING, { ...PROD, approvers: ["release-managers"] }], '["developers"]'), "eks-platform", "dev");
        assert.deepStrictEqual(c.cicd.jenkins?.promotions, [
            { ...STAGING, approvers: ["developers"] },
            { ...PROD, approvers: ["release-managers"] },
        ]);
    });

    it("still reads the single object of the one-target form as one stage", () => {
        const c = parseConfig(promoting(PROD), "eks-platform", "dev");
        assert.deepStrictEqual(c.cicd.jenkins?.promotions, [{ ...PROD, approvers: ["admin"] }]);
    });

    it("the committed dev stack promotes to staging, then prod", () => {
        const dev = parseConfig(readStackConfig("dev").values, "eks-platform", "dev");
        assert.deepStrictEqual(
            dev.cicd.jenkins?.promotions.map((p) => p.stack),
            ["staging", "prod"],
        );
        for (const stage of dev.cicd.jenkins.promotions) assert.ok(stage.approvers.length > 0, stage.stack);
    });

    it("refuses a stack twice, or the promoting stack itself, naming the entry", () => {
        assert.match(problemsOf(promoting([STAGING, PROD, STAGING])).join("\n"), /cicd:promoteTo\[2\]\.stack: "staging" is a stage already/);
        // Another org's prod is still the job deploy/promote-prod.
        assert.match(
            problemsOf(promoting([PROD, { ...STAGING, stack: "acme/eks-platform/prod" }])).join("\n"),
            /cicd:promoteTo\[1\]\.stack: "acme\/eks-platform\/prod" is a stage already/,
        );
        assert.match(problemsOf(promoting([STAGING, { ...PROD, stack: "dev" }])).join("\n"), /cicd:promoteTo\[1\]\.stack: "dev" is this stack/);
    });

    it("requires approvers for every stage, and checks each stage's own as Jenkins names", () => {
        assert.match(problemsOf(promoting([STAGING, PROD], "[]")).join("\n"), /cicd:promoteApprovers: is required for stage staging/);
        assert.deepStrictEqual(
            problemsOf(
                promoting(
                    [STAGING, PROD].map((s) => ({ ...s, approvers: ["admin"] })),
                    undefined,
                ),
            ),
            [],
        );
        assert.match(
            problemsOf(promoting([STAGING, { ...PROD, approvers: [] }])).join("\n"),
            /cicd:promoteTo\[1\]\.approvers: is required for stage prod/,
            "an empty list of its own is no approvers, not the default",
        );
        assert.match(
            problemsOf(promoting([{ ...STAGING, approvers: ["a,b"] }])).join("\n"),
            /cicd:promoteTo\[0\]\.approvers: "a,b" is not a Jenkins user id or group name/,
        );
        assert.match(
            problemsOf(promoting([{ ...STAGING, approvers: ["authenticated"] }])).join("\n"),
            /cicd:promoteTo\[0\]\.approvers: "authenticated" is a built-in group/,
        );
    });

    it("checks every stage's outputs, naming the entry", () => {
        const problems = problemsOf(promoting([STAGING, { ...PROD, deployRoleArn: "arn:aws:iam::111122223333:user/x", appUrl: "http://app" }])).join("\n");
        assert.match(problems, /cicd:promoteTo\[1\]\.deployRoleArn: .*not an IAM role ARN/);
        assert.match(problems, /cicd:promoteTo\[1\]\.appUrl: .*not an https:\/\/ URL/);
        assert.doesNotMatch(problems, /cicd:promoteTo\[0\]/);
    });

    it("refuses what is not a list of stages, showing the form; and stages where no Jenkins runs", () => {
        for (const wrong of [[{ stack: "prod" }], "prod", [PROD, 7], [{ ...PROD, approver: ["x"] }]]) {
            assert.match(
                problemsOf(promoting(wrong)).join("\n"),
                /cicd:promoteTo: must be a JSON list of stages \[\{"stack", "deployRoleArn"/,
                JSON.stringify(wrong),
            );
        }
        assert.match(problemsOf(promoting([STAGING], '["admin"]', "prod"), "prod").join("\n"), /cicd:promoteTo: is set, but this stack runs no Jenkins/);
    });
});
