import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_VOLUME_TAG } from "../cluster";
import { serviceTrustPolicy } from "../shared/iam";
import { partitionOf } from "../shared/partition";

export interface BackupArgs {
    /** The cluster whose CSI-created volumes are backed up: the value of CLUSTER_VOLUME_TAG on each. */
    clusterName: string;
    region: string;
    retentionDays: number;
    /** prod: the vault and its key are protected and the vault is locked (governance mode). */
    protect: boolean;
    tags?: Record<string, string>;
}

/**
 * What the plan selects: every volume carrying the tag the EBS CSI driver puts on each volume it creates
 * (components/cluster/index.ts ebsCsiConfiguration: controller.extraVolumeTags). jenkins_home, Prometheus, Alertmanager
 * and Grafana are all PVCs of the default gp3 class, so all of them carry it; node root volumes do not.
 */
export function volumeSelectionTag(clusterName: string): { type: "STRINGEQUALS"; key: string; value: string } {
    return { type: "STRINGEQUALS", key: CLUSTER_VOLUME_TAG, value: clusterName };
}

/** A daily AWS Backup rule at 18:00 UTC (03:00 in ap-northeast-2), kept `retentionDays`. */
export function dailyRule(vaultName: pulumi.Input<string>, retentionDays: number): aws.types.input.backup.PlanRule {
    return {
        ruleName: "daily",
        targetVaultName: vaultName,
        schedule: "cron(0 18 * * ? *)",
        startWindow: 60,
        completionWindow: 360,
        lifecycle: { deleteAfter: retentionDays },
    };
}

/**
 * AWS Backup of the platform's persistent volumes: a KMS-encrypted vault, a daily plan with per-environment
 * retention, and a selection by the CSI driver's volume tag. Chosen over Velero: no in-cluster component, no
 * bucket or extra IAM to run, and the recovery point is an EBS snapshot that a PV can be bound to directly.
 */
export class Backup extends pulumi.ComponentResource {
    readonly vaultName: pulumi.Output<string>;
    readonly planId: pulumi.Output<string>;

    constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:backup:Backup", name, {}, opts);
        const partition = partitionOf(args.region);
        const protect = { protect: args.protect };

        const key = new aws.kms.Key(
            `${name}-backup`,
            {
                description: `AWS Backup vault of ${args.clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: args.protect ? 30 : 7,
                tags: args.tags,
            },
            { parent: this, ...protect },
        );
        const vault = new aws.backup.Vault(
            `${name}-backup`,
            {
                name: `${args.clusterName}-volumes`,
                kmsKeyArn: key.arn,
                // dev: `destroy` removes the recovery points with the vault; prod keeps them (protect and lock).
                forceDestroy: !args.protect,
                tags: args.tags,
            },
            { parent: this, ...protect },
        );
        if (args.protect) {
            // Governance mode (no changeableForDays): recovery points cannot be deleted before their retention
            // ends except by a principal allowed backup:DeleteBackupVaultLockConfiguration.
            new aws.backup.VaultLockConfiguration(
                `${name}-backup`,
                {
                    backupVaultName: vault.name,
                    minRetentionDays: args.retentionDays,
                    maxRetentionDays: Math.max(args.retentionDays, 365),
                },
                { parent: this },
            );
        }

        const plan = new aws.backup.Plan(
            `${name}-volumes`,
            {
                name: `${args.clusterName}-volumes`,
                rules: [dailyRule(vault.name, args.retentionDays)],
                tags: args.tags,
            },
            { parent: this },
        );

        const role = new aws.iam.Role(
            `${name}-backup`,
            {
                description: `AWS Backup of ${args.clusterName}'s volumes`,
                assumeRolePolicy: serviceTrustPolicy("backup.amazonaws.com"),
                tags: args.tags,
            },
            { parent: this },
        );
        const policies = ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"].map(
            (p, i) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-backup-${i}`,
                    { role: role.name, policyArn: `arn:${partition}:iam::aws:policy/service-role/${p}` },
                    { parent: this },
                ),
        );

        new aws.backup.Selection(
            `${name}-volumes`,
            {
                name: `${args.clusterName}-volumes`,
                planId: plan.id,
                iamRoleArn: role.arn,
                selectionTags: [volumeSelectionTag(args.clusterName)],
            },
            { parent: this, dependsOn: policies },
        );

        this.vaultName = vault.name;
        this.planId = plan.id;
        this.registerOutputs({ vaultName: this.vaultName, planId: this.planId });
    }
}
