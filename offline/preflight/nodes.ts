/** Where pods can run: the plan's node pools and what each of their nodes gives pods. */
import { INSTANCE_TYPES, NODEADM_RESERVED, VM_MEMORY_OVERHEAD } from "../data/instance-types";
import { RecordedResource } from "../recorder";
import { at, MANAGED_NODE_GROUP } from "./check";
import { mebibytes, millicores } from "./quantity";

export interface Allocatable {
    cpuMilli: number;
    memoryMiB: number;
    pods: number;
}

/** nodeadm's kube-reserved CPU for a node with this many vCPUs. */
export function reservedCpuMilli(vcpu: number): number {
    const total = vcpu * 1000;
    return NODEADM_RESERVED.cpuBands.reduce(
        (sum, band) => (total > band.from ? sum + Math.floor(((Math.min(total, band.to) - band.from) * band.per10000) / 10000) : sum),
        0,
    );
}

export function reservedMemoryMiB(maxPods: number): number {
    return NODEADM_RESERVED.memoryMiBPerPod * maxPods + NODEADM_RESERVED.memoryMiBBase;
}

/**
 * What a node of this type has before anything is reserved, as Karpenter counts it against a NodePool's limits
 * (kubernetes-sigs/karpenter pkg/controllers/provisioning/scheduling/scheduler.go filterByRemainingResources compares
 * `it.Capacity`): aws/karpenter-provider-aws pkg/providers/instancetype/types.go @ c88abbba memory(): Graviton types
 * lose 64 MiB of CMA memory, then VM_MEMORY_OVERHEAD.
 */
export function capacityOf(instanceType: string): { cpuMilli: number; memoryMiB: number } | undefined {
    const t = INSTANCE_TYPES[instanceType];
    if (!t) return undefined;
    const advertised = t.memoryMiB - (t.architecture === "arm64" ? 64 : 0);
    return { cpuMilli: t.vcpu * 1000, memoryMiB: advertised - Math.ceil(advertised * VM_MEMORY_OVERHEAD) };
}

/** Allocatable of an AL2023 node of this type: capacity minus kube-reserved and the hard eviction threshold. */
export function allocatable(instanceType: string): Allocatable | undefined {
    const t = INSTANCE_TYPES[instanceType];
    const capacity = capacityOf(instanceType);
    if (!t || !capacity) return undefined;
    return {
        cpuMilli: capacity.cpuMilli - reservedCpuMilli(t.vcpu),
        memoryMiB: capacity.memoryMiB - reservedMemoryMiB(t.maxPods) - NODEADM_RESERVED.evictionHardMemoryMiB,
        pods: t.maxPods,
    };
}

/** A node taint (core/v1 Taint). */
export interface Taint {
    key: string;
    value?: string;
    effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** The values a label can have on a pool's nodes of one shape; "any" where the plan cannot know (a zone). */
export type LabelValues = Record<string, string[] | "any">;

/** One kind of node a pool can bring: what it gives pods and what its labels can be. */
export interface NodeShape {
    instanceType: string;
    allocatable: Allocatable;
    labels: LabelValues;
}

/** A set of nodes the scheduler can place pods on. Karpenter NodePools join by adding a reader to POOL_READERS. */
export interface NodePool {
    name: string;
    kind: "node group" | "Karpenter pool";
    instanceTypes: string[];
    minSize: number;
    maxSize: number;
    /** Labels every node of the pool carries (for nodeSelector matching). */
    labels: Record<string, string>;
    taints: Taint[];
    /**
     * What a pod can be given: a node group's ASG picks any of its types, so it has one shape, its smallest type with
     * the labels all its types share; Karpenter picks a type the pod fits, so a pool has one shape per allowed type.
     */
    shapes: NodeShape[];
    /** The smallest node the pool may bring: a pod must fit it, since the pool may consist of only that type. */
    smallest?: Allocatable & { instanceType: string };
    /** Instance types missing from offline/data/instance-types.ts. */
    unknownTypes: string[];
    /** Why the plan cannot size or price this pool as written. */
    problems: string[];
    karpenter?: {
        capacityTypes: string[];
        /** spec.limits; undefined: no limit, which the capacity check reports. */
        limits: { cpuMilli?: number; memoryMiB?: number };
        /** Annotation platform/expected-nodes: the pool's usual size. */
        expectedNodes?: number;
        /** The EC2NodeClass its nodes are made from (spec.template.spec.nodeClassRef.name). */
        nodeClass?: string;
    };
}

function smallestOf(types: string[]): NodePool["smallest"] {
    const known = types.map((t) => ({ instanceType: t, a: allocatable(t) })).filter((x) => x.a);
    if (known.length === 0) return undefined;
    const pick = [...known].sort((x, y) => x.a!.cpuMilli - y.a!.cpuMilli || x.a!.memoryMiB - y.a!.memoryMiB)[0];
    return {
        instanceType: pick.instanceType,
        cpuMilli: Math.min(...known.map((x) => x.a!.cpuMilli)),
        memoryMiB: Math.min(...known.map((x) => x.a!.memoryMiB)),
        pods: Math.min(...known.map((x) => x.a!.pods)),
    };
}

const kubernetesArch = (t: string) => (INSTANCE_TYPES[t]?.architecture === "arm64" ? "arm64" : "amd64");

/** eks:index:ManagedNodeGroup taints use the EKS API's effect names (aws/eks nodeGroup taint.effect). */
const EKS_TAINT_EFFECTS: Record<string, Taint["effect"]> = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" };

/** eks:index:ManagedNodeGroup (pulumi-eks v4.3.0 nodejs/eks/nodegroups/nodegroup.ts): instanceTypes, scalingConfig, labels, taints. */
function managedNodeGroup(r: RecordedResource): NodePool {
    const types = ((r.inputs.instanceTypes as string[] | undefined) ?? []).map(String);
    const labels: Record<string, string> = { "kubernetes.io/os": "linux", ...(r.inputs.labels as Record<string, string> | undefined) };
    const capacityType = r.inputs.capacityType;
    // EKS labels managed nodes with their capacity type (eks.amazonaws.com/capacityType: ON_DEMAND | SPOT).
    if (typeof capacityType === "string") labels["eks.amazonaws.com/capacityType"] = capacityType;
    const arch = new Set(types.filter((t) => INSTANCE_TYPES[t]).map(kubernetesArch));
    if (arch.size === 1) labels["kubernetes.io/arch"] = [...arch][0];
    if (types.length === 1) labels["node.kubernetes.io/instance-type"] = types[0];
    const taints = ((r.inputs.taints as { key: string; value?: string; effect: string }[] | undefined) ?? []).map((t) => ({
        key: t.key,
        value: t.value,
        effect: EKS_TAINT_EFFECTS[t.effect] ?? (t.effect as Taint["effect"]),
    }));
    const smallest = smallestOf(types);
    return {
        name: r.name,
        kind: "node group",
        instanceTypes: types,
        minSize: Number(at(r.inputs, "scalingConfig", "minSize") ?? 0),
        maxSize: Number(at(r.inputs, "scalingConfig", "maxSize") ?? 0),
        labels,
        taints,
        shapes: smallest ? [{ instanceType: smallest.instanceType, allocatable: smallest, labels: { ...fixed(labels), [ZONE]: "any" } }] : [],
        smallest,
        unknownTypes: types.filter((t) => !INSTANCE_TYPES[t]),
        problems: [],
    };
}

const fixed = (labels: Record<string, string>): LabelValues => Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, [v]]));

export const KARPENTER_NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool";
export const EXPECTED_NODES_ANNOTATION = "platform/expected-nodes";
const CAPACITY_TYPE = "karpenter.sh/capacity-type";
const INSTANCE_TYPE = "node.kubernetes.io/instance-type";
const ZONE = "topology.kubernetes.io/zone";

/**
 * The well-known labels Karpenter derives from an instance type (aws/karpenter-provider-aws
 * website/content/en/v1.14/concepts/scheduling.md "Well-Known Labels"; category: the letters before the generation).
 */
export function instanceLabels(type: string): Record<string, string> {
    const t = INSTANCE_TYPES[type];
    const [family, size] = type.split(".");
    const m = /^([a-z]+)(\d+)/.exec(family);
    return {
        [INSTANCE_TYPE]: type,
        "kubernetes.io/arch": kubernetesArch(type),
        "kubernetes.io/os": "linux",
        "karpenter.k8s.aws/instance-family": family,
        "karpenter.k8s.aws/instance-size": size,
        ...(m ? { "karpenter.k8s.aws/instance-category": m[1], "karpenter.k8s.aws/instance-generation": m[2] } : {}),
        ...(t ? { "karpenter.k8s.aws/instance-cpu": String(t.vcpu), "karpenter.k8s.aws/instance-memory": String(t.memoryMiB) } : {}),
    };
}

export interface Requirement {
    key: string;
    operator: string;
    values?: string[];
}

/** Whether a label with these possible values can satisfy one requirement (core/v1 NodeSelectorRequirement). */
export function satisfies(values: string[] | "any" | undefined, r: Requirement): boolean {
    const want = (r.values ?? []).map(String);
    if (values === "any") return r.operator !== "DoesNotExist";
    const has = values !== undefined && values.length > 0;
    switch (r.operator) {
        case "In":
            return has && values.some((v) => want.includes(v));
        case "NotIn":
            return !has || values.some((v) => !want.includes(v));
        case "Exists":
            return has;
        case "DoesNotExist":
            return !has;
        case "Gt":
            return has && values.some((v) => Number(v) > Number(want[0]));
        case "Lt":
            return has && values.some((v) => Number(v) < Number(want[0]));
        case "Gte":
            return has && values.some((v) => Number(v) >= Number(want[0]));
        case "Lte":
            return has && values.some((v) => Number(v) <= Number(want[0]));
        default:
            return false;
    }
}

/** Requirement keys that narrow the instance types, checked against instanceLabels(). */
const TYPE_KEYS = new Set(Object.keys(instanceLabels("m6i.large")));

/** A label domain Karpenter reserves: a requirement there that this file does not derive cannot be evaluated. */
const RESERVED_DOMAIN = /(^|\.)(kubernetes\.io|k8s\.io|karpenter\.sh|karpenter\.k8s\.aws)\//;

/**
 * kubernetes:karpenter.sh/v1:NodePool (shared/reference/karpenter/crds/karpenter.sh_nodepools.yaml): the instance types
 * its requirements allow, its capacity types, taints, template labels, limits and expected size.
 */
function karpenterNodePool(r: RecordedResource): NodePool {
    const name = String(at(r.inputs, "metadata", "name") ?? r.name);
    const spec = (at(r.inputs, "spec", "template", "spec") as any) ?? {};
    const requirements: Requirement[] = spec.requirements ?? [];
    const templateLabels = { ...(at(r.inputs, "spec", "template", "metadata", "labels") as Record<string, string> | undefined) };
    const problems: string[] = [];
    const typeList = requirements.find((q) => q.key === INSTANCE_TYPE && q.operator === "In")?.values ?? [];
    if (typeList.length === 0)
        problems.push(
            `Karpenter pool ${name}: no ${INSTANCE_TYPE} In [...] requirement: Karpenter may pick any EC2 type, which the plan can neither size nor price`,
        );
    const unknownTypes = typeList.filter((t) => !INSTANCE_TYPES[t]);
    let types = typeList.filter((t) => INSTANCE_TYPES[t]);
    let capacityTypes = ["spot", "on-demand"];
    const extra: LabelValues = { [ZONE]: "any" };
    for (const q of requirements) {
        if (TYPE_KEYS.has(q.key)) types = types.filter((t) => satisfies([instanceLabels(t)[q.key]].filter(Boolean), q));
        else if (q.key === CAPACITY_TYPE) capacityTypes = capacityTypes.filter((c) => satisfies([c], q));
        else if (q.key === ZONE) extra[ZONE] = q.operator === "In" ? (q.values ?? []) : "any";
        else if (RESERVED_DOMAIN.test(q.key))
            problems.push(
                `Karpenter pool ${name}: requirement ${q.key} ${q.operator} cannot be evaluated offline (offline/preflight/nodes.ts derives ${[...TYPE_KEYS, CAPACITY_TYPE, ZONE].join(", ")})`,
            );
        // Any other key becomes a node label Karpenter sets from the requirement.
        else extra[q.key] = q.operator === "In" ? (q.values ?? []) : q.operator === "Exists" ? "any" : [];
    }
    if (!requirements.some((q) => q.key === CAPACITY_TYPE))
        problems.push(`Karpenter pool ${name}: no ${CAPACITY_TYPE} requirement: spot or on-demand is Karpenter's choice, so the pool cannot be priced`);
    if (typeList.length > 0 && types.length === 0 && unknownTypes.length === 0)
        problems.push(`Karpenter pool ${name}: its requirements leave none of its instance types (${typeList.join(", ")})`);
    const limits = (at(r.inputs, "spec", "limits") ?? {}) as Record<string, unknown>;
    const expected = at(r.inputs, "metadata", "annotations", EXPECTED_NODES_ANNOTATION);
    const expectedNodes = expected === undefined || !/^\d+$/.test(String(expected)) ? undefined : Number(expected);
    const shapes = types.map((t) => ({
        instanceType: t,
        allocatable: allocatable(t)!,
        labels: { ...fixed(instanceLabels(t)), [CAPACITY_TYPE]: capacityTypes, "karpenter.sh/nodepool": [name], ...extra, ...fixed(templateLabels) },
    }));
    return {
        name,
        kind: "Karpenter pool",
        instanceTypes: types,
        minSize: 0,
        maxSize: 0,
        labels: templateLabels,
        taints: (spec.taints ?? []) as Taint[],
        shapes,
        smallest: smallestOf(types),
        unknownTypes,
        problems,
        karpenter: {
            capacityTypes,
            limits: {
                cpuMilli: limits.cpu === undefined ? undefined : millicores(limits.cpu),
                memoryMiB: limits.memory === undefined ? undefined : mebibytes(limits.memory),
            },
            expectedNodes,
            nodeClass: spec.nodeClassRef?.name,
        },
    };
}

export const POOL_READERS: Record<string, (r: RecordedResource) => NodePool> = {
    [MANAGED_NODE_GROUP]: managedNodeGroup,
    [KARPENTER_NODE_POOL]: karpenterNodePool,
};

export function nodePools(resources: RecordedResource[]): NodePool[] {
    return resources.filter((r) => POOL_READERS[r.type]).map((r) => POOL_READERS[r.type](r));
}
