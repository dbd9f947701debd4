import * as assert from "assert";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { ECR_PUSH, lifecyclePolicy, promotersPolicy, Registry } from ".";
import { json, one, record } from "../../tests/helpers/harness";

const PIPELINE = "arn:aws:iam::111111111111:role/eks-platform-dev-jenkins-deploy";
const STAGE_REPOSITORY = "arn:aws:ecr:ap-northeast-2:222222222222:repository/eks-platform-prod/app";

/** May the pipeline (in one account) do `action` on a repository of another account, by iam-simulate's evaluation? */
async function copyAllowed(action: string, resourcePolicy?: unknown): Promise<boolean> {
    const result = await runSimulation(
        {
            request: { principal: PIPELINE, action, resource: { resource: STAGE_REPOSITORY, accountId: "222222222222" }, contextVariables: {} },
            identityPolicies: [
                { name: "agent", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ECR_PUSH, Resource: STAGE_REPOSITORY }] } },
            ],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy,
        },
        {},
    );
    assert.notStrictEqual(result.resultType, "error", JSON.stringify(result));
    return (result as { overallResult: string }).overallResult === "Allowed";
}

describe("Registry", () => {
    const build = (env: "dev" | "prod") =>
        record(() => {
            new Registry("reg", { repositoryName: `eks-platform-${env}/app`, keepImages: 25, forceDelete: env === "dev", protect: env === "prod" });
        });

    it("scans on push, keeps tags immutable and encrypts with KMS", async () => {
        const repo = one(await build("dev"), "aws:ecr/repository:Repository");
        assert.strictEqual(repo.inputs.name, "eks-platform-dev/app");
        assert.deepStrictEqual(repo.inputs.imageScanningConfiguration, { scanOnPush: true });
        assert.strictEqual(repo.inputs.imageTagMutability, "IMMUTABLE");
        assert.deepStrictEqual(repo.inputs.encryptionConfigurations, [{ encryptionType: "KMS" }]);
    });

    it("force-deletes only in dev, and protects the prod repository", async () => {
        const dev = one(await build("dev"), "aws:ecr/repository:Repository");
        const prod = one(await build("prod"), "aws:ecr/repository:Repository");
        assert.deepStrictEqual([dev.inputs.forceDelete, dev.protect], [true, false]);
        assert.deepStrictEqual([prod.inputs.forceDelete, prod.protect], [false, true]);
    });

    it("keeps the last N images with a lifecycle policy on the repository", async () => {
        const records = await build("dev");
        const policy = one(records, "aws:ecr/lifecyclePolicy:LifecyclePolicy");
        assert.deepStrictEqual(json(policy.inputs.policy), lifecyclePolicy(25));
        assert.strictEqual(policy.inputs.repository, "eks-platform-dev/app");
        const keep = (lifecyclePolicy(25) as any).rules.find((r: any) => r.selection.countType === "imageCountMoreThan");
        assert.deepStrictEqual([keep.selection.tagStatus, keep.selection.countNumber, keep.action.type], ["any", 25, "expire"]);
    });

    it("admits the promoting pipeline in the repository's own policy, and has none where nobody promotes to it", async () => {
        const promoted = await record(() => {
            new Registry("reg", { repositoryName: "eks-platform-prod/app", keepImages: 25, forceDelete: false, protect: true, promoters: [PIPELINE] });
        });
        const policy = one(promoted, "aws:ecr/repositoryPolicy:RepositoryPolicy");
        assert.deepStrictEqual(json(policy.inputs.policy), promotersPolicy([PIPELINE]));
        assert.strictEqual(policy.inputs.repository, "eks-platform-prod/app");
        assert.strictEqual((await build("dev")).filter((r) => r.type === "aws:ecr/repositoryPolicy:RepositoryPolicy").length, 0);
    });

    it("lets a pipeline in another account copy an image in and out, which its own policy alone does not (iam-simulate)", async function () {
        this.timeout(60000);
        for (const action of ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]) {
            assert.strictEqual(await copyAllowed(action), false, `${action} across accounts without the repository policy`);
            assert.strictEqual(await copyAllowed(action, promotersPolicy([PIPELINE])), true, action);
        }
    });
});
