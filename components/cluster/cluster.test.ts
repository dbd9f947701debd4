import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as YAML from "yaml";
import { ADDON_VERSIONS, addonVersionsFor } from "./addons";
import { adminAccessEntries, amiTypeFor, Cluster, ClusterArgs, CLUSTER_VOLUME_TAG, deployerProblem } from ".";
import { authenticationModeProblems, eksCluster, eksManagedNodeGroup, FLOATING_VERSION } from "../../offline/models/eks-cluster";
import { RejectedByUpstream } from "../../offline/models/ids";
import { all, attempt, json, one, record, RecordedResource, referenceFile, valueOf } from "../../tests/helpers/harness";

/** Children a remote component creates, as its model says (offline/models). */
function modeled(records: RecordedResource[], type: string): RecordedResource[] {
    return records.filter((r) => r.modeled && r.type === type);
}

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
        logRetentionDays: 14,
        retainData: false,
        volumeTags: { Project: "eks-platform", Environment: "dev" },
        ...overrides,
    };
}

async function build(overrides: Partial<ClusterArgs> = {}): Promise<{ records: RecordedResource[]; cluster: Cluster }> {
    let cluster!: Cluster;
    const records = await record(() => {
        cluster = new Cluster("c", args(overrides));
    });
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

    it("taints the system node group with the EKS API's effect name, which the modelled nodegroup accepts", () => {
        const ng = one(records, "eks:index:ManagedNodeGroup");
        assert.deepStrictEqual(ng.inputs.taints, [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }]);
        assert.strictEqual((ng.inputs.labels as Record<string, string>)["platform/node-role"], "system");
        // The Kubernetes spelling reaches aws:eks NodeGroup unmapped when the program brings its own launch template.
        assert.throws(
            () => eksManagedNodeGroup("ng", { ...ng.inputs, taints: [{ key: "CriticalAddonsOnly", effect: "NoSchedule" }] }, () => undefined),
            (e: unknown) => e instanceof RejectedByUpstream && /effect NoSchedule of taint CriticalAddonsOnly is not one of NO_SCHEDULE/.test(e.message),
        );
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
        const entries = Object.values<any>(eks.accessEntries);
        assert.deepStrictEqual(
            entries.map((e) => e.principalArn),
            ["arn:aws:iam::111122223333:role/PlatformAdmin"],
        );
        assert.match(entries[0].accessPolicies.clusterAdmin.policyArn, /AmazonEKSClusterAdminPolicy$/);
        assert.deepStrictEqual(entries[0].accessPolicies.clusterAdmin.accessScope, { type: "cluster" });
    });

    it("encrypts secrets with its own KMS key, rotation on", async () => {
        const key = one(records, "aws:kms/key:Key", "-secrets");
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

    it("creates the OIDC provider and control-plane logs", () => {
        const eks = one(records, "eks:index:Cluster").inputs as any;
        assert.strictEqual(eks.createOidcProvider, true);
        assert.deepStrictEqual(eks.enabledClusterLogTypes, ["api", "audit"]);
        assert.strictEqual(modeled(records, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 1);
    });

    // Item 1: pulumi-eks refuses instanceRoles in API mode (model: offline/models/eks-cluster.ts, authenticationMode.ts).
    it("is accepted by pulumi-eks's authentication-mode rules: no instanceRoles in API mode", async () => {
        const { failures } = await attempt(() => new Cluster("c", args()));
        assert.deepStrictEqual(failures, []);
        assert.strictEqual(one(records, "eks:index:Cluster").inputs.instanceRoles, undefined);
        assert.match(
            authenticationModeProblems({ authenticationMode: "API", instanceRoles: ["ref:role"] })[0],
            /'instanceRoles' property does not support non-empty values/,
        );
    });

    // Item 2: CoreDNS inside the component with no node group deadlocks (pulumi/pulumi-eks#1819).
    it("runs CoreDNS as its own pinned add-on after the nodes, never inside the cluster component", () => {
        const inside = modeled(records, "aws:eks/addon:Addon").map((a) => a.inputs.addonName);
        assert.ok(!inside.includes("coredns"), `the eks.Cluster component creates ${inside.join(", ")}`);
        const coredns = one(records, "aws:eks/addon:Addon", "-coredns");
        assert.strictEqual(coredns.modeled, undefined);
        assert.ok(coredns.dependencies.includes(one(records, "eks:index:ManagedNodeGroup").urn), "CoreDNS must wait for the node group");
        assert.deepStrictEqual(
            cluster.handle.ready(["dns"]).map((r) => (r as any).__name),
            ["c-coredns"],
        );
    });

    it("the model refuses what deadlocks: CoreDNS inside a cluster with no node group", async () => {
        const result = await eksCluster(
            "x",
            { name: "x", authenticationMode: "API", skipDefaultNodeGroup: true, corednsAddonOptions: { enabled: true } },
            { region: "ap-northeast-2", partition: "aws", transform: async (c) => c },
        ).catch((e: Error) => e);
        assert.ok(result instanceof RejectedByUpstream);
        assert.match(result.message, /DEGRADED.*20m0s/);
    });

    // Item 3: the hard-coded bootstrap admin entry (pulumi/pulumi-eks#2373).
    it("leaves no cluster-admin entry outside Pulumi state, so the README's admin can run the first up", async () => {
        const admin = "arn:aws:iam::111122223333:role/PlatformAdmin";
        const { records: byAdmin, failures } = await attempt(() => new Cluster("c", args({ adminPrincipalArns: [admin] })), "test", admin);
        assert.deepStrictEqual(failures, [], "the admin's own entry must not collide with EKS's bootstrap entry");
        const eksCluster = modeled(byAdmin, "aws:eks/cluster:Cluster")[0].inputs as any;
        assert.strictEqual(eksCluster.accessConfig.bootstrapClusterCreatorAdminPermissions, false);
        const entries = all(byAdmin, "aws:eks/accessEntry:AccessEntry");
        assert.deepStrictEqual(
            entries.map((e) => e.inputs.principalArn),
            [admin],
        );
    });

    it("refuses, before the cluster exists, a deployer that would not be one of its admins", async () => {
        const outsider = "arn:aws:sts::111122223333:assumed-role/Developer/alice";
        const { records: refused, failures } = await attempt(() => new Cluster("c", args()), "test", outsider);
        assert.strictEqual(all(refused, "eks:index:Cluster").length, 0, "the cluster must not be created");
        assert.match(
            failures.map((f) => f.message).join("\n"),
            /deploying as arn:aws:iam::111122223333:role\/Developer, which is not in cluster:adminPrincipalArns/,
        );
        const admin = "arn:aws:sts::111122223333:assumed-role/PlatformAdmin/bob";
        const { failures: none } = await attempt(() => new Cluster("c", args()), "test", admin);
        assert.deepStrictEqual(none, [], "an admin role's session may deploy");
        assert.strictEqual(deployerProblem("arn:aws:iam::111122223333:user/ops", ["arn:aws:iam::111122223333:user/ops"]), undefined);
    });

    // Item 7: add-ons pinned per Kubernetes minor (pulumi-eks otherwise resolves mostRecent on every run).
    it("pins every add-on, its own and pulumi-eks's, to the build listed for the cluster's minor", () => {
        const addons = all(records, "aws:eks/addon:Addon");
        assert.deepStrictEqual(addons.map((a) => a.inputs.addonName).sort(), ["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]);
        for (const a of addons) {
            assert.notStrictEqual(a.inputs.addonVersion, FLOATING_VERSION, `${a.name} floats`);
            assert.strictEqual(a.inputs.addonVersion, ADDON_VERSIONS["1.35"][a.inputs.addonName as keyof (typeof ADDON_VERSIONS)["1.35"]], a.name);
        }
        assert.throws(() => addonVersionsFor("1.36"), /no pinned EKS add-on builds for Kubernetes 1.36/);
    });

    it("every pinned add-on build is one the reference data lists for that minor", function () {
        const data = YAML.parse(fs.readFileSync(referenceFile(this, "eks", "addon-versions.yaml"), "utf8")).addons;
        for (const [minor, versions] of Object.entries(ADDON_VERSIONS)) {
            for (const [addonName, version] of Object.entries(versions)) {
                const entry = data[addonName][minor];
                const listed = [entry.latest, entry.default, ...(entry.known ?? [])].map((v: any) => v?.version).filter(Boolean);
                assert.ok(listed.includes(version), `${addonName} ${version} is not a known build for ${minor} (${listed.join(", ")})`);
            }
        }
    });

    // Item 8: nodes follow control-plane upgrades, and the cluster never slides into paid extended support.
    it("keeps the nodes on the cluster's Kubernetes version and the cluster on standard support", () => {
        assert.strictEqual(modeled(records, "aws:eks/nodeGroup:NodeGroup")[0].inputs.version, "1.35");
        assert.deepStrictEqual((modeled(records, "aws:eks/cluster:Cluster")[0].inputs as any).upgradePolicy, { supportType: "STANDARD" });
    });

    it("gives the VPC CNI its own identity before any node joins, with network policies on; nodes stop at IMDS hop 1", async () => {
        const nodePolicies = all(records, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.name.startsWith("c-node-"));
        assert.ok(
            nodePolicies.every((a) => !String(a.inputs.policyArn).endsWith("AmazonEKS_CNI_Policy")),
            "the node role must not carry the CNI policy",
        );
        const cni = one(records, "aws:eks/addon:Addon", "-vpc-cni");
        const role = one(records, "aws:iam/role:Role", "vpc-cni");
        assert.strictEqual(cni.inputs.serviceAccountRoleArn, `arn:aws:iam::123456789012:role/${role.name}`);
        const issuer = (await valueOf(cluster.oidcIssuerUrl)).replace("https://", "");
        assert.strictEqual(
            json(role.inputs.assumeRolePolicy).Statement[0].Condition.StringEquals[`${issuer}:sub`],
            "system:serviceaccount:kube-system:aws-node",
        );
        assert.match(one(records, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "c-vpc-cni").inputs.policyArn as string, /AmazonEKS_CNI_Policy$/);
        assert.strictEqual(JSON.parse(cni.inputs.configurationValues as string).enableNetworkPolicy, "true");
        assert.ok(one(records, "eks:index:ManagedNodeGroup").dependencies.includes(cni.urn), "nodes must join after the CNI has its identity");
        assert.strictEqual((one(records, "aws:ec2/launchTemplate:LaunchTemplate").inputs.metadataOptions as any).httpPutResponseHopLimit, 1);
    });

    it("runs metrics-server from a pinned chart on the nodes, as the handle's metrics readiness", () => {
        const release = one(records, "kubernetes:helm.sh/v3:Release", "metrics-server");
        assert.deepStrictEqual([release.inputs.chart, release.inputs.version], ["metrics-server", "3.13.0"]);
        assert.ok(release.dependencies.includes(one(records, "eks:index:ManagedNodeGroup").urn));
        assert.deepStrictEqual(
            cluster.handle.ready(["metrics"]).map((r) => (r as any).__name),
            ["c-metrics-server"],
        );
    });

    // Item 12: volumes the CSI driver creates carry the stack's tags, so leftovers are found and costed.
    it("tags every volume the EBS CSI driver creates with the stack's tags and the cluster", () => {
        const config = JSON.parse(one(records, "aws:eks/addon:Addon", "ebs-csi").inputs.configurationValues as string);
        assert.deepStrictEqual(config.controller.extraVolumeTags, { Project: "eks-platform", Environment: "dev", [CLUSTER_VOLUME_TAG]: "eks-platform-dev" });
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
        assert.strictEqual(one(prod, "aws:kms/key:Key", "-secrets").inputs.deletionWindowInDays, 30);
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
