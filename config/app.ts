/**
 * Config of the app stacks (appstack/Pulumi.<env>.yaml): the workload's own settings. Everything about the cluster,
 * the ALB, DNS and the registry comes from the platform stack's `appPlatform` (its SSM parameter), never from this config.
 * Declared with the platform's schema mechanism (config/schema.ts): one declaration per key.
 */
import * as pulumi from "@pulumi/pulumi";
import { imageTagProblem, partitionOf, stackNameProblem } from "./checks";
import { Problems } from "./problems";
import { fixed, int, LOG_LEVELS, oneOf, readValues, required, text, Values } from "./schema";

export interface AppConfig {
    /** The platform stack this app runs on, org/project/stack as a DIY backend names it: its SSM parameter is /<project>/<stack>/app-platform. */
    readonly platformStack: string;
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
    "app:minReplicas": fixed("Fewest replicas.", int(1, 100), 2),
    "app:maxReplicas": fixed("Most replicas.", int(1, 500), 6),
    "app:logLevel": fixed("debug, info, warn or error.", oneOf(...LOG_LEVELS), "info"),
    // Required: the platform's SSM parameter is read in this region before anything of the platform is known.
    "aws:region": required("The platform stack's region.", text(), "the platform stack's region, where its app-platform SSM parameter is"),
};

export const APP_CONFIG_KEYS = Object.keys(APP_SCHEMA).filter((k) => k !== "aws:region");

/** Validates an app stack's config ("namespace:key" -> string); every problem is named by its key. */
export function parseAppConfig(values: Record<string, string>, stack: string): AppConfig {
    const problems = new Problems();
    for (const key of Object.keys(values)) {
        if (!(key in APP_SCHEMA))
            problems.add(key, `is not an app stack setting (${APP_CONFIG_KEYS.join(", ")}): the platform stack's outputs decide the rest`);
        else if (values[key].trim() === "") problems.add(key, "is set but empty: give it a value, or remove the key");
    }
    const s = readValues(APP_SCHEMA, problems, values, partitionOf(values["aws:region"] ?? "")) as Values<typeof APP_SCHEMA>;
    if (s["app:minReplicas"] > s["app:maxReplicas"])
        problems.add("app:minReplicas/maxReplicas", `min ${s["app:minReplicas"]} is above max ${s["app:maxReplicas"]}`);
    problems.throwIfAny(stack);
    return {
        platformStack: s["app:platformStack"],
        imageTag: s["app:imageTag"],
        minReplicas: s["app:minReplicas"],
        maxReplicas: s["app:maxReplicas"],
        logLevel: s["app:logLevel"],
        region: s["aws:region"],
    };
}

/** Reads the current app stack's config. The only place the app program touches stack config. */
export function loadAppConfig(): AppConfig {
    return parseAppConfig(pulumi.runtime.allConfig(), pulumi.getStack());
}
