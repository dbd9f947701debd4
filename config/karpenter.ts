/**
 * Karpenter's NodePools from stack config: `karpenter:general` and `karpenter:ci`, each a JSON object whose fields
 * override the profile's pool (config/profiles.ts). The system managed node group keeps its `cluster:*` keys.
 */
import { INSTANCE_TYPES } from "../offline/data/instance-types";
import { Problems } from "./problems";
import { Parser, perProfile } from "./spec";

export type PoolName = "general" | "ci";
export type KarpenterCapacityType = "spot" | "on-demand";

export interface PoolSettings {
    readonly name: PoolName;
    /** The pool's `node.kubernetes.io/instance-type In` list: what the cost and capacity checks price and size. */
    readonly instanceTypes: readonly string[];
    /** May the pool launch spot? general adds on-demand to spot; ci is spot only. */
    readonly spot: boolean;
    readonly capacityTypes: readonly KarpenterCapacityType[];
    /** `spec.limits.cpu`, in vCPU. */
    readonly cpuLimit: number;
    /** `spec.limits.memory`, in GiB. */
    readonly memoryLimitGi: number;
    /** The pool's usual size, for the cost estimate (annotation platform/expected-nodes). */
    readonly expectedNodes: number;
    /** `spec.disruption.budgets[0].nodes`: how many nodes Karpenter may disrupt at once (a count or a percentage). */
    readonly disruptionBudget: string;
    /** `spec.disruption.consolidateAfter`. */
    readonly consolidateAfter: string;
    /**
     * `spec.template.spec.expireAfter`: a node's maximum age. Expiry is forceful: disruption budgets do not hold it
     * back, only `terminationGracePeriod` bounds the drain that follows.
     */
    readonly expireAfter: string;
    /**
     * `spec.template.spec.terminationGracePeriod`: how long a deleted node may drain before Karpenter evicts what is
     * left, do-not-disrupt and PodDisruptionBudgets included. Unset, a drain blocked by either waits forever.
     */
    readonly terminationGracePeriod: string;
}

export interface KarpenterSettings {
    /** general always; ci where Jenkins runs. */
    readonly pools: readonly PoolSettings[];
}

export type PoolFields = Omit<PoolSettings, "name" | "capacityTypes">;
const FIELDS = [
    "instanceTypes",
    "spot",
    "cpuLimit",
    "memoryLimitGi",
    "expectedNodes",
    "disruptionBudget",
    "consolidateAfter",
    "expireAfter",
    "terminationGracePeriod",
];

/**
 * The longest time limit of a Jenkinsfile stage that holds an agent pod (`timeout(time: 60, unit: 'MINUTES')` on
 * CI, Deploy dev and Promote). Pools that run agents drain for a little longer, so a node deleted under a build
 * lets it finish or time out before the agent is evicted.
 */
export const AGENT_STAGE_TIMEOUT_MINUTES = 60;
/** The drain of a pool that runs agents (config/profiles.ts gives it to ci, and to general where Jenkins runs). */
export const AGENT_DRAIN = `${AGENT_STAGE_TIMEOUT_MINUTES + 10}m`;

/** The fields a stack file gives, structure only: parsePool validates them merged over the profile's pool. */
const poolOverride: Parser<Partial<PoolFields>> = (raw, at) => {
    let v: unknown;
    try {
        v = JSON.parse(raw);
    } catch {
        at.problems.add(at.key, "is not valid JSON");
        return undefined;
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
        at.problems.add(at.key, `must be an object with ${FIELDS.join(", ")}`);
        return undefined;
    }
    for (const field of Object.keys(v).filter((f) => !FIELDS.includes(f))) at.problems.add(at.key, `"${field}" is not a pool setting (${FIELDS.join(", ")})`);
    return v;
};

const POOL_FIELDS_HELP =
    "`instanceTypes`, `spot`, `cpuLimit` (vCPU), `memoryLimitGi`, `expectedNodes` (for the cost estimate), `disruptionBudget`, `consolidateAfter`, `expireAfter`, `terminationGracePeriod`";

/** Joined into config/schema.ts's SCHEMA; each profile (config/profiles.ts) gives both pools' defaults. */
export const KARPENTER_KEYS = {
    "karpenter:general": perProfile(
        `Karpenter's general NodePool (the app and platform workloads): a JSON object overriding any of the profile's ${POOL_FIELDS_HELP}.`,
        poolOverride,
    ),
    "karpenter:ci": perProfile(
        `Karpenter's ci NodePool (Jenkins agents; only where Jenkins runs; spot only, else on-demand): fields as karpenter:general.`,
        poolOverride,
    ),
};

/** The capacity types a pool asks Karpenter for: ci is spot whenever spot is allowed, general adds on-demand. */
export function capacityTypesOf(name: PoolName, spot: boolean): KarpenterCapacityType[] {
    if (!spot) return ["on-demand"];
    return name === "ci" ? ["spot"] : ["spot", "on-demand"];
}

// The NodePool CRD's patterns (shared/reference/karpenter/crds/karpenter.sh_nodepools.yaml): budgets[].nodes,
// disruption.consolidateAfter and template.spec.expireAfter, template.spec.terminationGracePeriod (no Never).
const BUDGET = /^((100|[0-9]{1,2})%|[0-9]+)$/;
const DURATION = /^(([0-9]+(s|m|h))+|Never)$/;
const GRACE = /^([0-9]+(s|m|h))+$/;

/** Seconds of a Go duration the NodePool CRD accepts ("1h30m"); Infinity for Never. */
export function durationSeconds(d: string): number {
    if (d === "Never") return Infinity;
    const unit: Record<string, number> = { s: 1, m: 60, h: 3600 };
    return [...d.matchAll(/([0-9]+)(s|m|h)/g)].reduce((sum, [, n, u]) => sum + Number(n) * unit[u], 0);
}

/**
 * Tag keys the EC2NodeClass CRD refuses in spec.tags (its x-kubernetes-validations), which carries the stack's tags:
 * a stack tag with one of these keys would make the node class, and so every pool, fail to apply.
 */
const NODE_CLASS_RESTRICTED_TAGS = [
    /^eks:eks-cluster-name$/,
    /^kubernetes\.io\/cluster/,
    /^karpenter\.sh\/nodepool$/,
    /^karpenter\.sh\/nodeclaim$/,
    /^karpenter\.k8s\.aws\/ec2nodeclass$/,
];

/** The keys of these tags the EC2NodeClass would refuse. */
export function nodeClassRestrictedTags(tags: Record<string, string>): string[] {
    return Object.keys(tags).filter((k) => k === "" || NODE_CLASS_RESTRICTED_TAGS.some((r) => r.test(k)));
}

/** `platform:tags` reach every instance Karpenter launches through the EC2NodeClass: refuse what it refuses. */
export function checkNodeClassTags(problems: Problems, key: string, tags: Record<string, string>): void {
    for (const k of nodeClassRestrictedTags(tags))
        problems.add(key, `tag ${JSON.stringify(k)}: the EC2NodeClass refuses it in spec.tags (a key Karpenter or EKS sets on its instances)`);
}

function parsePool(problems: Problems, name: PoolName, given: Partial<PoolFields>, fallback: Partial<PoolFields>): PoolSettings {
    const key = `karpenter:${name}`;
    const merged = { ...fallback, ...given } as Record<string, unknown>;
    const instanceTypes = merged.instanceTypes;
    if (!Array.isArray(instanceTypes) || instanceTypes.length === 0 || !instanceTypes.every((t) => typeof t === "string")) {
        problems.add(`${key}.instanceTypes`, "must be a non-empty list of instance types");
    } else {
        for (const t of instanceTypes.filter((x) => !(x in INSTANCE_TYPES))) {
            problems.add(
                `${key}.instanceTypes`,
                `"${t}" is not in offline/data/instance-types.ts, so the cost estimate and capacity check cannot price or size it: add it there with its source`,
            );
        }
        const arches = new Set(instanceTypes.map((t) => INSTANCE_TYPES[t]?.architecture).filter(Boolean));
        // One EC2NodeClass with one AMI alias: its AMI architecture is chosen per instance, but the pods' images are not.
        if (arches.size > 1) problems.add(`${key}.instanceTypes`, `mixes architectures (${[...arches].join(", ")}): the platform's images are built for one`);
    }
    if (typeof merged.spot !== "boolean") problems.add(`${key}.spot`, "must be true or false");
    const count = (field: string, min: number, max: number) => {
        const v = merged[field];
        if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
            problems.add(`${key}.${field}`, `must be a whole number from ${min} to ${max}`);
        return Number(v);
    };
    const cpuLimit = count("cpuLimit", 1, 1000);
    const memoryLimitGi = count("memoryLimitGi", 1, 8000);
    const expectedNodes = count("expectedNodes", 0, 100);
    const budget = String(merged.disruptionBudget);
    if (!BUDGET.test(budget)) problems.add(`${key}.disruptionBudget`, `"${budget}" is not a node count or percentage (the NodePool CRD's budgets[].nodes)`);
    const consolidateAfter = String(merged.consolidateAfter);
    if (!DURATION.test(consolidateAfter)) problems.add(`${key}.consolidateAfter`, `"${consolidateAfter}" is not a duration such as 30s, 5m or Never`);
    const expireAfter = String(merged.expireAfter);
    if (!DURATION.test(expireAfter)) problems.add(`${key}.expireAfter`, `"${expireAfter}" is not a duration such as 720h or Never`);
    const terminationGracePeriod = String(merged.terminationGracePeriod);
    if (!GRACE.test(terminationGracePeriod))
        problems.add(
            `${key}.terminationGracePeriod`,
            `"${terminationGracePeriod}" is not a duration such as 15m or 1h10m (unset, a blocked drain waits forever)`,
        );

    const types = Array.isArray(instanceTypes) ? (instanceTypes as string[]).filter((t) => t in INSTANCE_TYPES) : [];
    if (types.length > 0 && Number.isInteger(cpuLimit) && Number.isInteger(memoryLimitGi)) {
        // Karpenter launches a node only while the pool's total stays under its limits.
        const largest = Math.max(...types.map((t) => INSTANCE_TYPES[t].vcpu));
        const largestGi = Math.max(...types.map((t) => INSTANCE_TYPES[t].memoryMiB / 1024));
        const nodes = Math.max(1, expectedNodes);
        if (cpuLimit < largest * nodes) problems.add(`${key}.cpuLimit`, `${cpuLimit} vCPU cannot hold ${nodes} node(s) of up to ${largest} vCPU`);
        if (memoryLimitGi < largestGi * nodes)
            problems.add(`${key}.memoryLimitGi`, `${memoryLimitGi} GiB cannot hold ${nodes} node(s) of up to ${largestGi} GiB`);
    }
    const spot = merged.spot === true;
    return {
        name,
        instanceTypes: types,
        spot,
        capacityTypes: capacityTypesOf(name, spot),
        cpuLimit,
        memoryLimitGi,
        expectedNodes,
        disruptionBudget: budget,
        consolidateAfter,
        expireAfter,
        terminationGracePeriod,
    };
}

/**
 * The pools of a stack; `jenkins` adds the ci pool its agents run on. `given` is each key's value as config/schema.ts
 * read it (the stack file's fields, else the profile's pool), merged here over the profile's pool.
 */
export function parseKarpenter(
    problems: Problems,
    given: Readonly<Record<`karpenter:${PoolName}`, Partial<PoolFields>>>,
    profile: Readonly<Record<`karpenter:${PoolName}`, Partial<PoolFields>>>,
    jenkins: boolean,
    ciStated: boolean,
): KarpenterSettings {
    const pools = [parsePool(problems, "general", given["karpenter:general"], profile["karpenter:general"])];
    if (jenkins) pools.push(parsePool(problems, "ci", given["karpenter:ci"], profile["karpenter:ci"]));
    else if (ciStated) problems.add("karpenter:ci", "is set, but this stack runs no Jenkins (cicd:jenkins false), so it has no ci pool");
    // Deploy agents (do-not-disrupt) run on general's on-demand nodes where Jenkins runs, and build agents on ci.
    for (const pool of jenkins ? pools : []) {
        if (GRACE.test(pool.terminationGracePeriod) && durationSeconds(pool.terminationGracePeriod) <= AGENT_STAGE_TIMEOUT_MINUTES * 60) {
            problems.add(
                `karpenter:${pool.name}.terminationGracePeriod`,
                `${pool.terminationGracePeriod} ends a drain before a Jenkins stage's ${AGENT_STAGE_TIMEOUT_MINUTES}-minute limit: an agent on a deleted node would be evicted mid-build`,
            );
        }
    }
    return { pools };
}
