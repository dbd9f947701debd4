/** Promotion reaches prod: dev's pipeline calls prod's API from dev's NAT addresses, which prod's endpoint must admit. */
import * as assert from "assert";
import { ConfigError, parseConfig } from "../../config";
import { readStackConfig } from "../../offline/plan";
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

    it("config refuses a promoted-to stack whose API the pipeline could not reach", () => {
        assert.match(problemsOf(rawConfig("prod", { "cicd:pipelineEgressCidrs": undefined }), "prod").join("\n"), /cicd:pipelineEgressCidrs: is empty, so the promoting pipeline cannot reach/);
        assert.match(problemsOf(rawConfig("prod", { "cluster:publicAccessCidrs": "[]" }), "prod").join("\n"), /cluster:publicAccessCidrs: is empty \(private endpoint only\)/);
        assert.match(problemsOf(rawConfig("prod", { "cicd:pipelineEgressCidrs": '["10.0.0.0/8"]' }), "prod").join("\n"), /cicd:pipelineEgressCidrs/);
        assert.deepStrictEqual(problemsOf(rawConfig("dev"), "dev"), [], "dev runs the pipeline itself, inside its VPC");
    });

    it("config requires who may approve a promotion, as names the input step's comma-separated submitter keeps whole", () => {
        const promoting = (approvers?: string) => rawConfig("dev", {
            "cicd:promoteTo": readStackConfig("dev").values["cicd:promoteTo"],
            ...(approvers === undefined ? {} : { "cicd:promoteApprovers": approvers }),
        });
        assert.match(problemsOf(promoting(), "dev").join("\n"), /cicd:promoteApprovers: is required with cicd:promoteTo/);
        assert.match(problemsOf(promoting('["release-managers,admin"]'), "dev").join("\n"), /cicd:promoteApprovers: "release-managers,admin" is not a Jenkins user id or group name/);
        assert.match(problemsOf(promoting('["a b"]'), "dev").join("\n"), /cicd:promoteApprovers/);
        assert.deepStrictEqual(problemsOf(promoting('["admin", "release-managers"]'), "dev"), []);
    });

    it("config takes KMS keys for the app's secrets and the state bucket only as key ARNs", () => {
        const key = "arn:aws:kms:ap-northeast-2:111122223333:key/11111111-2222-3333-4444-555555555555";
        assert.deepStrictEqual(problemsOf(rawConfig("dev", { "cicd:appSecretsKeyArn": key, "cicd:stateKeyArn": key }), "dev"), []);
        const problems = problemsOf(rawConfig("dev", { "cicd:appSecretsKeyArn": "arn:aws:kms:ap-northeast-2:111122223333:alias/app", "cicd:stateKeyArn": "key" }), "dev");
        assert.strictEqual(problems.length, 2, problems.join("\n"));
    });
});
