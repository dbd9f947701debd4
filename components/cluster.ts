import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NodeGroupSettings } from "../config";
import { irsaRole, OidcIdentity } from "./irsa";

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
    /** prod: keep the KMS key and volumes when something is deleted by mistake. */
    retainData: boolean;
    tags?: Record<string, string>;
}

export const EBS_CSI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "ebs-csi-controller-sa" };
export const DEFAULT_STORAGE_CLASS = "gp3";

export function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

/** Managed policies every worker node needs to join the cluster, run the VPC CNI, pull from ECR and be reachable by SSM. */
export function nodePolicyArns(partition: string): string[] {
    return [
        "AmazonEKSWorkerNodePolicy",
        "AmazonEKS_CNI_Policy",
        "AmazonEC2ContainerRegistryReadOnly",
        "AmazonSSMManagedInstanceCore",
    ].map((p) => `arn:${partition}:iam::aws:policy/${p}`);
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
    /** What a workload with persistent volumes must wait for: the CSI driver and the default StorageClass. */
    readonly storageReady: pulumi.Resource[];
    /** What any workload must wait for: nodes to run on (and the storage above). */
    readonly workloadsReady: pulumi.Resource[];
    readonly nodeRoleArn: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:Cluster", name, {}, opts);
        const partition = partitionOf(args.region);
        const retain = { protect: args.retainData };

        const secretsKey = new aws.kms.Key(`${name}-secrets`, {
            description: `Envelope encryption of Kubernetes secrets in ${args.name}`,
            enableKeyRotation: true,
            deletionWindowInDays: args.retainData ? 30 : 7,
            tags: args.tags,
        }, { parent: this, ...retain });
        new aws.kms.Alias(`${name}-secrets`, { name: `alias/${args.name}-secrets`, targetKeyId: secretsKey.keyId }, { parent: this });

        const nodeRole = new aws.iam.Role(`${name}-node`, {
            description: `Worker nodes of ${args.name}`,
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
            tags: args.tags,
        }, { parent: this });
        const nodePolicies = nodePolicyArns(partition).map((policyArn, i) =>
            new aws.iam.RolePolicyAttachment(`${name}-node-${i}`, { role: nodeRole.name, policyArn }, { parent: this }));

        const cluster = new eks.Cluster(`${name}-eks`, {
            name: args.name,
            version: args.version,
            vpcId: args.vpcId,
            // Control-plane ENIs and nodes both live in the private subnets; nothing here gets a public IP.
            privateSubnetIds: args.privateSubnetIds,
            nodeAssociatePublicIpAddress: false,
            skipDefaultNodeGroup: true,
            instanceRoles: [nodeRole],
            authenticationMode: eks.AuthenticationMode.Api,
            accessEntries: adminAccessEntries(args.adminPrincipalArns, partition),
            encryptionConfigKeyArn: secretsKey.arn,
            createOidcProvider: true,
            endpointPrivateAccess: true,
            endpointPublicAccess: args.publicAccessCidrs.length > 0,
            publicAccessCidrs: args.publicAccessCidrs.length > 0 ? [...args.publicAccessCidrs] : undefined,
            enabledClusterLogTypes: [...args.logTypes],
            corednsAddonOptions: { enabled: true },
            kubeProxyAddonOptions: { enabled: true },
            deletionProtection: args.retainData,
            tags: args.tags,
        }, { parent: this, dependsOn: nodePolicies });

        this.clusterName = cluster.eksCluster.apply((c) => c.name);
        this.oidcProviderArn = cluster.oidcProviderArn;
        this.oidcIssuerUrl = cluster.oidcProviderUrl;
        this.oidc = { providerArn: this.oidcProviderArn, issuerUrl: this.oidcIssuerUrl };
        this.nodeSecurityGroupId = cluster.nodeSecurityGroupId;
        this.clusterSecurityGroupId = cluster.clusterSecurityGroupId;
        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.nodeRoleArn = nodeRole.arn;

        const ng = args.nodeGroup;
        const launchTemplate = new aws.ec2.LaunchTemplate(`${name}-nodes`, {
            description: `Worker nodes of ${args.name}: IMDSv2 only, encrypted gp3 root volume`,
            metadataOptions: {
                httpEndpoint: "enabled",
                httpTokens: "required",
                // 2 lets pods that still use IMDS reach it through the node's network namespace hop; IRSA is preferred.
                httpPutResponseHopLimit: 2,
            },
            blockDeviceMappings: [{
                deviceName: "/dev/xvda",
                ebs: { volumeSize: ng.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
            }],
            tagSpecifications: [{ resourceType: "instance", tags: { ...args.tags, Name: `${args.name}-node` } }],
            tags: args.tags,
        }, { parent: this });

        const nodeGroup = new eks.ManagedNodeGroup(`${name}-nodes`, {
            cluster,
            nodeRole,
            subnetIds: args.privateSubnetIds,
            amiType: amiTypeFor(ng.instanceTypes),
            instanceTypes: [...ng.instanceTypes],
            capacityType: ng.capacityType,
            scalingConfig: { minSize: ng.minSize, desiredSize: ng.desiredSize, maxSize: ng.maxSize },
            launchTemplate: { id: launchTemplate.id, version: pulumi.interpolate`${launchTemplate.latestVersion}` },
            labels: { "platform/capacity-type": ng.capacityType.toLowerCase() },
            tags: args.tags,
        }, { parent: this });

        this.provider = new k8s.Provider(`${name}-k8s`, {
            kubeconfig: cluster.kubeconfigJson,
            // Server-side apply avoids the last-applied annotation that large CRDs overflow.
            enableServerSideApply: true,
        }, { parent: this });

        const ebsCsiRole = irsaRole(`${name}-ebs-csi`, this.oidc, EBS_CSI_SERVICE_ACCOUNT.namespace, EBS_CSI_SERVICE_ACCOUNT.name, this);
        const ebsCsiPolicy = new aws.iam.RolePolicyAttachment(`${name}-ebs-csi`, {
            role: ebsCsiRole.name,
            policyArn: `arn:${partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy`,
        }, { parent: this });
        // The add-on's controller pods need nodes to schedule on, or the add-on stays DEGRADED.
        const ebsCsi = new aws.eks.Addon(`${name}-ebs-csi`, {
            clusterName: this.clusterName,
            addonName: "aws-ebs-csi-driver",
            serviceAccountRoleArn: ebsCsiRole.arn,
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags: args.tags,
        }, { parent: this, dependsOn: [nodeGroup, ebsCsiPolicy] });

        // The HPA's CPU metrics come from metrics-server, which EKS does not run by default.
        new aws.eks.Addon(`${name}-metrics-server`, {
            clusterName: this.clusterName,
            addonName: "metrics-server",
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags: args.tags,
        }, { parent: this, dependsOn: [nodeGroup] });

        const storageClass = new k8s.storage.v1.StorageClass(`${name}-gp3`, {
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
        }, { parent: this, provider: this.provider, dependsOn: [ebsCsi] });

        this.storageClassName = storageClass.metadata.name;
        this.storageReady = [ebsCsi, storageClass];
        this.workloadsReady = [nodeGroup, ...this.storageReady];

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
