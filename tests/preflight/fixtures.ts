/**
 * Small hand-built plans in the shape `npm run plan` records, for the preflight checks. `platform()` is a stack that
 * passes every check; each test breaks one thing in it.
 */
import * as YAML from "yaml";
import { RecordedResource } from "../../offline/recorder";

const urnOf = (type: string, name: string) => `urn:pulumi:t::p::${type}::${name}`;

export interface Opts {
    parent?: RecordedResource;
    dependsOn?: RecordedResource[];
    modeled?: boolean;
}

export function res(type: string, name: string, inputs: Record<string, unknown>, opts: Opts = {}): RecordedResource {
    const component = type.startsWith("platform:");
    return {
        urn: urnOf(type, name),
        type,
        name,
        parent: opts.parent?.urn ?? "",
        dependencies: (opts.dependsOn ?? []).map((d) => d.urn),
        provider: "",
        providers: {},
        custom: !component && !type.startsWith("eks:index:Cluster"),
        remote: type === "eks:index:Cluster" || type === "eks:index:ManagedNodeGroup",
        protect: false,
        inputs,
        outputs: {},
        ...(opts.modeled ? { modeled: true } : {}),
    };
}

/** One JCasC pod template as the Jenkins chart's `agent.podTemplates` takes it. */
export function podTemplate(name: string, containers: Record<string, unknown>[], extra: Record<string, unknown> = {}): string {
    return YAML.stringify([{ name, label: name, ...extra, containers }]);
}

export const GOOD_PLUGINS = ["kubernetes:4540.v612369217f87", "git:5.10.1", "junit:1424.vc64a_edde7777", "timestamper:1.27"];

export interface PlatformOptions {
    instanceTypes?: string[];
    minSize?: number;
    maxSize?: number;
    version?: string;
    agent?: string;
    plugins?: string[];
    corednsVersion?: string | undefined;
    hpaMax?: number;
}

/** A stack that passes every check: nodes, CoreDNS and the CSI driver first, then the controller, then the rest. */
export function platform(o: PlatformOptions = {}): RecordedResource[] {
    const cluster = res("eks:index:Cluster", "eks", { version: o.version ?? "1.35" });
    const nodes = res("eks:index:ManagedNodeGroup", "nodes", {
        cluster: `ref:${cluster.urn}`,
        instanceTypes: o.instanceTypes ?? ["t3.xlarge"],
        scalingConfig: { minSize: o.minSize ?? 2, desiredSize: o.minSize ?? 2, maxSize: o.maxSize ?? 4 },
    });
    const coredns = res(
        "aws:eks/addon:Addon",
        "coredns",
        { addonName: "coredns", addonVersion: "corednsVersion" in o ? o.corednsVersion : "v1.14.3-eksbuild.11" },
        { dependsOn: [nodes, cluster] },
    );
    const ebsCsi = res(
        "aws:eks/addon:Addon",
        "ebs-csi",
        { addonName: "aws-ebs-csi-driver", addonVersion: "v1.57.1-eksbuild.1" },
        { dependsOn: [nodes, cluster] },
    );
    const lbc = res(
        "kubernetes:helm.sh/v3:Release",
        "lbc",
        {
            chart: "aws-load-balancer-controller",
            version: "3.5.0",
            repositoryOpts: { repo: "https://aws.github.io/eks-charts" },
            namespace: "kube-system",
            values: {},
        },
        { dependsOn: [nodes, coredns] },
    );
    const jenkinsNs = res("kubernetes:core/v1:Namespace", "jenkins-ns", { metadata: { name: "jenkins" } }, { dependsOn: [ebsCsi] });
    const jenkins = res(
        "kubernetes:helm.sh/v3:Release",
        "jenkins",
        {
            chart: "jenkins",
            version: "5.9.53",
            repositoryOpts: { repo: "https://charts.jenkins.io" },
            namespace: "jenkins",
            values: {
                controller: {
                    image: { tag: "2.568.2-jdk21" },
                    installPlugins: o.plugins ?? GOOD_PLUGINS,
                    resources: { requests: { cpu: "500m", memory: "2Gi" } },
                },
                agent: { podTemplates: { ci: o.agent ?? podTemplate("ci", [{ name: "node", resourceRequestCpu: "1", resourceRequestMemory: "2Gi" }]) } },
                persistence: { enabled: true, size: "20Gi" },
            },
        },
        { dependsOn: [jenkinsNs, lbc, ebsCsi] },
    );
    const app = res("platform:app:WebApp", "app", {}, { dependsOn: [nodes, coredns] });
    const deployment = res(
        "kubernetes:apps/v1:Deployment",
        "app-deploy",
        {
            metadata: { name: "app", namespace: "app" },
            spec: { template: { spec: { containers: [{ name: "app", resources: { requests: { cpu: "250m", memory: "256Mi" } } }] } } },
        },
        { parent: app },
    );
    const hpa = res(
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        "app-hpa",
        {
            metadata: { name: "app", namespace: "app" },
            spec: { minReplicas: 2, maxReplicas: o.hpaMax ?? 4, scaleTargetRef: { kind: "Deployment", name: "app" } },
        },
        { parent: app, dependsOn: [deployment] },
    );
    const service = res("kubernetes:core/v1:Service", "app-svc", { metadata: { name: "app", namespace: "app" } }, { parent: app, dependsOn: [lbc] });
    const ingress = res(
        "kubernetes:networking.k8s.io/v1:Ingress",
        "app-ingress",
        { metadata: { name: "app", namespace: "app" } },
        { parent: app, dependsOn: [lbc, service] },
    );
    // What the remote components create, as offline/models records it: they carry the time.
    const controlPlane = res("aws:eks/cluster:Cluster", "eks-eksCluster", { version: o.version ?? "1.35" }, { parent: cluster, modeled: true });
    const nodeGroup = res("aws:eks/nodeGroup:NodeGroup", "nodes", {}, { parent: nodes, modeled: true, dependsOn: [cluster] });
    return [cluster, controlPlane, nodes, nodeGroup, coredns, ebsCsi, lbc, jenkinsNs, jenkins, app, deployment, hpa, service, ingress];
}

export function named(resources: RecordedResource[], name: string): RecordedResource {
    const found = resources.find((r) => r.name === name);
    if (!found) throw new Error(`no ${name} in fixture`);
    return found;
}

/** The plan date the tests ask about. */
export const TODAY = new Date("2026-11-30T00:00:00Z");

export interface PoolOptions {
    instanceTypes: string[];
    capacityTypes: string[];
    cpu?: string;
    memory?: string;
    expectedNodes?: number;
    taints?: { key: string; value?: string; effect: string }[];
    /** Requirements beyond instance type and capacity type. */
    requirements?: { key: string; operator: string; values?: string[] }[];
}

/**
 * A NodePool as the Karpenter component records it (the contract with it): karpenter.sh/v1 NodePool with an explicit
 * instance-type list, capacity types, limits, the pool label platform/pool and the expected-nodes annotation.
 */
export function nodePool(name: string, o: PoolOptions): RecordedResource {
    return res("kubernetes:karpenter.sh/v1:NodePool", `pool-${name}`, {
        apiVersion: "karpenter.sh/v1",
        kind: "NodePool",
        metadata: { name, ...(o.expectedNodes === undefined ? {} : { annotations: { "platform/expected-nodes": String(o.expectedNodes) } }) },
        spec: {
            template: {
                metadata: { labels: { "platform/pool": name } },
                spec: {
                    nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
                    requirements: [
                        { key: "node.kubernetes.io/instance-type", operator: "In", values: o.instanceTypes },
                        { key: "karpenter.sh/capacity-type", operator: "In", values: o.capacityTypes },
                        ...(o.requirements ?? []),
                    ],
                    ...(o.taints ? { taints: o.taints } : {}),
                },
            },
            ...(o.cpu || o.memory ? { limits: { ...(o.cpu ? { cpu: o.cpu } : {}), ...(o.memory ? { memory: o.memory } : {}) } } : {}),
        },
    });
}

export const CI_TAINT = { key: "platform/pool", value: "ci", effect: "NoSchedule" };

/** The agent pod template's placement on the ci pool: the plugin takes tolerations from the template's raw `yaml`. */
export const CI_PLACEMENT = {
    nodeSelector: "platform/pool=ci",
    yaml: YAML.stringify({ spec: { tolerations: [{ key: "platform/pool", operator: "Equal", value: "ci", effect: "NoSchedule" }] } }),
};

/**
 * Dev's pools as the Karpenter branch's config/karpenter.ts defaults had them on 2026-11-30 (not merged yet):
 * general t3.large|t3a.large|m6i.large|m6a.large spot+on-demand 16 vCPU/64Gi expecting 2 nodes; ci
 * t3.xlarge|t3a.xlarge|m6i.xlarge|m6a.xlarge spot 16 vCPU/64Gi expecting 0, tainted platform/pool=ci.
 */
export const DEV_POOLS: Record<"general" | "ci", PoolOptions> = {
    general: {
        instanceTypes: ["t3.large", "t3a.large", "m6i.large", "m6a.large"],
        capacityTypes: ["spot", "on-demand"],
        cpu: "16",
        memory: "64Gi",
        expectedNodes: 2,
    },
    ci: {
        instanceTypes: ["t3.xlarge", "t3a.xlarge", "m6i.xlarge", "m6a.xlarge"],
        capacityTypes: ["spot"],
        cpu: "16",
        memory: "64Gi",
        expectedNodes: 0,
        taints: [CI_TAINT],
    },
};

/** Prod's pools from the same source: general on-demand m6i|m6a|m7i.xlarge 48 vCPU/192Gi expecting 3; ci as dev's on m6i|m6a.xlarge. */
export const PROD_POOLS: Record<"general" | "ci", PoolOptions> = {
    general: { instanceTypes: ["m6i.xlarge", "m6a.xlarge", "m7i.xlarge"], capacityTypes: ["on-demand"], cpu: "48", memory: "192Gi", expectedNodes: 3 },
    ci: { instanceTypes: ["m6i.xlarge", "m6a.xlarge"], capacityTypes: ["spot"], cpu: "16", memory: "64Gi", expectedNodes: 0, taints: [CI_TAINT] },
};

/** The Karpenter controller's release as its chart's values leave it: 2 replicas, one per node, never on its own nodes. */
export function karpenterRelease(values: Record<string, unknown> = { controller: { resources: { requests: { cpu: "1", memory: "1Gi" } } } }): RecordedResource {
    return res("kubernetes:helm.sh/v3:Release", "karpenter", {
        chart: "oci://public.ecr.aws/karpenter/karpenter",
        version: "1.14.1",
        namespace: "kube-system",
        values,
    });
}

export interface KarpenterPlatformOptions {
    systemTypes?: string[];
    systemSize?: number;
    pools?: Partial<Record<"general" | "ci", PoolOptions>>;
    agent?: string;
    hpaMax?: number;
}

/**
 * platform() on Karpenter: the managed node group shrinks to the system nodes, the pools take the rest, the Jenkins
 * agent template carries the ci pool's toleration and selector and the Karpenter controller runs on the system nodes.
 */
export function karpenterPlatform(o: KarpenterPlatformOptions = {}): RecordedResource[] {
    const agent = o.agent ?? podTemplate("ci", [{ name: "node", resourceRequestCpu: "1", resourceRequestMemory: "2Gi" }], CI_PLACEMENT);
    const base = platform({ instanceTypes: o.systemTypes ?? ["t3.large"], minSize: o.systemSize ?? 2, maxSize: o.systemSize ?? 2, agent, hpaMax: o.hpaMax });
    const pools = { ...DEV_POOLS, ...o.pools };
    return [...base, karpenterRelease(), ...Object.entries(pools).map(([name, p]) => nodePool(name, p))];
}

export interface SystemGroup {
    instanceTypes: string[];
    size: number;
    capacityType: "ON_DEMAND" | "SPOT";
}

/**
 * A recorded plan as it would be with Karpenter: its managed node group shrunk to the system group, the pools and the
 * controller's release added, root volumes of `diskSizeGiB` (the node class). For the cost comparison before the
 * Karpenter branch is merged; after it, `npm run plan` prints the same figures from the real records.
 */
export function withKarpenter(resources: RecordedResource[], system: SystemGroup, pools: Record<string, PoolOptions>, diskSizeGiB: number): RecordedResource[] {
    const shrunk = resources.map((r) =>
        r.type !== "eks:index:ManagedNodeGroup"
            ? r
            : {
                  ...r,
                  inputs: {
                      ...r.inputs,
                      instanceTypes: system.instanceTypes,
                      capacityType: system.capacityType,
                      scalingConfig: { minSize: system.size, desiredSize: system.size, maxSize: system.size },
                  },
              },
    );
    const nodeClass = res("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "node-class", {
        metadata: { name: "default" },
        spec: { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: `${diskSizeGiB}Gi` } }] },
    });
    return [...shrunk, karpenterRelease(), nodeClass, ...Object.entries(pools).map(([name, p]) => nodePool(name, p))];
}
