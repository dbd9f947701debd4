import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NodeGroupSettings } from "../../config";
import { addonVersionsFor, METRICS_SERVER } from "./addons";
import { ClusterHandle } from "../shared/cluster-handle";
import { serviceTrustPolicy } from "../shared/iam";
import { irsaRole, OidcIdentity } from "../shared/irsa";
import { partitionOf } from "../shared/partition";
import { KARPENTER_DISCOVERY_TAG } from "../network";

export interface ClusterArgs {
    name: string;
    version: string;
    region: string;
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    nodeGroup: NodeGroupSettings;
    publicAccessCidrs: readonly string[];
    adminPrincipalArns: readonly string[];
    logTypes: readonly string[];
    /** Days CloudWatch keeps the control-plane log group. */
    logRetentionDays: number;
    /** prod: keep the KMS key and volumes when something is deleted by mistake. */
    retainData: boolean;
    /** Tags the EBS CSI driver puts on every volume it creates (provider default tags do not reach them). */
    volumeTags: Record<string, string>;
    tags?: Record<string, string>;
}

export const EBS_CSI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "ebs-csi-controller-sa" };
export const DEFAULT_STORAGE_CLASS = "gp3";
/** The tag naming the cluster on every volume its CSI driver creates. */
export const CLUSTER_VOLUME_TAG = "platform/cluster";

/**
 * Managed policies a worker node needs to join the cluster, pull from ECR and be reachable by SSM. Not
 * AmazonEKS_CNI_Policy: the VPC CNI gets it through its own service account, so no pod can borrow it from the node.
 */
export function nodePolicyArns(partition: string): string[] {
    return ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"].map(
        (p) => `arn:${partition}:iam::aws:policy/${p}`,
    );
}

/** The log group EKS writes control-plane logs to; it uses an existing one of this name instead of creating its own. */
export function controlPlaneLogGroupName(clusterName: string): string {
    return `/aws/eks/${clusterName}/cluster`;
}

/**
 * A key policy that lets CloudWatch Logs use the key only for the named log groups (CloudWatch Logs user guide,
 * "Encrypt log data in CloudWatch Logs using AWS KMS": principal logs.<region>.amazonaws.com and an ArnLike condition
 * on kms:EncryptionContext:aws:logs:arn), plus the account's root so IAM policies keep working.
 */
export function logsKeyPolicy(partition: string, region: string, accountId: string, logGroupArnPatterns: string[]): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "AccountAdmin", Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" },
            {
                Sid: "CloudWatchLogs",
                Effect: "Allow",
                Principal: { Service: `logs.${region}.amazonaws.com` },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resource: "*",
                Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": logGroupArnPatterns } },
            },
        ],
    });
}

export const VPC_CNI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "aws-node" };

/**
 * pulumi-eks v4.3.0 hard-codes bootstrapClusterCreatorAdminPermissions: true (nodejs/eks/cluster/cluster.ts,
 * pulumi/pulumi-eks#2373): EKS would give whoever runs the first `up` a cluster-admin entry outside Pulumi state,
 * and an entry of ours for the same principal would then fail with ResourceInUseException. This transform turns it
 * off on the component's aws:eks cluster, so every admin is an access entry from config, in state. pulumi-eks
 * ignores later changes to the field, so it never replaces an existing cluster.
 */
export const noBootstrapCreatorAdmin: pulumi.ResourceTransform = (args) => {
    if (args.type !== "aws:eks/cluster:Cluster") return undefined;
    const accessConfig = { ...((args.props.accessConfig as object | undefined) ?? {}), bootstrapClusterCreatorAdminPermissions: false };
    return { props: { ...args.props, accessConfig }, opts: args.opts };
};

/**
 * Why the principal running `pulumi up` could not administer the cluster, or undefined when it can. With the
 * bootstrap creator entry off, the access entries for `admins` are the only way in, and the program's own Kubernetes
 * provider authenticates as the deployer: without an entry every chart and object would fail Unauthorized after the
 * cluster and nodes exist. `issuerArn` is the IAM role or user behind the caller's session (iam:GetSessionContext).
 */
export function deployerProblem(issuerArn: string, admins: readonly string[]): string | undefined {
    if (admins.includes(issuerArn)) return undefined;
    return (
        `you are deploying as ${issuerArn}, which is not in cluster:adminPrincipalArns (${admins.join(", ") || "empty"}): ` +
        "the cluster's only admins are those access entries, so every Kubernetes resource would fail Unauthorized. " +
        "Add it there, or run pulumi up as one of them"
    );
}

/**
 * The managed node group runs only the system pods; everything else runs on Karpenter's nodes. CriticalAddonsOnly is
 * the key the system charts already tolerate by default (Karpenter chart values.yaml `tolerations`, the CoreDNS
 * add-on's Deployment, the EBS CSI chart's controller.tolerations), so the taint alone moves nothing of theirs.
 */
export const SYSTEM_TAINT = { key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule" } as const;
export const SYSTEM_LABEL = { key: "platform/node-role", value: "system" } as const;

/** What a system pod carries to run on the system nodes and nowhere else (a chart's nodeSelector and tolerations). */
export function systemPlacement(): { nodeSelector: Record<string, string>; tolerations: { key: string; operator: "Exists"; effect: string }[] } {
    return {
        nodeSelector: { [SYSTEM_LABEL.key]: SYSTEM_LABEL.value },
        tolerations: [{ key: SYSTEM_TAINT.key, operator: "Exists", effect: SYSTEM_TAINT.effect }],
    };
}

/**
 * The CoreDNS add-on's settings: its default affinity (eksctl-io/eksctl pkg/addons/default/assets/coredns-1.35.json,
 * written from the EKS add-on: linux, amd64|arm64, one replica per host preferred) with the system label required.
 * Its schema takes `affinity` whole, replacing the default, so the default's terms are repeated; its default
 * tolerations (CriticalAddonsOnly Exists) already tolerate the system taint.
 */
export function corednsConfiguration(): string {
    return JSON.stringify({
        affinity: {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                        {
                            matchExpressions: [
                                { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                                { key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] },
                                { key: SYSTEM_LABEL.key, operator: "In", values: [SYSTEM_LABEL.value] },
                            ],
                        },
                    ],
                },
            },
            podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                    {
                        weight: 100,
                        podAffinityTerm: {
                            labelSelector: { matchExpressions: [{ key: "k8s-app", operator: "In", values: ["kube-dns"] }] },
                            topologyKey: "kubernetes.io/hostname",
                        },
                    },
                ],
            },
        },
    });
}

/** The VPC CNI's add-on settings: the network policy agent on, so NetworkPolicies are enforced. */
export function vpcCniConfiguration(): string {
    return JSON.stringify({ enableNetworkPolicy: "true" });
}

/**
 * The EBS CSI driver tags every volume it creates, so leftovers after a destroy are found and costed. Its controller
 * stays on the system nodes (its default controller.tolerations, CriticalAddonsOnly Exists, tolerate their taint:
 * kubernetes-sigs/aws-ebs-csi-driver charts/aws-ebs-csi-driver/values.yaml); its node DaemonSet has
 * node.tolerateAllTaints: true, so it still runs on every node.
 */
export function ebsCsiConfiguration(volumeTags: Record<string, string>): string {
    return JSON.stringify({ controller: { extraVolumeTags: volumeTags, nodeSelector: systemPlacement().nodeSelector } });
}

/** Graviton families (m7g, c6gn, t4g …) need the ARM AMI; a node group cannot mix architectures. */
export function amiTypeFor(instanceTypes: readonly string[]): "AL2023_x86_64_STANDARD" | "AL2023_ARM_64_STANDARD" {
    const isArm = (t: string) => /^[a-z]+\d+[a-z]*g[a-z]*\./.test(t);
    const arm = instanceTypes.filter(isArm).length;
    if (arm > 0 && arm < instanceTypes.length) {
        throw new Error(`node group mixes ARM and x86 instance types: ${instanceTypes.join(", ")}`);
    }
    return arm > 0 ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}

/** Cluster-admin access entries for the principals named in config (API authentication mode has no aws-auth ConfigMap). */
export function adminAccessEntries(principalArns: readonly string[], partition: string): Record<string, eks.types.input.AccessEntryArgs> {
    const entries: Record<string, eks.types.input.AccessEntryArgs> = {};
    principalArns.forEach((principalArn, i) => {
        entries[`admin-${i}`] = {
            principalArn,
            type: eks.AccessEntryType.Standard,
            accessPolicies: {
                clusterAdmin: {
                    policyArn: `arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
                    accessScope: { type: "cluster" },
                },
            },
        };
    });
    return entries;
}

/**
 * EKS with API authentication, KMS-encrypted secrets and a private endpoint; one managed AL2023 node group in the
 * private subnets; OIDC for IRSA; the EBS CSI driver and a default encrypted gp3 StorageClass; and the single
 * Kubernetes provider every later component must use.
 */
export class Cluster extends pulumi.ComponentResource {
    readonly clusterName: pulumi.Output<string>;
    readonly oidc: OidcIdentity;
    readonly oidcProviderArn: pulumi.Output<string>;
    readonly oidcIssuerUrl: pulumi.Output<string>;
    readonly nodeSecurityGroupId: pulumi.Output<string>;
    readonly clusterSecurityGroupId: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    readonly storageClassName: pulumi.Output<string>;
    /** The provider and what is ready on the cluster (nodes, DNS, metrics, storage): every later component's way in. */
    readonly handle: ClusterHandle;
    readonly nodeRoleArn: pulumi.Output<string>;
    /** Encrypts the cluster's log groups (control plane and containers). */
    readonly logsKey: aws.kms.Key;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:Cluster", name, {}, opts);
        const partition = partitionOf(args.region);
        const retain = { protect: args.retainData };

        const secretsKey = new aws.kms.Key(
            `${name}-secrets`,
            {
                description: `Envelope encryption of Kubernetes secrets in ${args.name}`,
                enableKeyRotation: true,
                deletionWindowInDays: args.retainData ? 30 : 7,
                tags: args.tags,
            },
            { parent: this, ...retain },
        );
        new aws.kms.Alias(`${name}-secrets`, { name: `alias/${args.name}-secrets`, targetKeyId: secretsKey.keyId }, { parent: this });

        const nodeRole = new aws.iam.Role(
            `${name}-node`,
            {
                description: `Worker nodes of ${args.name}`,
                assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com"),
                tags: args.tags,
            },
            { parent: this },
        );
        const nodePolicies = nodePolicyArns(partition).map(
            (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-node-${i}`, { role: nodeRole.name, policyArn }, { parent: this }),
        );

        // Created before the cluster, so EKS writes into it instead of creating one with no retention that
        // `destroy` would leave behind. The key is shared with the container log groups (ContainerLogs).
        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const logGroupArn = (group: string) => pulumi.interpolate`arn:${partition}:logs:${args.region}:${accountId}:log-group:${group}`;
        this.logsKey = new aws.kms.Key(
            `${name}-logs`,
            {
                description: `CloudWatch Logs of ${args.name}`,
                enableKeyRotation: true,
                deletionWindowInDays: args.retainData ? 30 : 7,
                policy: pulumi
                    .all([accountId, logGroupArn(`/aws/eks/${args.name}/*`), logGroupArn(`/aws/containerinsights/${args.name}/*`)])
                    .apply(([account, ...groups]) => logsKeyPolicy(partition, args.region, account, groups)),
                tags: args.tags,
            },
            { parent: this, ...retain },
        );
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-control-plane`,
            {
                name: controlPlaneLogGroupName(args.name),
                retentionInDays: args.logRetentionDays,
                kmsKeyId: this.logsKey.arn,
                tags: args.tags,
            },
            { parent: this },
        );

        const versions = addonVersionsFor(args.version);
        // Checked before the cluster is created (its name waits on it), so a deployer who could not administer the
        // cluster fails the preview, not an hour into the first `up`.
        const caller = aws.getCallerIdentityOutput({}, { parent: this });
        const deployer = aws.iam.getSessionContextOutput({ arn: caller.arn }, { parent: this });
        const clusterName = deployer.issuerArn.apply((issuerArn) => {
            const problem = deployerProblem(issuerArn, args.adminPrincipalArns);
            if (problem) throw new Error(problem);
            return args.name;
        });
        const cluster = new eks.Cluster(
            `${name}-eks`,
            {
                name: clusterName,
                version: args.version,
                vpcId: args.vpcId,
                // Control-plane ENIs and nodes both live in the private subnets; nothing here gets a public IP.
                privateSubnetIds: args.privateSubnetIds,
                nodeAssociatePublicIpAddress: false,
                skipDefaultNodeGroup: true,
                // API mode: EKS creates the managed node group's access entry itself; instanceRoles is refused here.
                authenticationMode: eks.AuthenticationMode.Api,
                accessEntries: adminAccessEntries(args.adminPrincipalArns, partition),
                encryptionConfigKeyArn: secretsKey.arn,
                createOidcProvider: true,
                endpointPrivateAccess: true,
                endpointPublicAccess: args.publicAccessCidrs.length > 0,
                publicAccessCidrs: args.publicAccessCidrs.length > 0 ? [...args.publicAccessCidrs] : undefined,
                enabledClusterLogTypes: [...args.logTypes],
                // Created below, after the nodes exist and with an identity of its own; inside the component it would
                // wait for nodes that wait for the component.
                corednsAddonOptions: { enabled: false },
                useDefaultVpcCni: true,
                kubeProxyAddonOptions: { enabled: true, version: versions["kube-proxy"] },
                // STANDARD: at the end of standard support EKS upgrades the control plane to the next minor on its own
                // (instead of moving it to extended support at about six times the price). That upgrade skips our add-on
                // pins and node group, so the versions preflight fails 30 days before the date: upgrade first, as planned.
                upgradePolicy: { supportType: "STANDARD" },
                deletionProtection: args.retainData,
                tags: args.tags,
            },
            { parent: this, dependsOn: [...nodePolicies, logGroup], transforms: [noBootstrapCreatorAdmin] },
        );

        this.clusterName = cluster.eksCluster.apply((c) => c.name);
        this.oidcProviderArn = cluster.oidcProviderArn;
        this.oidcIssuerUrl = cluster.oidcProviderUrl;
        this.oidc = { providerArn: this.oidcProviderArn, issuerUrl: this.oidcIssuerUrl };
        this.nodeSecurityGroupId = cluster.nodeSecurityGroupId;
        this.clusterSecurityGroupId = cluster.clusterSecurityGroupId;
        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.nodeRoleArn = nodeRole.arn;
        // The security group EKS made for the cluster, which the managed nodes get (a launch template without
        // security groups): Karpenter's nodes join it too, so nodes of both kinds reach each other and the API.
        new aws.ec2.Tag(
            `${name}-karpenter-discovery`,
            {
                resourceId: cluster.eksCluster.apply((c) => c.vpcConfig.clusterSecurityGroupId),
                key: KARPENTER_DISCOVERY_TAG,
                value: args.name,
            },
            { parent: this },
        );

        const addon = (addonName: keyof typeof versions, extra: Partial<aws.eks.AddonArgs>, dependsOn: pulumi.Resource[]) =>
            new aws.eks.Addon(
                `${name}-${addonName === "aws-ebs-csi-driver" ? "ebs-csi" : addonName}`,
                {
                    clusterName: this.clusterName,
                    addonName,
                    addonVersion: versions[addonName],
                    resolveConflictsOnCreate: "OVERWRITE",
                    resolveConflictsOnUpdate: "OVERWRITE",
                    tags: args.tags,
                    ...extra,
                },
                { parent: this, dependsOn },
            );

        // The CNI assigns pod IPs, so it must be running with its own identity before any node joins.
        const cniRole = irsaRole(`${name}-vpc-cni`, this.oidc, VPC_CNI_SERVICE_ACCOUNT.namespace, VPC_CNI_SERVICE_ACCOUNT.name, this);
        const cniPolicy = new aws.iam.RolePolicyAttachment(
            `${name}-vpc-cni`,
            {
                role: cniRole.name,
                policyArn: `arn:${partition}:iam::aws:policy/AmazonEKS_CNI_Policy`,
            },
            { parent: this },
        );
        const vpcCni = addon("vpc-cni", { serviceAccountRoleArn: cniRole.arn, configurationValues: vpcCniConfiguration() }, [cniPolicy]);

        const ng = args.nodeGroup;
        const launchTemplate = new aws.ec2.LaunchTemplate(
            `${name}-nodes`,
            {
                description: `Worker nodes of ${args.name}: IMDSv2 only, encrypted gp3 root volume`,
                metadataOptions: {
                    httpEndpoint: "enabled",
                    httpTokens: "required",
                    // 1: the node's credentials stop at the node; pods get their own through IRSA.
                    httpPutResponseHopLimit: 1,
                },
                blockDeviceMappings: [
                    {
                        deviceName: "/dev/xvda",
                        ebs: { volumeSize: ng.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                    },
                ],
                tagSpecifications: [{ resourceType: "instance", tags: { ...args.tags, Name: `${args.name}-node` } }],
                tags: args.tags,
            },
            { parent: this },
        );

        const nodeGroup = new eks.ManagedNodeGroup(
            `${name}-nodes`,
            {
                cluster,
                nodeRole,
                // With a launch template pulumi-eks leaves the version unset, and the nodes would stay on their first
                // Kubernetes version through every control-plane upgrade.
                version: args.version,
                subnetIds: args.privateSubnetIds,
                amiType: amiTypeFor(ng.instanceTypes),
                instanceTypes: [...ng.instanceTypes],
                capacityType: ng.capacityType,
                scalingConfig: { minSize: ng.minSize, desiredSize: ng.desiredSize, maxSize: ng.maxSize },
                launchTemplate: { id: launchTemplate.id, version: pulumi.interpolate`${launchTemplate.latestVersion}` },
                labels: { "platform/capacity-type": ng.capacityType.toLowerCase(), [SYSTEM_LABEL.key]: SYSTEM_LABEL.value },
                // Only pods that tolerate it land here; the rest waits for Karpenter's nodes (EKS API effect names).
                taints: [{ key: SYSTEM_TAINT.key, value: SYSTEM_TAINT.value, effect: "NO_SCHEDULE" }],
                tags: args.tags,
            },
            { parent: this, dependsOn: [vpcCni] },
        );

        // eslint-disable-next-line no-restricted-syntax -- a Provider is no Kubernetes object: the cluster handle is built on this one.
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            {
                kubeconfig: cluster.kubeconfigJson,
                // Server-side apply avoids the last-applied annotation that large CRDs overflow.
                enableServerSideApply: true,
            },
            { parent: this },
        );

        // Add-ons whose pods need nodes: created once the node group is there, or they stay DEGRADED.
        const coredns = addon("coredns", { configurationValues: corednsConfiguration() }, [nodeGroup]);
        const ebsCsiRole = irsaRole(`${name}-ebs-csi`, this.oidc, EBS_CSI_SERVICE_ACCOUNT.namespace, EBS_CSI_SERVICE_ACCOUNT.name, this);
        const ebsCsiPolicy = new aws.iam.RolePolicyAttachment(
            `${name}-ebs-csi`,
            {
                role: ebsCsiRole.name,
                policyArn: `arn:${partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy`,
            },
            { parent: this },
        );
        const ebsCsi = addon(
            "aws-ebs-csi-driver",
            {
                serviceAccountRoleArn: ebsCsiRole.arn,
                configurationValues: ebsCsiConfiguration({ ...args.volumeTags, [CLUSTER_VOLUME_TAG]: args.name }),
            },
            [nodeGroup, ebsCsiPolicy],
        );

        // The HPA's CPU metrics. No EKS add-on build of metrics-server can be pinned (components/cluster/addons.ts), so
        // it is a pinned chart; it creates a Service, so it is installed before the LB controller's webhook exists.
        const booting = new ClusterHandle(this.provider, { nodes: [nodeGroup], dns: [coredns] });
        const metricsServer = booting.release(
            `${name}-metrics-server`,
            METRICS_SERVER,
            {
                releaseName: METRICS_SERVER.releaseName,
                namespace: METRICS_SERVER.namespace,
                // The chart's nodeSelector and tolerations are rendered as given (templates/deployment.yaml).
                values: systemPlacement(),
            },
            { parent: this },
        );

        const storageClass = booting.object(
            k8s.storage.v1.StorageClass,
            `${name}-gp3`,
            {
                metadata: {
                    name: DEFAULT_STORAGE_CLASS,
                    annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
                },
                provisioner: "ebs.csi.aws.com",
                parameters: { type: "gp3", encrypted: "true", fsType: "ext4" },
                // Bind where the pod lands, so a volume is never created in an AZ its pod cannot reach.
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
                reclaimPolicy: args.retainData ? "Retain" : "Delete",
            },
            { parent: this, dependsOn: [ebsCsi] },
        );

        this.storageClassName = storageClass.metadata.name;
        this.handle = booting.with("metrics", [metricsServer]).with("storage", [ebsCsi, storageClass]);

        this.registerOutputs({
            clusterName: this.clusterName,
            oidcProviderArn: this.oidcProviderArn,
            oidcIssuerUrl: this.oidcIssuerUrl,
            nodeSecurityGroupId: this.nodeSecurityGroupId,
            kubeconfig: this.kubeconfig,
            storageClassName: this.storageClassName,
        });
    }
}
