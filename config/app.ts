/**
 * Config of the app stacks (appstack/Pulumi.<env>.yaml): the workload's own settings. Everything about the cluster,
 * the ALB, DNS and the registry comes from the platform stack's `appPlatform` (its SSM parameter), never from this config.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkInt, imageTagProblem, stackNameProblem } from "./checks";
import { Problems } from "./problems";

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

export const APP_CONFIG_KEYS = ["app:platformStack", "app:imageTag", "app:minReplicas", "app:maxReplicas", "app:logLevel"] as const;

/** Validates an app stack's config ("namespace:key" -> string); every problem is named by its key. */
export function parseAppConfig(values: Record<string, string>, stack: string): AppConfig {
    const problems = new Problems();
    for (const key of Object.keys(values)) {
        if (!(APP_CONFIG_KEYS as readonly string[]).includes(key) && key !== "aws:region") {
            problems.add(key, `is not an app stack setting (${APP_CONFIG_KEYS.join(", ")}): the platform stack's outputs decide the rest`);
        }
    }
    const platformStack = values["app:platformStack"];
    if (!platformStack) problems.add("app:platformStack", "is required: the platform stack this app runs on, as org/eks-platform/<stack>");
    else if (platformStack.split("/").length !== 3 || stackNameProblem(platformStack)) problems.add("app:platformStack", `"${platformStack}" is not org/project/stack`);
    // Required: the platform's SSM parameter is read in this region before anything of the platform is known.
    if (!values["aws:region"]) problems.add("aws:region", "is required: the platform stack's region, where its app-platform SSM parameter is");
    const imageTag = values["app:imageTag"];
    // Unset is an error, not "no app": an up without a tag would delete the running workload.
    if (imageTag === undefined) problems.add("app:imageTag", "is required: the pipeline sets it (npm run deploy -- --image-tag <tag>)");
    else {
        const tagProblem = imageTagProblem(imageTag);
        if (tagProblem) problems.add("app:imageTag", tagProblem);
    }
    const minReplicas = checkInt(problems, "app:minReplicas", values["app:minReplicas"], 2, { min: 1, max: 100 });
    const maxReplicas = checkInt(problems, "app:maxReplicas", values["app:maxReplicas"], 6, { min: 1, max: 500 });
    if (minReplicas > maxReplicas) problems.add("app:minReplicas/maxReplicas", `min ${minReplicas} is above max ${maxReplicas}`);
    const logLevel = values["app:logLevel"] ?? "info";
    if (!["debug", "info", "warn", "error"].includes(logLevel)) problems.add("app:logLevel", `"${logLevel}" is not debug, info, warn or error`);
    problems.throwIfAny(stack);
    return { platformStack: platformStack!, imageTag: imageTag!, minReplicas, maxReplicas, logLevel, region: values["aws:region"]! };
}

/** Reads the current app stack's config. The only place the app program touches stack config. */
export function loadAppConfig(): AppConfig {
    return parseAppConfig(pulumi.runtime.allConfig(), pulumi.getStack());
}
