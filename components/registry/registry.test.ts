import * as assert from "assert";
import { lifecyclePolicy, Registry } from ".";
import { json, one, record } from "../../tests/helpers/harness";

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
});
