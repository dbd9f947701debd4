import * as assert from "assert";
import { Backup } from ".";
import { all, buildBase, json, one, record, RecordedResource, REGION } from "../../tests/helpers/harness";

function build(protect: boolean): Promise<RecordedResource[]> {
    return record(() => {
        buildBase();
        new Backup("bk", { clusterName: "eks-platform-test", region: REGION, retentionDays: protect ? 35 : 7, protect });
    });
}

describe("Backup", () => {
    let dev: RecordedResource[];
    let prod: RecordedResource[];
    before(async () => {
        dev = await build(false);
        prod = await build(true);
    });

    it("selects volumes by a tag the EBS CSI driver puts on every volume it creates", () => {
        // The driver adds controller.extraVolumeTags to each CreateVolume (aws-ebs-csi-driver docs, options.md).
        const csi = one(dev, "aws:eks/addon:Addon", "ebs-csi");
        const volumeTags: Record<string, string> = json(csi.inputs.configurationValues).controller.extraVolumeTags;
        const selection = one(dev, "aws:backup/selection:Selection");
        const tags = selection.inputs.selectionTags as { type: string; key: string; value: string }[];
        assert.strictEqual(tags.length, 1);
        assert.strictEqual(tags[0].type, "STRINGEQUALS");
        assert.strictEqual(
            volumeTags[tags[0].key],
            tags[0].value,
            `the driver tags volumes ${JSON.stringify(volumeTags)}, the plan selects ${JSON.stringify(tags[0])}`,
        );
        assert.strictEqual(selection.inputs.resources, undefined, "resources with tags would widen or narrow the selection");
    });

    it("backs up daily into a vault encrypted with its own KMS key, kept as long as the environment says", () => {
        const vault = one(dev, "aws:backup/vault:Vault");
        assert.strictEqual(vault.inputs.kmsKeyArn, one(dev, "aws:kms/key:Key", "bk-backup").outputs.arn);
        const rule = (one(dev, "aws:backup/plan:Plan").inputs.rules as any[])[0];
        assert.deepStrictEqual([rule.schedule, rule.lifecycle.deleteAfter], ["cron(0 18 * * ? *)", 7]);
        assert.strictEqual((one(prod, "aws:backup/plan:Plan").inputs.rules as any[])[0].lifecycle.deleteAfter, 35);
    });

    it("lets the AWS Backup service role back up and restore", () => {
        const role = one(dev, "aws:iam/role:Role", "bk-backup");
        assert.strictEqual(json(role.inputs.assumeRolePolicy).Statement[0].Principal.Service, "backup.amazonaws.com");
        assert.strictEqual(one(dev, "aws:backup/selection:Selection").inputs.iamRoleArn, role.outputs.arn);
        assert.deepStrictEqual(
            all(dev, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                .filter((a) => a.name.startsWith("bk-backup"))
                .map((a) => a.inputs.policyArn)
                .sort(),
            [
                "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
                "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
            ],
        );
    });

    it("protects and locks the vault in prod; dev's destroy removes it", () => {
        assert.deepStrictEqual([one(prod, "aws:backup/vault:Vault").protect, one(prod, "aws:kms/key:Key", "bk-backup").protect], [true, true]);
        const lock = one(prod, "aws:backup/vaultLockConfiguration:VaultLockConfiguration");
        assert.strictEqual(lock.inputs.minRetentionDays, 35);
        assert.strictEqual(lock.inputs.changeableForDays, undefined, "governance mode: compliance mode could never be undone");
        assert.deepStrictEqual([one(dev, "aws:backup/vault:Vault").protect, one(dev, "aws:backup/vault:Vault").inputs.forceDestroy], [false, true]);
        assert.strictEqual(all(dev, "aws:backup/vaultLockConfiguration:VaultLockConfiguration").length, 0);
    });
});
