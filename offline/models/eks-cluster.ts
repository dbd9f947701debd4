/**
 * Models of pulumi-eks v4.3.0's remote components, `eks:index:Cluster` and `eks:index:ManagedNodeGroup`.
 * Under mocks the engine sees each as one registration; these models apply the input rules the upstream source
 * enforces (throwing its message, as the real `pulumi up` would fail) and add to the plan the children it really
 * creates, so policies, cost and preflight see them. Followed files (pulumi/pulumi-eks, tag v4.3.0):
 *   nodejs/eks/cluster/authenticationMode.ts   validateAuthenticationMode, createAccessEntries
 *   nodejs/eks/cluster/cluster.ts              createCore (service role, security group, aws:eks cluster with the
 *                                              hard-coded bootstrapClusterCreatorAdminPermissions, kube-proxy,
 *                                              vpc-cni, coredns add-ons, OIDC provider), createCluster
 *   nodejs/eks/addons/cni-addon.ts             VpcCniAddon (version from mostRecent when none is given)
 *   nodejs/eks/nodes/nodegroup.ts              createManagedNodeGroup (role rules, version defaulting, launch
 *                                              template rules)
 * and EKS itself: one access entry per principal (CreateAccessEntry: ResourceInUseException), and an add-on whose
 * pods have no node to run on stays DEGRADED until its 20-minute create timeout (pulumi/pulumi-eks#1819).
 */
import { ACCOUNT_ID, awsId, hex, MockResult, ModeledChild, RejectedByUpstream } from "./ids";

/** What `aws eks describe-addon-versions ... mostRecent` would return at deploy time: not known in a plan. */
export const FLOATING_VERSION = "[resolved at deploy time: mostRecent]";
/** The principal EKS's bootstrap entry is for: whoever runs the first `pulumi up`. */
export const CLUSTER_CREATOR = "[the principal running the first pulumi up]";

const CLUSTER = "eks:index:Cluster";
const NODE_GROUP = "eks:index:ManagedNodeGroup";

/** A transform the program put on the component; the engine applies it to every child (pulumi docs: transforms). */
export type ChildTransform = (child: ModeledChild) => Promise<ModeledChild>;

export function kubeconfigFor(clusterName: string, endpoint: string, region: string): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": Buffer.from(`ca-${clusterName}`).toString("base64") } }],
        contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
        "current-context": clusterName,
        users: [
            {
                name: clusterName,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region],
                    },
                },
            },
        ],
    });
}

const nonEmpty = (v: unknown) => (Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null);

/** authenticationMode.ts validateAuthenticationMode, with its messages. */
export function authenticationModeProblems(inputs: Record<string, any>): string[] {
    const mode: string | undefined = inputs.authenticationMode;
    if (mode !== undefined && !["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"].includes(mode)) {
        return [`Invalid value for authenticationMode: ${mode}. Allowed values are: CONFIG_MAP, API_AND_CONFIG_MAP, API.`];
    }
    const problems: string[] = [];
    const supportsConfigMap = !mode || mode === "CONFIG_MAP" || mode === "API_AND_CONFIG_MAP";
    if (!supportsConfigMap) {
        for (const prop of ["roleMappings", "userMappings", "instanceRoles"]) {
            if (nonEmpty(inputs[prop]))
                problems.push(`The '${prop}' property does not support non-empty values when 'authenticationMode' is set to '${mode}'.`);
        }
    }
    const supportsAccessEntries = mode === "API" || mode === "API_AND_CONFIG_MAP";
    if (!supportsAccessEntries && inputs.accessEntries) {
        problems.push(`The 'accessEntries' property is not supported when 'authenticationMode' is ${mode ? `set to '${mode}'` : "not set"}.`);
    }
    return problems;
}

/** cluster.ts createCore: the other mutually exclusive inputs the program could hit. */
function coreProblems(inputs: Record<string, any>): string[] {
    const problems: string[] = [];
    if (inputs.instanceRole && inputs.instanceRoles) problems.push("instanceRole and instanceRoles are mutually exclusive, and cannot both be set.");
    if (inputs.subnetIds && (inputs.publicSubnetIds || inputs.privateSubnetIds)) {
        problems.push("subnetIds, and the use of publicSubnetIds and/or privateSubnetIds are mutually exclusive. Choose a single approach.");
    }
    if (inputs.publicAccessCidrs && (inputs.endpointPublicAccess ?? true) === false) {
        problems.push("`publicAccessCidrs` can only be set when `endpointPublicAccess` is true");
    }
    return problems;
}

/** cluster.ts: coredns is created when explicitly enabled, or by default where a node group or Fargate can run it. */
function createsCoredns(inputs: Record<string, any>): boolean {
    const options = inputs.corednsAddonOptions ?? {};
    const explicitlyEnabled = options.enabled === true || options.configurationValues !== undefined;
    return explicitlyEnabled || ((!!inputs.fargate || !inputs.skipDefaultNodeGroup) && (options.enabled ?? true));
}

function addon(
    name: string,
    addonName: string,
    clusterName: string,
    options: Record<string, any> | undefined,
    extra: Record<string, unknown> = {},
): ModeledChild {
    return {
        type: "aws:eks/addon:Addon",
        name,
        inputs: {
            clusterName,
            addonName,
            addonVersion: options?.version ?? options?.addonVersion ?? FLOATING_VERSION,
            resolveConflictsOnCreate: options?.resolveConflictsOnCreate ?? "OVERWRITE",
            resolveConflictsOnUpdate: options?.resolveConflictsOnUpdate ?? "OVERWRITE",
            ...extra,
        },
        dependsOn: [`${name.replace(/-(kube-proxy|vpc-cni|coredns)$/, "")}-eksCluster`],
    };
}

function clusterChildren(name: string, inputs: Record<string, any>, partition: string): ModeledChild[] {
    const clusterName: string = inputs.name ?? name;
    const eksCluster = `${name}-eksCluster`;
    const children: ModeledChild[] = [];
    if (!inputs.serviceRole) {
        children.push(
            { type: "aws:iam/role:Role", name: `${name}-eksRole-role`, inputs: { assumeRolePolicy: { Service: "eks.amazonaws.com" } } },
            {
                type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                name: `${name}-eksRole-4b490823`,
                inputs: { policyArn: `arn:${partition}:iam::aws:policy/AmazonEKSClusterPolicy` },
                dependsOn: [`${name}-eksRole-role`],
            },
        );
    }
    if (!inputs.skipDefaultSecurityGroups && !inputs.clusterSecurityGroup) {
        children.push(
            {
                type: "aws:ec2/securityGroup:SecurityGroup",
                name: `${name}-eksClusterSecurityGroup`,
                inputs: { vpcId: inputs.vpcId, revokeRulesOnDelete: true },
            },
            {
                type: "aws:ec2/securityGroupRule:SecurityGroupRule",
                name: `${name}-eksClusterInternetEgressRule`,
                inputs: { type: "egress", cidrBlocks: ["0.0.0.0/0"] },
                dependsOn: [`${name}-eksClusterSecurityGroup`],
            },
        );
    }
    children.push({
        type: "aws:eks/cluster:Cluster",
        name: eksCluster,
        inputs: {
            name: clusterName,
            version: inputs.version,
            bootstrapSelfManagedAddons: inputs.bootstrapSelfManagedAddons ?? true,
            vpcConfig: {
                subnetIds: inputs.subnetIds ?? [...(inputs.publicSubnetIds ?? []), ...(inputs.privateSubnetIds ?? [])],
                endpointPrivateAccess: inputs.endpointPrivateAccess,
                endpointPublicAccess: inputs.endpointPublicAccess,
                publicAccessCidrs: inputs.publicAccessCidrs,
            },
            enabledClusterLogTypes: inputs.enabledClusterLogTypes,
            encryptionConfig: inputs.encryptionConfigKeyArn ? { provider: { keyArn: inputs.encryptionConfigKeyArn }, resources: ["secrets"] } : undefined,
            // cluster.ts hard-codes true whenever an authentication mode is given (pulumi/pulumi-eks#2373).
            accessConfig: inputs.authenticationMode
                ? { authenticationMode: inputs.authenticationMode, bootstrapClusterCreatorAdminPermissions: true }
                : undefined,
            upgradePolicy: inputs.upgradePolicy,
            deletionProtection: inputs.deletionProtection,
            tags: inputs.tags,
        },
        dependsOn: children.filter((c) => c.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((c) => c.name),
    });
    if (inputs.kubeProxyAddonOptions?.enabled ?? true) children.push(addon(`${name}-kube-proxy`, "kube-proxy", clusterName, inputs.kubeProxyAddonOptions));
    if (inputs.useDefaultVpcCni !== true) {
        children.push(
            addon(`${name}-vpc-cni`, "vpc-cni", clusterName, inputs.vpcCniOptions, { serviceAccountRoleArn: inputs.vpcCniOptions?.serviceAccountRoleArn }),
        );
    }
    if (createsCoredns(inputs)) children.push(addon(`${name}-coredns`, "coredns", clusterName, inputs.corednsAddonOptions));
    if (inputs.createOidcProvider) {
        children.push({
            type: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
            name: `${name}-oidcProvider`,
            inputs: { clientIdLists: ["sts.amazonaws.com"] },
            dependsOn: [eksCluster],
        });
    }
    for (const [key, entry] of Object.entries<any>(inputs.accessEntries ?? {})) {
        children.push({
            type: "aws:eks/accessEntry:AccessEntry",
            name: `${name}-${key}`,
            inputs: { clusterName, principalArn: entry.principalArn, type: entry.type ?? "STANDARD", kubernetesGroups: entry.kubernetesGroups },
            dependsOn: [eksCluster],
        });
        for (const [assoc, a] of Object.entries<any>(entry.accessPolicies ?? {})) {
            children.push({
                type: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
                name: `${name}-${key}-${assoc}`,
                inputs: { clusterName, principalArn: entry.principalArn, policyArn: a.policyArn, accessScope: a.accessScope },
                dependsOn: [`${name}-${key}`],
            });
        }
    }
    return children;
}

/**
 * What EKS adds on its own once the (transformed) children exist: the cluster creator's admin entry when
 * bootstrapClusterCreatorAdminPermissions is true. It is not in Pulumi state; it is listed so the plan shows it.
 */
function eksSideEffects(name: string, children: ModeledChild[]): ModeledChild[] {
    const cluster = children.find((c) => c.type === "aws:eks/cluster:Cluster");
    const access = cluster?.inputs.accessConfig as { bootstrapClusterCreatorAdminPermissions?: boolean } | undefined;
    if (!cluster || !access?.bootstrapClusterCreatorAdminPermissions) return [];
    return [
        {
            type: "aws:eks/accessEntry:AccessEntry",
            name: `${name}-bootstrap-cluster-creator`,
            inputs: {
                clusterName: cluster.inputs.name,
                principalArn: CLUSTER_CREATOR,
                type: "STANDARD",
                createdBy: "EKS (bootstrapClusterCreatorAdminPermissions), outside Pulumi state",
                accessPolicy: "AmazonEKSClusterAdminPolicy",
            },
            dependsOn: [cluster.name],
        },
    ];
}

/** EKS: one access entry per principal; a second CreateAccessEntry for it fails. */
function duplicatePrincipals(entries: ModeledChild[], creator: string | undefined): string[] {
    const seen = new Map<string, string>();
    const problems: string[] = [];
    for (const e of entries) {
        const principal = e.inputs.principalArn === CLUSTER_CREATOR && creator ? creator : String(e.inputs.principalArn);
        const first = seen.get(principal);
        if (first)
            problems.push(`CreateAccessEntry ${e.name}: ResourceInUseException: an access entry for ${principal} already exists on this cluster (${first})`);
        else seen.set(principal, e.name);
    }
    return problems;
}

export interface ClusterModelContext {
    region: string;
    partition: string;
    /** The IAM principal (role or user ARN) running `pulumi up`, as EKS records it for the bootstrap entry. */
    deployer?: string;
    transform: ChildTransform;
}

/** `eks:index:Cluster` (remote component). */
export async function eksCluster(name: string, inputs: Record<string, any>, ctx: ClusterModelContext): Promise<MockResult> {
    const problems = [...authenticationModeProblems(inputs), ...coreProblems(inputs)];
    if (problems.length) throw new RejectedByUpstream(CLUSTER, problems.join(" "));

    const children = await Promise.all(clusterChildren(name, inputs, ctx.partition).map(ctx.transform));
    const all = [...children, ...eksSideEffects(name, children)];

    const duplicates = duplicatePrincipals(
        all.filter((c) => c.type === "aws:eks/accessEntry:AccessEntry"),
        ctx.deployer,
    );
    if (duplicates.length) throw new RejectedByUpstream(CLUSTER, duplicates.join(" "));
    // Without a node group inside the component nothing can run coredns, and anything that depends on the
    // component (a ManagedNodeGroup given `cluster`) waits for it: the add-on times out DEGRADED and the nodes
    // are never created.
    if (inputs.skipDefaultNodeGroup && !inputs.fargate && all.some((c) => c.inputs.addonName === "coredns")) {
        throw new RejectedByUpstream(
            CLUSTER,
            `aws:eks/addon:Addon ${name}-coredns: creating: timeout while waiting for state to become 'ACTIVE' (last state: 'DEGRADED', timeout: 20m0s): ` +
                "no node can run its pods: skipDefaultNodeGroup is set and every node group waits for this component (pulumi/pulumi-eks#1819)",
        );
    }

    const clusterName: string = inputs.name ?? name;
    const oidcId = hex(clusterName, 32).toUpperCase();
    const issuer = `oidc.eks.${ctx.region}.amazonaws.com/id/${oidcId}`;
    const endpoint = `https://${oidcId}.gr7.${ctx.region}.eks.amazonaws.com`;
    const eks = all.find((c) => c.type === "aws:eks/cluster:Cluster");
    if (!eks) throw new Error(`${name}: the pulumi-eks model made no aws:eks Cluster child`);
    return {
        id: undefined,
        state: {
            ...inputs,
            kubeconfigJson: kubeconfigFor(clusterName, endpoint, ctx.region),
            oidcProviderArn: inputs.createOidcProvider ? `arn:${ctx.partition}:iam::${ACCOUNT_ID}:oidc-provider/${issuer}` : "",
            oidcProviderUrl: `https://${issuer}`,
            oidcIssuer: issuer,
            clusterSecurityGroupId: awsId("sg", `${clusterName}-cluster`),
            nodeSecurityGroupId: awsId("sg", `${clusterName}-node`),
            eksCluster: {
                name: clusterName,
                arn: `arn:${ctx.partition}:eks:${ctx.region}:${ACCOUNT_ID}:cluster/${clusterName}`,
                endpoint,
                version: inputs.version,
                accessConfig: eks.inputs.accessConfig,
                upgradePolicy: eks.inputs.upgradePolicy,
                // The security group EKS creates itself (eks-cluster-sg-<name>), which managed nodes get.
                vpcConfig: { clusterSecurityGroupId: awsId("sg", `${clusterName}-eks-cluster-sg`) },
            },
        },
        children: all,
    };
}

/** Launch-template inputs nodegroup.ts refuses to combine with a custom launch template. */
const CUSTOM_LAUNCH_TEMPLATE_INPUTS = ["kubeletExtraArgs", "bootstrapExtraArgs", "labels_in_userdata", "enableIMDSv2", "userData", "amiId", "enableEfaSupport"];

/**
 * `eks:index:ManagedNodeGroup` (remote component). `clusterOf` returns the inputs the program gave the cluster the
 * node group names (its `cluster` reference).
 */
export function eksManagedNodeGroup(name: string, inputs: Record<string, any>, clusterOf: (ref: unknown) => Record<string, any> | undefined): MockResult {
    const problems: string[] = [];
    if (inputs.nodeRole && inputs.nodeRoleArn) problems.push("You cannot specify both nodeRole and nodeRoleArn when creating a managed node group.");
    if (!inputs.nodeRole && !inputs.nodeRoleArn) problems.push("An IAM role, or role ARN must be provided to create a managed node group");
    if (inputs.amiId && (inputs.gpu || inputs.amiType)) problems.push("You cannot specify both amiId and amiType/gpu when creating a managed node group.");
    if (inputs.launchTemplate && CUSTOM_LAUNCH_TEMPLATE_INPUTS.some((k) => inputs[k] !== undefined)) {
        problems.push(
            "If you provide a custom launch template, you cannot provide any of the inputs that need pulumi-eks's own launch template. Please include these in the launch template that you are providing.",
        );
    }
    const cluster = clusterOf(inputs.cluster);
    const mode = cluster?.authenticationMode;
    const supportsAccessEntries = mode === "API" || mode === "API_AND_CONFIG_MAP";
    if (cluster && !supportsAccessEntries && !(cluster.instanceRoles ?? []).includes(inputs.nodeRole)) {
        problems.push("nodeRole: A managed node group cannot be created without first setting its role in the cluster's instanceRoles");
    }
    // The taints go to aws:eks NodeGroup as given (with our own launch template nodegroup.ts does not map them), and
    // EKS CreateNodegroup takes only its enum (Taint.effect: NO_SCHEDULE | NO_EXECUTE | PREFER_NO_SCHEDULE).
    for (const t of (inputs.taints ?? []) as { key?: string; effect?: string }[]) {
        if (!["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"].includes(String(t.effect))) {
            problems.push(`taints: InvalidParameterException: effect ${t.effect} of taint ${t.key} is not one of NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE`);
        }
    }
    if (problems.length) throw new RejectedByUpstream(NODE_GROUP, problems.join(" "));

    // nodegroup.ts: the version defaults to the cluster's only when no launch template is given.
    const version = inputs.version ?? (inputs.launchTemplate ? undefined : cluster?.version);
    const nodeGroup: ModeledChild = {
        type: "aws:eks/nodeGroup:NodeGroup",
        name,
        inputs: {
            clusterName: inputs.clusterName ?? cluster?.name,
            nodeRoleArn: inputs.nodeRoleArn ?? inputs.nodeRole,
            version,
            amiType: inputs.amiType,
            instanceTypes: inputs.instanceTypes,
            capacityType: inputs.capacityType,
            scalingConfig: {
                desiredSize: inputs.scalingConfig?.desiredSize ?? 2,
                minSize: inputs.scalingConfig?.minSize ?? 1,
                maxSize: inputs.scalingConfig?.maxSize ?? 2,
            },
            subnetIds: inputs.subnetIds,
            labels: inputs.labels,
            taints: inputs.taints,
            launchTemplate: inputs.launchTemplate,
            tags: inputs.tags,
        },
    };
    return { id: undefined, state: { ...inputs, nodeGroup: { ...nodeGroup.inputs, nodeGroupName: name, status: "ACTIVE" } }, children: [nodeGroup] };
}
