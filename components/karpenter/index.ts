import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { durationSeconds, KarpenterCapacityType, PoolName, PoolSettings } from "../../config/karpenter";
import { nodePolicyArns } from "../cluster";
import { partitionOf } from "../shared/partition";
import { ClusterHandle } from "../shared/cluster-handle";
import { PinnedChart } from "../shared/helm";
import { PolicyDocument, PolicyStatement } from "../shared/iam";
import { irsaRole, OidcIdentity } from "../shared/irsa";
import { KARPENTER_DISCOVERY_TAG } from "../network";

/**
 * Karpenter 1.14.1 from its OCI registry (shared/reference/karpenter/versions.yaml): the controller chart and, as its
 * own release, the karpenter-crd chart, so CRDs are upgraded with each chart version (Helm never upgrades a chart's
 * crds/ directory).
 */
export const KARPENTER: PinnedChart & { crdChart: string; namespace: string; releaseName: string; serviceAccount: string } = {
    chart: "karpenter",
    crdChart: "karpenter-crd",
    repo: "oci://public.ecr.aws/karpenter",
    chartVersion: "1.14.1",
    namespace: "kube-system",
    releaseName: "karpenter",
    // charts/karpenter/templates/_helpers.tpl karpenter.serviceAccountName: the fullname, which is the release name
    // when it contains "karpenter".
    serviceAccount: "karpenter",
};

/**
 * The AL2023 EKS-optimized AMI release the nodes boot (awslabs/amazon-eks-ami tag v20260724,
 * shared/reference/eks/versions.yaml). Pinned: with `al2023@latest` every new AMI release drifts every node.
 */
export const AMI_ALIAS = "al2023@v20260724";

/** The node label and taint key naming a node's pool. */
export const POOL_LABEL = "platform/pool";
/** Annotations the cost estimate and the policies read from each NodePool. */
export const EXPECTED_NODES_ANNOTATION = "platform/expected-nodes";
export const SPOT_ALLOWED_ANNOTATION = "platform/spot-allowed";

const NODE_CLASS = "default";

/** Pools whose nodes only tolerating pods may use: ci keeps the app and the platform off its spot nodes. */
const TAINTED_POOLS: readonly PoolName[] = ["ci"];

export interface Toleration {
    key: string;
    operator: "Equal" | "Exists";
    value?: string;
    effect: "NoSchedule" | "NoExecute" | "PreferNoSchedule";
}
export interface Taint {
    key: string;
    value: string;
    effect: "NoSchedule";
}

export function poolTaints(pool: PoolName): Taint[] {
    return TAINTED_POOLS.includes(pool) ? [{ key: POOL_LABEL, value: pool, effect: "NoSchedule" }] : [];
}

export const CAPACITY_TYPE_LABEL = "karpenter.sh/capacity-type";

/**
 * What a pod needs to run on a pool's nodes and nowhere else: the pool's tolerations and a required node affinity;
 * with a capacity type, a nodeSelector on it, which Karpenter honours by launching that type even where the pool
 * allows both (website/content/en/v1.14/concepts/scheduling.md, well-known label karpenter.sh/capacity-type).
 */
export function poolPlacement(
    pool: PoolName,
    capacityType?: KarpenterCapacityType,
): { tolerations: Toleration[]; affinity: Record<string, unknown>; nodeSelector?: Record<string, string> } {
    return {
        ...(capacityType ? { nodeSelector: { [CAPACITY_TYPE_LABEL]: capacityType } } : {}),
        tolerations: poolTaints(pool).map((t) => ({ key: t.key, operator: "Equal", value: t.value, effect: t.effect })),
        affinity: {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [{ matchExpressions: [{ key: POOL_LABEL, operator: "In", values: [pool] }] }],
                },
            },
        },
    };
}

/** A pod annotation Karpenter honours: it never voluntarily disrupts (consolidates, drifts) the node under this pod. */
export const DO_NOT_DISRUPT = { "karpenter.sh/do-not-disrupt": "true" } as const;

/**
 * pulumi-kubernetes waits for a custom resource only when it carries this annotation (provider/pkg/metadata/
 * overrides.go ReadyCondition, `condition=<Type>` as `kubectl wait --for`); without it `up` succeeds as soon as the
 * object is stored. EC2NodeClass and NodePool report a `Ready` root condition (karpenter-provider-aws
 * pkg/apis/v1/ec2nodeclass_status.go, karpenter pkg/apis/v1/nodepool_status.go, v1.14.1: status.NewReadyConditions).
 */
export const WAIT_FOR_READY = { "pulumi.com/waitFor": "condition=Ready" } as const;

/**
 * How long `pulumi destroy` waits for a pool's delete: its drain (terminationGracePeriod) plus the instance's
 * termination. pulumi-kubernetes gives up after 10 minutes by default (provider/pkg/await/await.go Delete).
 */
export const DELETE_MARGIN_MINUTES = 15;
export function deleteTimeout(pools: readonly Pick<PoolSettings, "terminationGracePeriod">[]): string {
    const longest = Math.max(0, ...pools.map((p) => durationSeconds(p.terminationGracePeriod)));
    return `${Math.ceil(longest / 60) + DELETE_MARGIN_MINUTES}m`;
}

const statement = (s: PolicyStatement): PolicyStatement => s;

/**
 * The controller's six managed policies, transcribed from shared/reference/karpenter/cloudformation.yaml
 * (aws/karpenter-provider-aws website/content/en/v1.14/getting-started/getting-started-with-karpenter/cloudformation.yaml
 * @ c88abbba, release-v1.14.1), with the template's ${…} substituted. Keyed by the template's resource names.
 */
export function controllerPolicies(p: {
    partition: string;
    region: string;
    accountId: string;
    clusterName: string;
    nodeRoleArn: string;
    queueArn: string;
}): Record<string, PolicyDocument> {
    const { partition, region, accountId, clusterName } = p;
    const ec2 = (resource: string) => `arn:${partition}:ec2:${region}:*:${resource}`;
    const owned = { [`aws:ResourceTag/kubernetes.io/cluster/${clusterName}`]: "owned" };
    const requestOwned = { [`aws:RequestTag/kubernetes.io/cluster/${clusterName}`]: "owned", "aws:RequestTag/eks:eks-cluster-name": clusterName };
    const taggedByKarpenter = ["fleet/*", "instance/*", "volume/*", "network-interface/*", "launch-template/*", "spot-instances-request/*"].map(ec2);
    const profile = `arn:${partition}:iam::${accountId}:instance-profile/*`;
    const clusterArn = `arn:${partition}:eks:${region}:${accountId}:cluster/${clusterName}`;
    const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });
    return {
        NodeLifecyclePolicy: doc(
            statement({
                Sid: "AllowScopedEC2InstanceAccessActions",
                Effect: "Allow",
                Resource: [
                    `arn:${partition}:ec2:${region}::image/*`,
                    `arn:${partition}:ec2:${region}::snapshot/*`,
                    ...["security-group/*", "subnet/*", "capacity-reservation/*", "placement-group/*"].map(ec2),
                ],
                Action: ["ec2:RunInstances", "ec2:CreateFleet"],
            }),
            statement({
                Sid: "AllowScopedEC2LaunchTemplateAccessActions",
                Effect: "Allow",
                Resource: ec2("launch-template/*"),
                Action: ["ec2:RunInstances", "ec2:CreateFleet"],
                Condition: { StringEquals: owned, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
            }),
            statement({
                Sid: "AllowScopedEC2InstanceActionsWithTags",
                Effect: "Allow",
                Resource: taggedByKarpenter,
                Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
                Condition: { StringEquals: requestOwned, StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" } },
            }),
            statement({
                Sid: "AllowScopedResourceCreationTagging",
                Effect: "Allow",
                Resource: taggedByKarpenter,
                Action: "ec2:CreateTags",
                Condition: {
                    StringEquals: { ...requestOwned, "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] },
                    StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
                },
            }),
            statement({
                Sid: "AllowScopedResourceTagging",
                Effect: "Allow",
                Resource: ec2("instance/*"),
                Action: "ec2:CreateTags",
                Condition: {
                    StringEquals: owned,
                    StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
                    StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": clusterName },
                    "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
                },
            }),
            statement({
                Sid: "AllowScopedDeletion",
                Effect: "Allow",
                Resource: [ec2("instance/*"), ec2("launch-template/*")],
                Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
                Condition: { StringEquals: owned, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
            }),
        ),
        IAMIntegrationPolicy: doc(
            statement({
                Sid: "AllowPassingInstanceRole",
                Effect: "Allow",
                Resource: p.nodeRoleArn,
                Action: "iam:PassRole",
                Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
            }),
            statement({
                Sid: "AllowScopedInstanceProfileCreationActions",
                Effect: "Allow",
                Resource: profile,
                Action: ["iam:CreateInstanceProfile"],
                Condition: {
                    StringEquals: { ...requestOwned, "aws:RequestTag/topology.kubernetes.io/region": region },
                    StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
                },
            }),
            statement({
                Sid: "AllowScopedInstanceProfileTagActions",
                Effect: "Allow",
                Resource: profile,
                Action: ["iam:TagInstanceProfile"],
                Condition: {
                    StringEquals: {
                        ...owned,
                        "aws:ResourceTag/topology.kubernetes.io/region": region,
                        ...requestOwned,
                        "aws:RequestTag/topology.kubernetes.io/region": region,
                    },
                    StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
                },
            }),
            statement({
                Sid: "AllowScopedInstanceProfileActions",
                Effect: "Allow",
                Resource: profile,
                Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
                Condition: {
                    StringEquals: { ...owned, "aws:ResourceTag/topology.kubernetes.io/region": region },
                    StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" },
                },
            }),
        ),
        EKSIntegrationPolicy: doc(statement({ Sid: "AllowAPIServerEndpointDiscovery", Effect: "Allow", Resource: clusterArn, Action: "eks:DescribeCluster" })),
        InterruptionPolicy: doc(
            statement({
                Sid: "AllowInterruptionQueueActions",
                Effect: "Allow",
                Resource: p.queueArn,
                Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            }),
        ),
        ZonalShiftPolicy: doc(
            statement({
                Sid: "AllowZonalShiftStatusReadOnly",
                Effect: "Allow",
                Resource: "*",
                Action: ["arc-zonal-shift:GetManagedResource"],
                Condition: { StringEquals: { "arc-zonal-shift:ResourceIdentifier": clusterArn } },
            }),
        ),
        ResourceDiscoveryPolicy: doc(
            statement({
                Sid: "AllowRegionalReadActions",
                Effect: "Allow",
                Resource: "*",
                Action: [
                    "ec2:DescribeCapacityReservations",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceStatus",
                    "ec2:DescribeInstanceTypeOfferings",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplates",
                    "ec2:DescribePlacementGroups",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSpotPriceHistory",
                    "ec2:DescribeSubnets",
                ],
                Condition: { StringEquals: { "aws:RequestedRegion": region } },
            }),
            statement({
                Sid: "AllowSSMReadActions",
                Effect: "Allow",
                Resource: `arn:${partition}:ssm:${region}::parameter/aws/service/*`,
                Action: "ssm:GetParameter",
            }),
            statement({ Sid: "AllowPricingReadActions", Effect: "Allow", Resource: "*", Action: "pricing:GetProducts" }),
            statement({ Sid: "AllowUnscopedInstanceProfileListAction", Effect: "Allow", Resource: "*", Action: "iam:ListInstanceProfiles" }),
            statement({ Sid: "AllowInstanceProfileReadActions", Effect: "Allow", Resource: profile, Action: "iam:GetInstanceProfile" }),
        ),
    };
}

/**
 * The EventBridge rules that feed the interruption queue, as cloudformation.yaml defines them (ScheduledChangeRule,
 * SpotInterruptionRule, RebalanceRule, InstanceStateChangeRule, CapacityReservationInterruptionRule).
 */
export const INTERRUPTION_RULES: Readonly<Record<string, { source: string[]; "detail-type": string[] }>> = {
    ScheduledChangeRule: { source: ["aws.health"], "detail-type": ["AWS Health Event"] },
    SpotInterruptionRule: { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
    RebalanceRule: { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
    InstanceStateChangeRule: { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
    CapacityReservationInterruptionRule: { source: ["aws.ec2"], "detail-type": ["EC2 Capacity Reservation Instance Interruption Warning"] },
};

/** cloudformation.yaml KarpenterInterruptionQueuePolicy: EventBridge and SQS may send; nothing over plain HTTP. */
export function interruptionQueuePolicy(queueArn: string): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Id: "EC2InterruptionPolicy",
        Statement: [
            { Effect: "Allow", Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] }, Action: "sqs:SendMessage", Resource: queueArn },
            { Sid: "DenyHTTP", Effect: "Deny", Action: "sqs:*", Resource: queueArn, Condition: { Bool: { "aws:SecureTransport": false } }, Principal: "*" },
        ],
    };
}

/** The chart's values (charts/karpenter/values.yaml and templates/deployment.yaml at v1.14.1). */
export function karpenterValues(a: { clusterName: string; queueName: string; roleArn: string }): Record<string, unknown> {
    return {
        serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": a.roleArn } },
        settings: { clusterName: a.clusterName, interruptionQueue: a.queueName },
        // The getting-started install sets 1 CPU / 1Gi; requests at half a CPU leave the small system group room
        // for CoreDNS and the LB controller. Memory is a limit too: an OOM kill beats starving the node.
        controller: { resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "1Gi" } } },
        // The chart's own affinity already keeps the controller off Karpenter nodes (karpenter.sh/nodepool
        // DoesNotExist): it must never run on a node it could consolidate away.
    };
}

/** The EC2NodeClass every pool launches from. */
export function nodeClassSpec(a: { clusterName: string; nodeRoleName: string; diskSizeGiB: number; tags: Record<string, string> }): Record<string, unknown> {
    const discovery = [{ tags: { [KARPENTER_DISCOVERY_TAG]: a.clusterName } }];
    return {
        role: a.nodeRoleName,
        amiSelectorTerms: [{ alias: AMI_ALIAS }],
        subnetSelectorTerms: discovery,
        securityGroupSelectorTerms: discovery,
        // Hop limit 1: a pod cannot reach the node's credentials; pods get their own through IRSA.
        metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
        blockDeviceMappings: [
            {
                deviceName: "/dev/xvda",
                ebs: { volumeSize: `${a.diskSizeGiB}Gi`, volumeType: "gp3", encrypted: true, deleteOnTermination: true },
            },
        ],
        // Instances, volumes and launch templates carry the stack's tags, so a leftover after a destroy is found.
        tags: a.tags,
    };
}

/** A NodePool's metadata and spec, from its settings. */
export function nodePool(pool: PoolSettings): { metadata: Record<string, unknown>; spec: Record<string, unknown> } {
    return {
        metadata: {
            name: pool.name,
            annotations: { [EXPECTED_NODES_ANNOTATION]: String(pool.expectedNodes), [SPOT_ALLOWED_ANNOTATION]: String(pool.spot), ...WAIT_FOR_READY },
        },
        spec: {
            template: {
                metadata: { labels: { [POOL_LABEL]: pool.name } },
                spec: {
                    nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: NODE_CLASS },
                    requirements: [
                        { key: "node.kubernetes.io/instance-type", operator: "In", values: [...pool.instanceTypes] },
                        { key: "karpenter.sh/capacity-type", operator: "In", values: [...pool.capacityTypes] },
                    ],
                    taints: poolTaints(pool.name),
                    expireAfter: pool.expireAfter,
                    // Bounds the drain of a deleted or expired node: do-not-disrupt agents and the app's PDB would
                    // otherwise hold it, and a destroy with it, forever.
                    terminationGracePeriod: pool.terminationGracePeriod,
                },
            },
            limits: { cpu: String(pool.cpuLimit), memory: `${pool.memoryLimitGi}Gi` },
            disruption: {
                consolidationPolicy: "WhenEmptyOrUnderutilized",
                consolidateAfter: pool.consolidateAfter,
                budgets: [{ nodes: pool.disruptionBudget }],
            },
        },
    };
}

export interface KarpenterArgs {
    /** The cluster's name, as the node class's discovery tag and the controller's settings know it. */
    clusterName: string;
    region: string;
    oidc: OidcIdentity;
    /** The cluster with the LB controller's webhook ready: the controller's chart makes a Service it must admit. */
    cluster: ClusterHandle;
    pools: readonly PoolSettings[];
    diskSizeGiB: number;
    /** Tags Karpenter puts on what it launches (provider default tags do not reach them). */
    tags: Record<string, string>;
}

/**
 * Karpenter: node role and its access entry, interruption queue and rules, the controller with its IRSA role, the
 * node class and the pools. The pools depend on everything else, so a destroy deletes them first, while the
 * controller still runs to drain and terminate their nodes.
 */
export class Karpenter extends pulumi.ComponentResource {
    readonly nodeRoleArn: pulumi.Output<string>;
    readonly queueName: pulumi.Output<string>;
    /** The pools: workloads placed on them wait for these. */
    readonly poolsReady: pulumi.Resource[];
    /** The cluster with the pools ready: what runs on them is made from this handle (`needs: ["pools"]`). */
    readonly cluster: ClusterHandle;

    constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:karpenter:Karpenter", name, {}, opts);
        const partition = partitionOf(args.region);

        // Its own role, not the system group's: EKS already made that role's access entry, and a second one for the
        // same principal fails (CreateAccessEntry: ResourceInUseException).
        const nodeRole = new aws.iam.Role(
            `${name}-karpenter-node`,
            {
                description: `Nodes Karpenter launches in ${args.clusterName}`,
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
            },
            { parent: this },
        );
        const nodePolicies = nodePolicyArns(partition).map(
            (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-karpenter-node-${i}`, { role: nodeRole.name, policyArn }, { parent: this }),
        );
        const accessEntry = new aws.eks.AccessEntry(
            `${name}-karpenter-node`,
            {
                clusterName: args.clusterName,
                principalArn: nodeRole.arn,
                type: "EC2_LINUX",
            },
            { parent: this, dependsOn: args.cluster.ready(["nodes"]) },
        );

        const queue = new aws.sqs.Queue(
            `${name}-karpenter`,
            {
                name: args.clusterName,
                messageRetentionSeconds: 300,
                sqsManagedSseEnabled: true,
            },
            { parent: this },
        );
        const queuePolicy = new aws.sqs.QueuePolicy(
            `${name}-karpenter`,
            {
                queueUrl: queue.url,
                policy: queue.arn.apply((arn) => JSON.stringify(interruptionQueuePolicy(arn))),
            },
            { parent: this },
        );
        const targets = Object.entries(INTERRUPTION_RULES).map(([rule, eventPattern]) => {
            const r = new aws.cloudwatch.EventRule(
                `${name}-karpenter-${rule}`,
                {
                    description: `Karpenter interruption events for ${args.clusterName}`,
                    eventPattern: JSON.stringify(eventPattern),
                },
                { parent: this },
            );
            return new aws.cloudwatch.EventTarget(
                `${name}-karpenter-${rule}`,
                { rule: r.name, arn: queue.arn, targetId: "KarpenterInterruptionQueueTarget" },
                { parent: this },
            );
        });

        const controllerRole = irsaRole(`${name}-karpenter`, args.oidc, KARPENTER.namespace, KARPENTER.serviceAccount, this);
        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const documents = pulumi
            .all([accountId, nodeRole.arn, queue.arn])
            .apply(([account, nodeRoleArn, queueArn]) =>
                controllerPolicies({ partition, region: args.region, accountId: account, clusterName: args.clusterName, nodeRoleArn, queueArn }),
            );
        const controllerPolicyAttachments = [
            "NodeLifecyclePolicy",
            "IAMIntegrationPolicy",
            "EKSIntegrationPolicy",
            "InterruptionPolicy",
            "ZonalShiftPolicy",
            "ResourceDiscoveryPolicy",
        ].map((key) => {
            const policy = new aws.iam.Policy(
                `${name}-karpenter-${key}`,
                {
                    description: `Karpenter controller of ${args.clusterName}: ${key}`,
                    policy: documents.apply((d) => JSON.stringify(d[key])),
                },
                { parent: this },
            );
            return new aws.iam.RolePolicyAttachment(`${name}-karpenter-${key}`, { role: controllerRole.name, policyArn: policy.arn }, { parent: this });
        });

        const crds = args.cluster.release(
            `${name}-karpenter-crd`,
            { ...KARPENTER, chart: KARPENTER.crdChart },
            {
                releaseName: "karpenter-crd",
                namespace: KARPENTER.namespace,
                values: {},
            },
            { parent: this },
        );
        const controller = args.cluster.release(
            `${name}-karpenter`,
            KARPENTER,
            {
                releaseName: KARPENTER.releaseName,
                namespace: KARPENTER.namespace,
                // The CRDs are the karpenter-crd release's.
                skipCrds: true,
                values: controllerRole.arn.apply((roleArn) => karpenterValues({ clusterName: args.clusterName, queueName: args.clusterName, roleArn })),
            },
            { parent: this, needs: ["webhook"], dependsOn: [crds, accessEntry, queuePolicy, ...targets, ...nodePolicies, ...controllerPolicyAttachments] },
        );

        // Custom resources wait for the release that defines their kinds (a create before it fails "no matches for
        // kind") and for the controller, so a destroy deletes them while the controller still finalizes them.
        const karpenter = args.cluster.with("karpenter", [crds, controller]);
        const nodeClass = karpenter.object(
            k8s.apiextensions.CustomResource,
            `${name}-nodeclass`,
            {
                apiVersion: "karpenter.k8s.aws/v1",
                kind: "EC2NodeClass",
                metadata: { name: NODE_CLASS, annotations: { ...WAIT_FOR_READY } },
                spec: nodeRole.name.apply((nodeRoleName) =>
                    nodeClassSpec({ clusterName: args.clusterName, nodeRoleName, diskSizeGiB: args.diskSizeGiB, tags: args.tags }),
                ),
            },
            {
                parent: this,
                // Its finalizer waits for every NodeClaim of every pool to drain and terminate.
                customTimeouts: { delete: deleteTimeout(args.pools) },
            },
        );
        this.poolsReady = args.pools.map((pool) => {
            const { metadata, spec } = nodePool(pool);
            return karpenter.object(
                k8s.apiextensions.CustomResource,
                `${name}-pool-${pool.name}`,
                {
                    apiVersion: "karpenter.sh/v1",
                    kind: "NodePool",
                    metadata,
                    spec,
                },
                { parent: this, dependsOn: [nodeClass], customTimeouts: { delete: deleteTimeout([pool]) } },
            );
        });
        this.cluster = karpenter.with("pools", this.poolsReady);

        this.nodeRoleArn = nodeRole.arn;
        this.queueName = queue.name;
        this.registerOutputs({ nodeRoleArn: this.nodeRoleArn, queueName: this.queueName });
    }
}
