/**
 * Capacity: every pod fits a node it can land on, and all of them fit the node pools at their minimum size (steady
 * replicas) and at their peak (HPA max, one pod per Jenkins agent template).
 * System pods count too: the add-ons' Deployments as pods, their DaemonSets as what every node loses first
 * (offline/data/system-pods.ts).
 * A pod can land on a pool whose taints it tolerates and whose nodes' labels satisfy its nodeSelector and required
 * node affinity, as the scheduler and Karpenter decide (kubernetes-sigs/karpenter: a NodePool whose taints a pod does
 * not tolerate is not used for it; aws/karpenter-provider-aws website/content/en/v1.14/concepts/scheduling.md).
 * A managed node group has its size; a Karpenter pool launches nodes for pods that find no room, while the capacity
 * of its nodes stays within its spec.limits (filterByRemainingResources compares instance capacity to the limits).
 */
import { Check, PreflightInput } from "./check";
import { Allocatable, capacityOf, LabelValues, NodePool, nodePools, NodeShape, satisfies, Taint } from "./nodes";
import { perNodeOverhead, PodDemand, podsOf, Toleration } from "./pods";
import { formatCpu, formatMemory } from "./quantity";

function fits(pod: PodDemand, node: Allocatable): boolean {
    return pod.cpuMilli <= node.cpuMilli && pod.memoryMiB <= node.memoryMiB && node.pods >= 1;
}

function describe(node: Allocatable): string {
    return `${formatCpu(node.cpuMilli)}, ${formatMemory(node.memoryMiB)}, ${node.pods} pods`;
}

/** core/v1 ToleratesTaint: an empty key with Exists tolerates every taint; an empty effect matches every effect. */
export function tolerates(tolerations: Toleration[], taint: Taint): boolean {
    return tolerations.some(
        (t) =>
            (t.key ? t.key === taint.key : t.operator === "Exists") &&
            (t.operator === "Exists" || (t.value ?? "") === (taint.value ?? "")) &&
            (!t.effect || t.effect === taint.effect),
    );
}

const formatTaint = (t: Taint) => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`;

/** Whether a node with these labels satisfies the pod's nodeSelector and one of its required node affinity terms. */
export function selects(pod: PodDemand, labels: LabelValues): boolean {
    const selector = Object.entries(pod.nodeSelector).every(([key, v]) => satisfies(labels[key], { key, operator: "In", values: [v] }));
    return selector && (!pod.nodeAffinity || pod.nodeAffinity.some((term) => term.every((q) => satisfies(labels[q.key], q))));
}

function selectorText(pod: PodDemand): string {
    const parts = [];
    if (Object.keys(pod.nodeSelector).length) parts.push(`nodeSelector ${JSON.stringify(pod.nodeSelector)}`);
    if (pod.nodeAffinity)
        parts.push(
            `node affinity ${pod.nodeAffinity.map((t) => t.map((q) => `${q.key} ${q.operator}${q.values ? ` ${q.values.join("|")}` : ""}`).join(" & ")).join(" or ")}`,
        );
    return parts.join(" and ");
}

const poolName = (p: NodePool) => `${p.kind} ${p.name}`;

/** Why a pod cannot run on any node of this pool, or undefined when one of its node shapes can take it. */
export function rejection(pod: PodDemand, pool: NodePool): string | undefined {
    const untolerated = pool.taints.filter((t) => t.effect !== "PreferNoSchedule" && !tolerates(pod.tolerations, t));
    if (untolerated.length) return `taint ${untolerated.map(formatTaint).join(", ")} not tolerated`;
    const matching = pool.shapes.filter((s) => selects(pod, s.labels));
    if (matching.length === 0) return `no node matches its ${selectorText(pod)}`;
    if (matching.some((s) => fits(pod, s.allocatable))) return undefined;
    const largest = [...matching].sort((a, b) => b.allocatable.cpuMilli - a.allocatable.cpuMilli || b.allocatable.memoryMiB - a.allocatable.memoryMiB)[0];
    return `too small: a ${largest.instanceType} node gives pods ${describe(largest.allocatable)}`;
}

interface Node {
    pool: NodePool;
    shape: NodeShape;
    free: Allocatable;
    names: Set<string>;
}

export interface Placed {
    /** Pods left Pending, with why. */
    left: { pod: PodDemand; why: string }[];
    /** The nodes each Karpenter pool launched, by instance type. */
    launched: Map<NodePool, NodeShape[]>;
}

function take(node: Node, pod: PodDemand): void {
    node.free.cpuMilli -= pod.cpuMilli;
    node.free.memoryMiB -= pod.memoryMiB;
    node.free.pods -= 1;
    node.names.add(pod.name);
}

function used(nodes: NodeShape[]): { cpuMilli: number; memoryMiB: number } {
    return nodes.reduce(
        (s, n) => {
            const c = capacityOf(n.instanceType)!;
            return { cpuMilli: s.cpuMilli + c.cpuMilli, memoryMiB: s.memoryMiB + c.memoryMiB };
        },
        { cpuMilli: 0, memoryMiB: 0 },
    );
}

function withinLimits(pool: NodePool, launched: NodeShape[], shape: NodeShape): boolean {
    const limits = pool.karpenter?.limits ?? {};
    const after = used([...launched, shape]);
    return (limits.cpuMilli === undefined || after.cpuMilli <= limits.cpuMilli) && (limits.memoryMiB === undefined || after.memoryMiB <= limits.memoryMiB);
}

/**
 * First-fit decreasing onto the node groups at `size` nodes of their shape; a pod that finds no room there makes a
 * Karpenter pool it may use launch the smallest of its types that holds it, while the pool stays within its limits.
 */
export function place(pods: PodDemand[], pools: NodePool[], size: "minSize" | "maxSize", replicas: "steady" | "peak"): Placed {
    const nodes: Node[] = pools
        .filter((p) => !p.karpenter && p.shapes.length)
        .flatMap((pool) =>
            Array.from({ length: pool[size] }, () => ({ pool, shape: pool.shapes[0], free: { ...pool.shapes[0].allocatable }, names: new Set<string>() })),
        );
    const launched = new Map<NodePool, NodeShape[]>(pools.filter((p) => p.karpenter).map((p) => [p, []]));
    const instances = pods
        .flatMap((p) => Array.from({ length: p.replicas[replicas] }, () => p))
        .sort((a, b) => b.cpuMilli - a.cpuMilli || b.memoryMiB - a.memoryMiB);
    const left: Placed["left"] = [];
    for (const pod of instances) {
        const allowed = new Set(pools.filter((p) => rejection(pod, p) === undefined));
        const room = (n: Node) => allowed.has(n.pool) && selects(pod, n.shape.labels) && fits(pod, n.free) && !(pod.onePerNode && n.names.has(pod.name));
        const existing = nodes.find(room);
        if (existing) {
            take(existing, pod);
            continue;
        }
        const atLimits: string[] = [];
        let node: Node | undefined;
        for (const pool of [...allowed].filter((p) => p.karpenter)) {
            const shapes = pool.shapes
                .filter((s) => selects(pod, s.labels) && fits(pod, s.allocatable))
                .sort((a, b) => a.allocatable.cpuMilli - b.allocatable.cpuMilli || a.allocatable.memoryMiB - b.allocatable.memoryMiB);
            const shape = shapes.find((s) => withinLimits(pool, launched.get(pool)!, s));
            if (!shape) {
                atLimits.push(pool.name);
                continue;
            }
            launched.get(pool)!.push(shape);
            node = { pool, shape, free: { ...shape.allocatable }, names: new Set() };
            nodes.push(node);
            break;
        }
        if (node) {
            take(node, pod);
            continue;
        }
        left.push({ pod, why: atLimits.length ? `Karpenter pool ${atLimits.join(", ")} at its limits` : "no room on the node groups" });
    }
    return { left, launched };
}

function summarize(left: Placed["left"]): string {
    const counts = new Map<string, number>();
    for (const { pod, why } of left) {
        const key = `${pod.name} (${why})`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts.entries()].map(([n, c]) => (c > 1 ? `${c} x ${n}` : n)).join(", ");
}

/** What every node of a pool gives pods once the plan's DaemonSets run on it. */
export function withDaemonSets(pool: NodePool, resources: PreflightInput["resources"]): NodePool {
    return afterDaemonSets(pool, perNodeOverhead(resources));
}

function afterDaemonSets(pool: NodePool, overhead: ReturnType<typeof perNodeOverhead>): NodePool {
    const less = (a: Allocatable): Allocatable => ({
        cpuMilli: a.cpuMilli - overhead.cpuMilli,
        memoryMiB: a.memoryMiB - overhead.memoryMiB,
        pods: a.pods - overhead.pods,
    });
    return {
        ...pool,
        shapes: pool.shapes.map((s) => ({ ...s, allocatable: less(s.allocatable) })),
        smallest: pool.smallest && { ...pool.smallest, ...less(pool.smallest) },
    };
}

function limitsText(pool: NodePool): string {
    const l = pool.karpenter!.limits;
    return `limits ${l.cpuMilli === undefined ? "no cpu limit" : formatCpu(l.cpuMilli)}, ${l.memoryMiB === undefined ? "no memory limit" : formatMemory(l.memoryMiB)}`;
}

function poolLine(pool: NodePool, overheadNames: string[]): string {
    if (!pool.karpenter) {
        return `node group ${pool.name}: ${pool.minSize}..${pool.maxSize} x ${pool.instanceTypes.join("|")}; smallest node gives pods ${describe(pool.smallest!)} after DaemonSets (${overheadNames.join(", ")})`;
    }
    const largest = [...pool.shapes].sort((a, b) => b.allocatable.cpuMilli - a.allocatable.cpuMilli)[0];
    const taints = pool.taints.length ? `; taints ${pool.taints.map(formatTaint).join(", ")}` : "";
    return `Karpenter pool ${pool.name}: ${pool.instanceTypes.join("|")} ${pool.karpenter.capacityTypes.join("|")}${taints}; ${limitsText(pool)}; largest node gives pods ${describe(largest.allocatable)} after DaemonSets`;
}

function launchedText(placed: Placed): string {
    return [...placed.launched.entries()]
        .map(([pool, shapes]) => {
            const counts = new Map<string, number>();
            for (const s of shapes) counts.set(s.instanceType, (counts.get(s.instanceType) ?? 0) + 1);
            const nodes = shapes.length ? [...counts.entries()].map(([t, n]) => `${n} x ${t}`).join(" + ") : "no nodes";
            const u = used(shapes);
            return `Karpenter pool ${pool.name} launches ${nodes} (${formatCpu(u.cpuMilli)}, ${formatMemory(u.memoryMiB)} of its ${limitsText(pool)})`;
        })
        .join("; ");
}

/**
 * The size the cost estimate counts for each pool (annotation platform/expected-nodes) beside what its pods need, so
 * a claim the pods do not back is seen. Topology spread is not modelled: a pod spread across zones with
 * DoNotSchedule needs a node per zone, which the stack file's comment must then say.
 */
export function expectedLines(pools: NodePool[], launched: Partial<Record<"steady" | "peak", Placed["launched"]>>): string[] {
    return pools
        .filter((p) => p.karpenter)
        .map((pool) => {
            const need = (r: "steady" | "peak") => launched[r]?.get(pool)?.length ?? 0;
            const expected = pool.karpenter!.expectedNodes;
            return `Karpenter pool ${pool.name}: the cost counts ${expected ?? "no"} expected node(s); its pods need ${need("steady")} in steady state, ${need("peak")} at their peak`;
        });
}

/**
 * Spot launches need the account's service-linked role AWSServiceRoleForEC2Spot; without it RunInstances/CreateFleet
 * fail with AuthFailure.ServiceLinkedRoleCreationNotPermitted unless the caller may create it (aws/karpenter-provider-aws
 * website/content/en/v1.14/troubleshooting.md; getting-started scripts/step06-add-spot-role.sh). It is account-wide
 * and creating it twice fails, so it is a prerequisite, not a resource of this stack.
 */
export function spotRoleNote(pools: NodePool[]): string | undefined {
    const spot = pools.filter((p) => (p.karpenter ? p.karpenter.capacityTypes.includes("spot") : p.labels["eks.amazonaws.com/capacityType"] === "SPOT"));
    if (spot.length === 0) return undefined;
    return (
        `spot: ${spot.map(poolName).join(", ")} may launch spot instances: the account needs the service-linked role AWSServiceRoleForEC2Spot ` +
        "(once per account: aws iam create-service-linked-role --aws-service-name spot.amazonaws.com)"
    );
}

export const capacity: Check = ({ resources }: PreflightInput) => {
    const lines: string[] = [];
    const problems: string[] = [];
    const overhead = perNodeOverhead(resources);
    // Every node first runs the DaemonSets; what is left is what the other pods can have.
    const pools = nodePools(resources).map((p) => afterDaemonSets(p, overhead));
    const spot = spotRoleNote(pools);
    if (spot) lines.push(spot);
    const pods = podsOf(resources);
    if (pods.length === 0) return { check: "capacity", lines: ["no pods defined"], problems };
    if (pools.length === 0) {
        return { check: "capacity", lines, problems: [`${pods.length} pod(s) are defined but the plan has no node group for them to run on`] };
    }
    for (const pool of pools) {
        for (const t of pool.unknownTypes)
            problems.push(`${poolName(pool)}: instance type ${t} is not in offline/data/instance-types.ts; add it with its source`);
        problems.push(...pool.problems);
        if (pool.shapes.length) lines.push(poolLine(pool, overhead.names));
    }
    const sized = pools.filter((p) => p.shapes.length);
    // A pool whose nodes cannot be sized might be where a pod lands: one problem says so, not one per pod.
    if (sized.length < pools.length) return { check: "capacity", lines, problems };
    const placeable: PodDemand[] = [];
    for (const pod of pods) {
        const request = `${formatCpu(pod.cpuMilli)}, ${formatMemory(pod.memoryMiB)}`;
        const verdicts = sized.map((p) => ({ pool: p, why: rejection(pod, p) }));
        const landing = verdicts.filter((v) => v.why === undefined).map((v) => poolName(v.pool));
        if (landing.length === 0) {
            problems.push(`${pod.name} requests ${request} and would stay Pending: ${verdicts.map((v) => `${poolName(v.pool)}: ${v.why}`).join("; ")}`);
        } else {
            placeable.push(pod);
            lines.push(`${pod.name}: ${request}${pod.replicas.peak > 1 ? ` x ${pod.replicas.steady}..${pod.replicas.peak}` : ""}: fits ${landing.join(", ")}`);
        }
    }
    // Nothing scales a managed node group once Karpenter provisions the rest: at peak it is still at its minimum.
    const peakSize = sized.some((p) => p.karpenter) ? "minSize" : "maxSize";
    const launched: Partial<Record<"steady" | "peak", Placed["launched"]>> = {};
    for (const [size, replicas, when] of [
        ["minSize", "steady", "minimum size"],
        [peakSize, "peak", peakSize === "minSize" ? "minimum size" : "maximum size"],
    ] as const) {
        const placed = place(placeable, sized, size, replicas);
        launched[replicas] = placed.launched;
        const groups = sized.filter((p) => !p.karpenter);
        const nodes = groups.length
            ? `the node groups' ${when} (${groups.map((p) => `${p[size]} x ${p.smallest!.instanceType}`).join(" + ")})`
            : "no node group";
        const pools = placed.launched.size ? `; ${launchedText(placed)}` : "";
        if (placed.left.length === 0) lines.push(`all pods (${replicas} replicas) fit ${nodes}${pools}`);
        else problems.push(`at ${nodes} ${placed.left.length} pod(s) find no room (${replicas} replicas): ${summarize(placed.left)}${pools}`);
    }
    lines.push(...expectedLines(sized, launched));
    return { check: "capacity", lines, problems };
};
