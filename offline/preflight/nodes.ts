/** Where pods can run: the plan's node pools and what each of their nodes gives pods. */
import { INSTANCE_TYPES, NODEADM_RESERVED, VM_MEMORY_OVERHEAD } from "../data/instance-types";
import { RecordedResource } from "../recorder";
import { at, MANAGED_NODE_GROUP } from "./check";

export interface Allocatable {
    cpuMilli: number;
    memoryMiB: number;
    pods: number;
}

/** nodeadm's kube-reserved CPU for a node with this many vCPUs. */
export function reservedCpuMilli(vcpu: number): number {
    const total = vcpu * 1000;
    return NODEADM_RESERVED.cpuBands.reduce((sum, band) =>
        total > band.from ? sum + Math.floor(((Math.min(total, band.to) - band.from) * band.per10000) / 10000) : sum, 0);
}

export function reservedMemoryMiB(maxPods: number): number {
    return NODEADM_RESERVED.memoryMiBPerPod * maxPods + NODEADM_RESERVED.memoryMiBBase;
}

/** Allocatable of an AL2023 node of this type: capacity minus kube-reserved and the hard eviction threshold. */
export function allocatable(instanceType: string): Allocatable | undefined {
    const t = INSTANCE_TYPES[instanceType];
    if (!t) return undefined;
    const capacityMiB = t.memoryMiB - Math.ceil(t.memoryMiB * VM_MEMORY_OVERHEAD);
    return {
        cpuMilli: t.vcpu * 1000 - reservedCpuMilli(t.vcpu),
        memoryMiB: capacityMiB - reservedMemoryMiB(t.maxPods) - NODEADM_RESERVED.evictionHardMemoryMiB,
        pods: t.maxPods,
    };
}

/** A set of nodes the scheduler can place pods on. Karpenter NodePools join by adding a reader to POOL_READERS. */
export interface NodePool {
    name: string;
    instanceTypes: string[];
    minSize: number;
    maxSize: number;
    /** Labels every node of the pool carries (for nodeSelector matching). */
    labels: Record<string, string>;
    /** The smallest node the pool may bring: a pod must fit it, since the pool may consist of only that type. */
    smallest?: Allocatable & { instanceType: string };
    /** Instance types missing from offline/data/instance-types.ts. */
    unknownTypes: string[];
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

/** eks:index:ManagedNodeGroup (pulumi-eks v4.3.0 nodejs/eks/nodegroups/nodegroup.ts): instanceTypes, scalingConfig, labels. */
function managedNodeGroup(r: RecordedResource): NodePool {
    const types = ((r.inputs.instanceTypes as string[] | undefined) ?? []).map(String);
    const labels: Record<string, string> = { ...(r.inputs.labels as Record<string, string> | undefined) };
    const capacityType = r.inputs.capacityType;
    // EKS labels managed nodes with their capacity type (eks.amazonaws.com/capacityType: ON_DEMAND | SPOT).
    if (typeof capacityType === "string") labels["eks.amazonaws.com/capacityType"] = capacityType;
    const arch = new Set(types.map((t) => INSTANCE_TYPES[t]?.architecture).filter(Boolean));
    if (arch.size === 1) labels["kubernetes.io/arch"] = [...arch][0] === "arm64" ? "arm64" : "amd64";
    if (types.length === 1) labels["node.kubernetes.io/instance-type"] = types[0];
    return {
        name: r.name,
        instanceTypes: types,
        minSize: Number(at(r.inputs, "scalingConfig", "minSize") ?? 0),
        maxSize: Number(at(r.inputs, "scalingConfig", "maxSize") ?? 0),
        labels,
        smallest: smallestOf(types),
        unknownTypes: types.filter((t) => !INSTANCE_TYPES[t]),
    };
}

export const POOL_READERS: Record<string, (r: RecordedResource) => NodePool> = {
    [MANAGED_NODE_GROUP]: managedNodeGroup,
};

export function nodePools(resources: RecordedResource[]): NodePool[] {
    return resources.filter((r) => POOL_READERS[r.type]).map((r) => POOL_READERS[r.type](r));
}

/** The pools whose nodes match a pod's nodeSelector. */
export function landingPools(nodeSelector: Record<string, string>, pools: NodePool[]): NodePool[] {
    return pools.filter((p) => Object.entries(nodeSelector).every(([k, v]) => p.labels[k] === v));
}
