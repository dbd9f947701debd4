import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { adminAccessEntries, amiTypeFor, Cluster, ClusterArgs } from "../../components/cluster";
import { all, json, one, record, RecordedResource, valueOf } from "../helpers/harness";

const PRIVATE = ["subnet-0private000000001", "subnet-0private000000002"];

function args(overrides: Partial<ClusterArgs> = {}): ClusterArgs {
    return {
        name: "eks-platform-dev",
        version: "1.35",
        region: "ap-northeast-2",
        vpcId: "vpc-0123456789abcdef0",
        privateSubnetIds: PRIVATE,
        nodeGroup: { instanceTypes: ["t3.large"], capacityType: "SPOT", minSize: 1, desiredSize: 2, maxSize: 3, diskSizeGiB: 50 },
        publicAccessCidrs: ["203.0.113.0/24"],
        adminPrincipalArns: ["arn:aws:iam::111122223333:role/PlatformAdmin"],
        logTypes: ["api", "audit"],
        retainData: false,
        ...overrides,
    };
}

async function build(overrides: Partial<ClusterArgs> = {}): Promise<{ records: RecordedResource[]; cluster: Cluster }> {
    let cluster!: Cluster;
    const records = await record(() => { cluster = new Cluster("c", args(overrides)); });
    return { records, cluster };
}

describe("Cluster", () => {
    let records: RecordedResource[];
    let cluster: Cluster;
    before(async () => ({ records, cluster } = await build()));

    it("puts worker nodes only in the private subnets, with no public IPs", () => {
        assert.deepStrictEqual(one(records, "eks:index:ManagedNodeGroup").inputs.subnetIds, PRIVATE);
        const eks = one(records, "eks:index:Cluster").inputs;
        assert.deepStrictEqual(eks.privateSubnetIds, PRIVATE);
        assert.strictEqual(eks.publicSubnetIds, undefined);
        assert.strictEqual(eks.nodeAssociatePublicIpAddress, false);
        assert.strictEqual(eks.skipDefaultNodeGroup, true);
    });

    it("requires IMDSv2 on the nodes' launch template and encrypts their root volume", () => {
        const lt = one(records, "aws:ec2/launchTemplate:LaunchTemplate");
        assert.strictEqual((lt.inputs.metadataOptions as any).httpTokens, "required");
        assert.strictEqual((lt.inputs.blockDeviceMappings as any)[0].ebs.encrypted, "true");
        const ng = one(records, "eks:index:ManagedNodeGroup");
        assert.match((ng.inputs.launchTemplate as any).id, /^lt-0[0-9a-f]+$/);
        assert.ok(ng.dependencies.includes(lt.urn), "node group must use the launch template");
        assert.strictEqual(ng.inputs.amiType, "AL2023_x86_64_STANDARD");
        assert.deepStrictEqual(ng.inputs.scalingConfig, { minSize: 1, desiredSize: 2, maxSize: 3 });
        assert.strictEqual(ng.inputs.capacityType, "SPOT");
    });

    it("uses API authentication with an admin access entry per configured principal", () => {
        const eks = one(records, "eks:index:Cluster").inputs as any;
        assert.strictEqual(eks.authenticationMode, "API");
        const entries = Object.values(eks.accessEntries) as any[];
        assert.deepStrictEqual(entries.map((e) => e.principalArn), ["arn:aws:iam::111122223333:role/PlatformAdmin"]);
        assert.match(entries[0].accessPolicies.clusterAdmin.policyArn, /AmazonEKSClusterAdminPolicy$/);
        assert.deepStrictEqual(entries[0].accessPolicies.clusterAdmin.accessScope, { type: "cluster" });
    });

    it("encrypts secrets with its own KMS key, rotation on", async () => {
        const key = one(records, "aws:kms/key:Key");
        assert.strictEqual(key.inputs.enableKeyRotation, true);
        const eks = one(records, "eks:index:Cluster");
        assert.match(eks.inputs.encryptionConfigKeyArn as string, /^arn:aws:kms:ap-northeast-2:\d{12}:key\//);
        assert.ok(eks.dependencies.includes(key.urn));
    });

    it("keeps the private endpoint on and limits the public one to the configured CIDRs", async () => {
        const eks = one(records, "eks:index:Cluster").inputs;
        assert.strictEqual(eks.endpointPrivateAccess, true);
        assert.strictEqual(eks.endpointPublicAccess, true);
        assert.deepStrictEqual(eks.publicAccessCidrs, ["203.0.113.0/24"]);
        const { records: privateOnly } = await build({ publicAccessCidrs: [] });
        const p = one(privateOnly, "eks:index:Cluster").inputs;
        assert.strictEqual(p.endpointPublicAccess, false);
        assert.strictEqual(p.publicAccessCidrs, undefined);
    });

    it("creates the OIDC provider, control-plane logs and the managed add-ons", () => {
        const eks = one(records, "eks:index:Cluster").inputs as any;
        assert.strictEqual(eks.createOidcProvider, true);
        assert.deepStrictEqual(eks.enabledClusterLogTypes, ["api", "audit"]);
        assert.strictEqual(eks.corednsAddonOptions.enabled, true);
        assert.strictEqual(eks.kubeProxyAddonOptions.enabled, true);
        assert.notStrictEqual(eks.useDefaultVpcCni, true, "the vpc-cni must stay the managed add-on");
        assert.strictEqual(one(records, "aws:eks/addon:Addon", "ebs-csi").inputs.addonName, "aws-ebs-csi-driver");
        const metrics = one(records, "aws:eks/addon:Addon", "metrics-server");
        assert.strictEqual(metrics.inputs.addonName, "metrics-server", "the HPA needs CPU metrics");
        assert.ok(metrics.dependencies.includes(one(records, "eks:index:ManagedNodeGroup").urn));
    });

    it("gives the EBS CSI driver a role that trusts exactly this cluster's OIDC provider and its service account", async () => {
        const addon = one(records, "aws:eks/addon:Addon", "ebs-csi");
        const role = one(records, "aws:iam/role:Role", "ebs-csi");
        assert.strictEqual(addon.inputs.serviceAccountRoleArn, `arn:aws:iam::123456789012:role/${role.name}`);
        const trust = json(role.inputs.assumeRolePolicy);
        assert.strictEqual(trust.Statement.length, 1);
        const [st] = trust.Statement;
        assert.strictEqual(st.Principal.Federated, await valueOf(cluster.oidcProviderArn));
        assert.strictEqual(st.Action, "sts:AssumeRoleWithWebIdentity");
        const issuer = (await valueOf(cluster.oidcIssuerUrl)).replace("https://", "");
        assert.deepStrictEqual(st.Condition.StringEquals, {
            [`${issuer}:sub`]: "system:serviceaccount:kube-system:ebs-csi-controller-sa",
            [`${issuer}:aud`]: "sts.amazonaws.com",
        });
        const attachment = one(records, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ebs-csi");
        assert.match(attachment.inputs.policyArn as string, /service-role\/AmazonEBSCSIDriverPolicy$/);
    });

    it("makes an encrypted gp3 StorageClass the default, after the CSI driver exists", () => {
        const sc = one(records, "kubernetes:storage.k8s.io/v1:StorageClass");
        const inputs = sc.inputs as any;
        assert.strictEqual(inputs.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
        assert.strictEqual(inputs.provisioner, "ebs.csi.aws.com");
        assert.deepStrictEqual(inputs.parameters, { type: "gp3", encrypted: "true", fsType: "ext4" });
        assert.strictEqual(inputs.volumeBindingMode, "WaitForFirstConsumer");
        assert.strictEqual(inputs.reclaimPolicy, "Delete");
        assert.ok(sc.dependencies.includes(one(records, "aws:eks/addon:Addon", "ebs-csi").urn));
    });

    it("retains data in prod: volumes kept, KMS key and cluster protected", async () => {
        const { records: prod } = await build({ retainData: true });
        assert.strictEqual((one(prod, "kubernetes:storage.k8s.io/v1:StorageClass").inputs as any).reclaimPolicy, "Retain");
        assert.strictEqual(one(prod, "eks:index:Cluster").inputs.deletionProtection, true);
        assert.strictEqual(one(prod, "aws:kms/key:Key").inputs.deletionWindowInDays, 30);
    });

    it("builds one Kubernetes provider from the cluster's kubeconfig and uses it for its Kubernetes resources", async () => {
        const providers = all(records, "pulumi:providers:kubernetes");
        assert.strictEqual(providers.length, 1);
        const kubeconfig = JSON.parse(providers[0].inputs.kubeconfig as string);
        assert.strictEqual(kubeconfig.clusters[0].name, "eks-platform-dev");
        const sc = one(records, "kubernetes:storage.k8s.io/v1:StorageClass");
        assert.ok(sc.provider.startsWith(providers[0].urn + "::"), `StorageClass provider is ${sc.provider || "the default"}`);
    });

    it("exposes the cluster name and keeps the kubeconfig secret", async () => {
        assert.strictEqual(await valueOf(cluster.clusterName), "eks-platform-dev");
        assert.strictEqual(await pulumi.isSecret(cluster.kubeconfig), true);
    });

    it("picks the AMI by architecture and refuses to mix them", () => {
        assert.strictEqual(amiTypeFor(["m6i.large", "t3.large"]), "AL2023_x86_64_STANDARD");
        assert.strictEqual(amiTypeFor(["m7g.large", "c6gn.xlarge", "t4g.medium"]), "AL2023_ARM_64_STANDARD");
        assert.throws(() => amiTypeFor(["m7g.large", "m6i.large"]), /mixes ARM and x86/);
    });

    it("scopes access-entry policy ARNs to the region's partition", () => {
        const entries = adminAccessEntries(["arn:aws-cn:iam::111122223333:role/Admin"], "aws-cn");
        assert.match((entries["admin-0"].accessPolicies as any).clusterAdmin.policyArn, /^arn:aws-cn:eks::aws:/);
    });
});
