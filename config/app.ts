/**
 * Config of the app stacks (appstack/Pulumi.<env>.yaml): the workload's own settings, each declared here once, with its
 * default per profile (config/profiles.ts) where it has one. Everything about the cluster, the ALB, DNS and the registry
 * comes from the platform stack's `appPlatform` (its SSM parameter), never from this config.
 */
import * as pulumi from "@pulumi/pulumi";
import { imageTagProblem, partitionOf, stackNameProblem } from "./checks";
import { Problems } from "./problems";
import { environmentOf, Profile, profileNamed, resolveProfile } from "./profiles";
import { ENVIRONMENT_KEY, fixed, int, oneOf, perProfile, ProfileDefaults, readValues, required, restated, text, Values } from "./schema";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

export interface AppConfig {
    /** The platform stack this app runs on, org/project/stack as a DIY backend names it: its SSM parameter is /<project>/<stack>/app-platform. */
    readonly platformStack: string;
    /** The app stack's profile: the platform it runs on must be of the same environment. */
    readonly profile: Profile;
    readonly imageTag: string;
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly logLevel: string;
    /**
     * Where the platform's handoff parameter is read (appstack/program.ts); checked against the platform's region,
     * which the program's resources take.
     */
    readonly region: string;
}

export const APP_SCHEMA = {
    // The same key and rule as the platform's: an app stack takes the profile of its name unless it names one.
    ...ENVIRONMENT_KEY,
    "app:platformStack": required(
        "The platform stack this app runs on (org/project/stack).",
        text((p, key, stack) => {
            if (stack.split("/").length !== 3 || stackNameProblem(stack)) p.add(key, `"${stack}" is not org/project/stack`);
        }),
        "the platform stack this app runs on, as org/eks-platform/<stack>",
    ),
    // Required: an up without a tag would delete the running workload.
    "app:imageTag": required(
        "The image to deploy; the pipeline sets it.",
        text((p, key, tag) => {
            const problem = imageTagProblem(tag);
            if (problem) p.add(key, problem);
        }),
        "the pipeline sets it (npm run deploy -- --image-tag <tag>)",
    ),
    "app:minReplicas": perProfile("Fewest app replicas; at least the profile's guardrail minReplicas.", int(1, 100)),
    "app:maxReplicas": perProfile("Most app replicas (the HPA's maximum).", int(1, 500)),
    "app:logLevel": fixed("debug, info, warn or error.", oneOf(...LOG_LEVELS), "info"),
    // Required: the platform's SSM parameter is read in this region before anything of the platform is known.
    "aws:region": required("The platform stack's region.", text(), "the platform stack's region, where its app-platform SSM parameter is"),
};

export const APP_CONFIG_KEYS = Object.keys(APP_SCHEMA).filter((k) => k !== "aws:region");

const defaultsOf = (profile: Profile) => (key: string) => profile.defaults[key as keyof ProfileDefaults];

/** Settings an app stack file restates with its profile's (or the schema's) default. */
export function restatedAppDefaults(values: Readonly<Record<string, string>>, stack: string): string[] {
    const profile = profileNamed(environmentOf(values, stack));
    return profile ? restated(APP_SCHEMA, values, partitionOf(values["aws:region"] ?? ""), { name: profile.name, default: defaultsOf(profile) }) : [];
}

/** Validates an app stack's config ("namespace:key" -> string); every problem is named by its key. */
export function parseAppConfig(values: Readonly<Record<string, string>>, stack: string): AppConfig {
    const problems = new Problems();
    for (const key of Object.keys(values)) {
        if (!(key in APP_SCHEMA))
            problems.add(key, `is not an app stack setting (${APP_CONFIG_KEYS.join(", ")}): the platform stack's outputs decide the rest`);
        else if (values[key].trim() === "") problems.add(key, "is set but empty: give it a value, or remove the key");
    }
    const profile = resolveProfile(problems, values, stack);
    const s = readValues(APP_SCHEMA, problems, values, partitionOf(values["aws:region"] ?? ""), defaultsOf(profile)) as Values<typeof APP_SCHEMA>;
    const [minReplicas, maxReplicas] = [s["app:minReplicas"], s["app:maxReplicas"]];
    if (minReplicas > maxReplicas) problems.add("app:minReplicas/maxReplicas", `min ${minReplicas} is above max ${maxReplicas}`);
    const floor = profile.guardrails.minReplicas;
    if (minReplicas < floor) {
        problems.add(
            "app:minReplicas",
            `${minReplicas} breaks profile ${profile.name}'s guardrail minReplicas ${floor}: at least ${floor} replicas so a node or AZ loss is not an outage`,
        );
    }
    problems.throwIfAny(stack);
    // A warning, not a refusal, as for the platform's stack files.
    for (const warning of restatedAppDefaults(values, stack)) void pulumi.log.warn(warning);
    return {
        platformStack: s["app:platformStack"],
        profile,
        imageTag: s["app:imageTag"],
        minReplicas,
        maxReplicas,
        logLevel: s["app:logLevel"],
        region: s["aws:region"],
    };
}

/** Reads the current app stack's config. The only place the app program touches stack config. */
export function loadAppConfig(): AppConfig {
    return parseAppConfig(pulumi.runtime.allConfig(), pulumi.getStack());
}
