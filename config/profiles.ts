/**
 * Environment profiles as data. A stack names its profile with `platform:environment` (default: the stack's name);
 * the profile supplies the defaults of every per-profile key (config/schema.ts) and the guardrails that config
 * validation, the program, the policy pack, the deploy CLI and the pipeline read instead of comparing names.
 * Adding an environment of an existing kind is one stack file; a new kind of environment is one entry here.
 */
import { AGENT_DRAIN } from "./karpenter";
import { Problems } from "./problems";
import type { ProfileDefaults } from "./schema";

/** The ci pool (Jenkins agents; in staging and prod only if a stack turns Jenkins on): spot, empty between builds. */
const CI_POOL = {
    instanceTypes: ["m6i.xlarge", "m6a.xlarge"],
    spot: true,
    cpuLimit: 16,
    memoryLimitGi: 64,
    expectedNodes: 0,
    disruptionBudget: "100%",
    consolidateAfter: "1m",
    expireAfter: "720h",
    terminationGracePeriod: AGENT_DRAIN,
};

/** The general pool of staging and prod: on-demand, one node disrupted at a time; each profile sets its size. */
const prodLikeGeneralPool = (cpuLimit: number, memoryLimitGi: number, expectedNodes: number) => ({
    instanceTypes: ["m6i.xlarge", "m6a.xlarge", "m7i.xlarge"],
    spot: false,
    cpuLimit,
    memoryLimitGi,
    expectedNodes,
    disruptionBudget: "1",
    consolidateAfter: "10m",
    expireAfter: "720h",
    terminationGracePeriod: "15m",
});

const ALL_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/**
 * Prod's shape, which staging shares so that what passes there meets prod's guardrails: three AZs, a NAT per AZ, an
 * on-demand system node group (Karpenter, CoreDNS, the LB controller, metrics-server; the workloads run on Karpenter's
 * pools) and every control-plane log.
 */
const PROD_SHAPE = {
    "network:azCount": 3,
    "network:natStrategy": "onePerAz",
    "cluster:instanceTypes": ["m6i.large", "m6a.large"],
    "cluster:capacityType": "ON_DEMAND",
    "cluster:minSize": 2,
    "cluster:desiredSize": 2,
    "cluster:maxSize": 3,
    "cluster:logTypes": ALL_LOG_TYPES,
} as const;

/** What an environment must hold to, whatever its stack file says. */
export interface Guardrails {
    /** Fewest AZs a stack may span. */
    readonly minAzs: number;
    /** A NAT gateway in every AZ, so one AZ's outage does not cut every node off. */
    readonly natPerAz: boolean;
    /** Fewest app replicas (the app stack's app:minReplicas), so a node or AZ loss is not an outage. */
    readonly minReplicas: number;
    /** Fewest nodes the node group may scale to (cluster:minSize, cluster:desiredSize). */
    readonly minNodes: number;
    /**
     * The system node group may be spot (cluster:capacityType SPOT): it runs Karpenter and CoreDNS. Karpenter's pools take
     * spot only where their own config says so (karpenter:general's spot), which the policy spot-only-where-allowed checks.
     */
    readonly spotAllowed: boolean;
    /** Alerts must reach someone (a Slack channel or email). */
    readonly alertsRequired: boolean;
    /** Volumes survive their PVC (StorageClass reclaimPolicy Retain). */
    readonly retainData: boolean;
    /** Stateful resources (registry, KMS keys, backup vault) are protected from deletion, and destroy needs --yes-destroy-prod. */
    readonly deletionProtection: boolean;
    /** The public API endpoint is off or limited to named CIDRs (policy eks-public-endpoint-restricted). */
    readonly restrictPublicEndpoint: boolean;
}

export interface Profile {
    readonly name: string;
    readonly description: string;
    readonly defaults: ProfileDefaults;
    readonly guardrails: Guardrails;
}

export const PROFILES = {
    dev: {
        name: "dev",
        description: "cheap to leave running: one NAT and spot nodes are acceptable losses; runs Jenkins",
        defaults: {
            "network:azCount": 2,
            "network:natStrategy": "single",
            "cluster:instanceTypes": ["t3.large", "t3a.large"],
            "cluster:capacityType": "SPOT",
            // Two nodes: Karpenter's two replicas must be on different nodes, and nothing else runs here.
            "cluster:minSize": 2,
            "cluster:desiredSize": 2,
            "cluster:maxSize": 3,
            "cluster:diskSizeGiB": 50,
            "cluster:logTypes": ["api", "audit"],
            "cluster:logRetentionDays": 14,
            "app:minReplicas": 2,
            "app:maxReplicas": 4,
            "cicd:jenkins": true,
            "cicd:storageSize": "20Gi",
            "observability:retention": "7d",
            "observability:prometheusStorage": "20Gi",
            "karpenter:general": {
                instanceTypes: ["t3.large", "t3a.large", "m6i.large", "m6a.large"],
                spot: true,
                cpuLimit: 16,
                memoryLimitGi: 64,
                expectedNodes: 1,
                disruptionBudget: "20%",
                consolidateAfter: "5m",
                expireAfter: "720h",
                terminationGracePeriod: AGENT_DRAIN,
            },
            "karpenter:ci": { ...CI_POOL, instanceTypes: ["t3.xlarge", "t3a.xlarge", "m6i.xlarge", "m6a.xlarge"] },
            "backup:retentionDays": 7,
        },
        guardrails: {
            minAzs: 2,
            natPerAz: false,
            minReplicas: 1,
            minNodes: 0,
            spotAllowed: true,
            alertsRequired: false,
            retainData: false,
            deletionProtection: false,
            restrictPublicEndpoint: false,
        },
    },
    // Shaped like prod (three AZs, NAT per AZ, on-demand, alerts), so what passes here meets prod's guardrails; smaller,
    // shorter-lived data, and disposable: rebuilt from code, so nothing is retained or protected.
    staging: {
        name: "staging",
        description: "prod's shape at a smaller size: three AZs, NAT per AZ, on-demand; its data is disposable",
        defaults: {
            ...PROD_SHAPE,
            "cluster:diskSizeGiB": 50,
            "cluster:logRetentionDays": 30,
            "app:minReplicas": 2,
            "app:maxReplicas": 6,
            "cicd:jenkins": false,
            "cicd:storageSize": "20Gi",
            "observability:retention": "15d",
            "observability:prometheusStorage": "50Gi",
            "karpenter:general": prodLikeGeneralPool(24, 96, 2),
            // Used only where a stack of this profile runs Jenkins (cicd:jenkins true).
            "karpenter:ci": CI_POOL,
            "backup:retentionDays": 14,
        },
        guardrails: {
            minAzs: 3,
            natPerAz: true,
            minReplicas: 2,
            minNodes: 1,
            spotAllowed: true,
            alertsRequired: true,
            retainData: false,
            deletionProtection: false,
            restrictPublicEndpoint: true,
        },
    },
    // Survives the loss of an AZ: NAT per AZ and on-demand capacity; keeps its data.
    prod: {
        name: "prod",
        description: "survives the loss of an AZ: three AZs, NAT per AZ, on-demand nodes; keeps and protects its data",
        defaults: {
            ...PROD_SHAPE,
            "cluster:diskSizeGiB": 100,
            "cluster:logRetentionDays": 90,
            "app:minReplicas": 3,
            "app:maxReplicas": 12,
            "cicd:jenkins": false,
            "cicd:storageSize": "50Gi",
            "observability:retention": "30d",
            "observability:prometheusStorage": "100Gi",
            "karpenter:general": prodLikeGeneralPool(48, 192, 3),
            // Used only where a stack of this profile runs Jenkins (cicd:jenkins true).
            "karpenter:ci": CI_POOL,
            "backup:retentionDays": 35,
        },
        guardrails: {
            minAzs: 3,
            natPerAz: true,
            minReplicas: 2,
            minNodes: 1,
            spotAllowed: false,
            alertsRequired: true,
            retainData: true,
            deletionProtection: true,
            restrictPublicEndpoint: true,
        },
    },
} as const satisfies Record<string, Profile>;

export type ProfileName = keyof typeof PROFILES;
export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

/** The profile a stack's config names (`platform:environment`, else the stack's name), or undefined when none is. */
export function profileNamed(name: string): Profile | undefined {
    return Object.prototype.hasOwnProperty.call(PROFILES, name) ? PROFILES[name as ProfileName] : undefined;
}

/** A stack's own name, without the org/project of a fully qualified one. */
export function shortStackName(stack: string): string {
    return stack.slice(stack.lastIndexOf("/") + 1);
}

/** The environment (profile name) a stack's raw config asks for. */
export function environmentOf(raw: Readonly<Record<string, unknown>>, stack: string): string {
    const named = raw["platform:environment"];
    return typeof named === "string" && named.trim() !== "" ? named : shortStackName(stack);
}

/**
 * The profile of a stack, platform or app, from its config as the program is given it: the one rule every reader
 * (config/index.ts, config/app.ts, ci/deploy.ts) resolves it by. An unknown name is a problem under platform:environment.
 */
export function resolveProfile(problems: Problems, raw: Readonly<Record<string, unknown>>, stack: string): Profile {
    const name = environmentOf(raw, stack);
    const profile = profileNamed(name);
    if (!profile) {
        problems.add(
            "platform:environment",
            `unknown environment "${name}": set it to one of ${PROFILE_NAMES.join(", ")} (the profiles in config/profiles.ts; it defaults to the stack name)`,
        );
    }
    return profile ?? PROFILES.dev;
}
