/**
 * Capacity: every pod fits a node it can land on, and all of them fit the node pools at their minimum size (steady
 * replicas) and at their maximum size (peak replicas: HPA max, one pod per Jenkins agent template).
 * System pods count too: the add-ons' Deployments as pods, their DaemonSets as what every node loses first
 * (offline/data/system-pods.ts).
 */
import { Check, PreflightInput } from "./check";
import { Allocatable, landingPools, NodePool, nodePools } from "./nodes";
import { perNodeOverhead, PodDemand, podsOf } from "./pods";
import { formatCpu, formatMemory } from "./quantity";

function fits(pod: PodDemand, node: Allocatable): boolean {
    return pod.cpuMilli <= node.cpuMilli && pod.memoryMiB <= node.memoryMiB && node.pods >= 1;
}

function describe(node: Allocatable): string {
    return `${formatCpu(node.cpuMilli)}, ${formatMemory(node.memoryMiB)}, ${node.pods} pods`;
}

/** First-fit decreasing onto `count` nodes of each pool's smallest type; returns the pods left over. */
export function pack(pods: PodDemand[], pools: NodePool[], size: "minSize" | "maxSize", replicas: "steady" | "peak"): PodDemand[] {
    const nodes = pools.flatMap((pool) => Array.from({ length: pool[size] }, () => ({ pool, free: { ...pool.smallest! } })))
        .filter((n) => n.free.cpuMilli !== undefined);
    const instances = pods.flatMap((p) => Array.from({ length: p.replicas[replicas] }, () => p))
        .sort((a, b) => b.cpuMilli - a.cpuMilli || b.memoryMiB - a.memoryMiB);
    const left: PodDemand[] = [];
    for (const pod of instances) {
        const allowed = new Set(landingPools(pod.nodeSelector, pools));
        const node = nodes.find((n) => allowed.has(n.pool) && fits(pod, n.free));
        if (!node) { left.push(pod); continue; }
        node.free.cpuMilli -= pod.cpuMilli;
        node.free.memoryMiB -= pod.memoryMiB;
        node.free.pods -= 1;
    }
    return left;
}

function summarize(pods: PodDemand[]): string {
    const counts = new Map<string, number>();
    for (const p of pods) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
    return [...counts.entries()].map(([n, c]) => (c > 1 ? `${c} x ${n}` : n)).join(", ");
}

export const capacity: Check = ({ resources }: PreflightInput) => {
    const lines: string[] = [];
    const problems: string[] = [];
    const overhead = perNodeOverhead(resources);
    // Every node first runs the DaemonSets; what is left is what the other pods can have.
    const pools = nodePools(resources).map((p) => ({
        ...p,
        smallest: p.smallest && {
            ...p.smallest,
            cpuMilli: p.smallest.cpuMilli - overhead.cpuMilli,
            memoryMiB: p.smallest.memoryMiB - overhead.memoryMiB,
            pods: p.smallest.pods - overhead.pods,
        },
    }));
    const pods = podsOf(resources);
    if (pods.length === 0) return { check: "capacity", lines: ["no pods defined"], problems };
    if (pools.length === 0) {
        return { check: "capacity", lines, problems: [`${pods.length} pod(s) are defined but the plan has no node group for them to run on`] };
    }
    for (const pool of pools) {
        for (const t of pool.unknownTypes) problems.push(`node group ${pool.name}: instance type ${t} is not in offline/data/instance-types.ts; add it with its source`);
        if (pool.smallest) lines.push(`node group ${pool.name}: ${pool.minSize}..${pool.maxSize} x ${pool.instanceTypes.join("|")}; smallest node gives pods ${describe(pool.smallest)} after DaemonSets (${overhead.names.join(", ")})`);
    }
    const sized = pools.filter((p) => p.smallest);
    // A pool whose nodes cannot be sized might be where a pod lands: one problem says so, not one per pod.
    if (sized.length < pools.length) return { check: "capacity", lines, problems };
    const placeable: PodDemand[] = [];
    for (const pod of pods) {
        const landing = landingPools(pod.nodeSelector, sized);
        const request = `${formatCpu(pod.cpuMilli)}, ${formatMemory(pod.memoryMiB)}`;
        if (landing.length === 0) {
            problems.push(`${pod.name} selects nodes ${JSON.stringify(pod.nodeSelector)} that no node group has: it would stay Pending`);
        } else if (!landing.some((p) => fits(pod, p.smallest!))) {
            const p = landing[0];
            problems.push(`${pod.name} requests ${request}, more than a ${p.smallest!.instanceType} node of ${p.name} gives pods (${describe(p.smallest!)}): it would stay Pending`);
        } else {
            placeable.push(pod);
            lines.push(`${pod.name}: ${request}${pod.replicas.peak > 1 ? ` x ${pod.replicas.steady}..${pod.replicas.peak}` : ""}: fits`);
        }
    }
    for (const [size, replicas, when] of [["minSize", "steady", "minimum size"], ["maxSize", "peak", "maximum size"]] as const) {
        const left = pack(placeable, sized, size, replicas);
        const nodes = sized.map((p) => `${p[size]} x ${p.smallest!.instanceType}`).join(" + ");
        if (left.length === 0) lines.push(`all pods (${replicas} replicas) fit the node groups at their ${when} (${nodes})`);
        else problems.push(`at the node groups' ${when} (${nodes}) ${left.length} pod(s) find no room (${replicas} replicas): ${summarize(left)}`);
    }
    return { check: "capacity", lines, problems };
};
