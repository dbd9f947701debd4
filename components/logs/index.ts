import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { addonVersionsFor } from "../cluster/addons";
import { ClusterHandle } from "../shared/cluster-handle";
import { partitionOf } from "../shared/partition";
import { irsaRole, OidcIdentity } from "../shared/irsa";

export interface ContainerLogsArgs {
    clusterName: string;
    version: string;
    region: string;
    oidc: OidcIdentity;
    retentionDays: number;
    /** The key the Cluster made for its log groups. */
    logsKeyArn: pulumi.Input<string>;
    /** Its pods need nodes: the add-on stays DEGRADED until they exist. */
    cluster: ClusterHandle;
    tags?: Record<string, string>;
}

/**
 * The service account the add-on's CloudWatch agent and Fluent Bit pods run as (CloudWatch user guide, "Install the
 * CloudWatch agent with the Amazon CloudWatch Observability EKS add-on": IRSA for amazon-cloudwatch/cloudwatch-agent
 * with CloudWatchAgentServerPolicy, passed as the add-on's service account role).
 */
export const CLOUDWATCH_AGENT_SERVICE_ACCOUNT = { namespace: "amazon-cloudwatch", name: "cloudwatch-agent" };

/** The log groups Container Insights writes (application: every container's stdout/stderr). */
export function containerLogGroupNames(clusterName: string): string[] {
    return ["application", "dataplane", "host", "performance"].map((g) => `/aws/containerinsights/${clusterName}/${g}`);
}

/** Container logs on; everything else at the add-on's defaults. */
export function cloudwatchObservabilityConfiguration(): string {
    return JSON.stringify({ containerLogs: { enabled: true } });
}

/**
 * Container logs to CloudWatch through the `amazon-cloudwatch-observability` EKS add-on, with its own IRSA identity.
 * The add-on creates its log groups with no retention when they are missing; they are created here first, with
 * retention and the cluster's logs key, so it writes into them and `destroy` removes them.
 */
export class ContainerLogs extends pulumi.ComponentResource {
    readonly logGroupNames: string[];
    readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: ContainerLogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:logs:ContainerLogs", name, {}, opts);
        const partition = partitionOf(args.region);
        this.logGroupNames = containerLogGroupNames(args.clusterName);
        const groups = this.logGroupNames.map(
            (group) =>
                new aws.cloudwatch.LogGroup(
                    `${name}-${group.split("/").pop()}`,
                    {
                        name: group,
                        retentionInDays: args.retentionDays,
                        kmsKeyId: args.logsKeyArn,
                        tags: args.tags,
                    },
                    { parent: this },
                ),
        );

        const sa = CLOUDWATCH_AGENT_SERVICE_ACCOUNT;
        const role = irsaRole(`${name}-cloudwatch-agent`, args.oidc, sa.namespace, sa.name, this);
        const policy = new aws.iam.RolePolicyAttachment(
            `${name}-cloudwatch-agent`,
            {
                role: role.name,
                policyArn: `arn:${partition}:iam::aws:policy/CloudWatchAgentServerPolicy`,
            },
            { parent: this },
        );
        this.roleArn = role.arn;

        new aws.eks.Addon(
            `${name}-cloudwatch-observability`,
            {
                clusterName: args.clusterName,
                addonName: "amazon-cloudwatch-observability",
                addonVersion: addonVersionsFor(args.version)["amazon-cloudwatch-observability"],
                serviceAccountRoleArn: role.arn,
                configurationValues: cloudwatchObservabilityConfiguration(),
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
                tags: args.tags,
            },
            // Its Services (the operator's webhook) are admitted by the LB controller's webhook, which fails closed while
            // the controller has no endpoint (aws-load-balancer-controller chart webhook.yaml failurePolicy: Fail).
            { parent: this, dependsOn: [...groups, policy, ...args.cluster.ready(["nodes", "webhook"])] },
        );

        this.registerOutputs({ logGroupNames: this.logGroupNames, roleArn: this.roleArn });
    }
}
