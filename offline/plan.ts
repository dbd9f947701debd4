import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { parseConfig, SECRET_KEYS } from "../config";
import { shortStackNameProblem } from "../config/checks";
import { readStackFile, StackFileError } from "../config/stack-file";
import { evaluatePolicies, PolicyPackConfig, PolicyTarget, Violation } from "../policy/rules";
import { installMocks, RecordedResource, REDACTED } from "./recorder";

export const PROJECT_DIR = path.resolve(__dirname, "..");
/** What the plan puts where a secret would be; never a real credential. */
export const PLACEHOLDER_SECRET = "offline-plan-placeholder";

export interface StackConfig {
    values: Record<string, string>;
    secretKeys: string[];
    /** Secrets that the stack file does not hold (or holds encrypted) and the plan filled with placeholders. */
    placeholders: string[];
}

export interface Plan {
    project: string;
    stack: string;
    resources: RecordedResource[];
    outputs: Record<string, unknown>;
    placeholders: string[];
}

export function projectName(dir = PROJECT_DIR): string {
    const doc = YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));
    return doc.name;
}

/**
 * Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program: "namespace:key" -> string,
 * structured values as JSON. Encrypted (`secure:`) and missing secrets become placeholders: offline there is
 * no key to decrypt them with, and nothing real is deployed.
 */
export function readStackConfig(stack: string, dir = PROJECT_DIR): StackConfig {
    // The name becomes a file name: "../../x" must not reach outside dir.
    const stackProblem = shortStackNameProblem(stack);
    if (stackProblem) throw new StackFileError(stackProblem);
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new Error(
            `no stack file ${path.relative(process.cwd(), file) || file}: create it or pick another stack (${listStacks(dir).join(", ") || "none found"})`,
        );
    }
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    const placeholders: string[] = [];
    for (const [key, value] of Object.entries<any>(readStackFile(file))) {
        const fullKey = key.includes(":") ? key : `${projectName()}:${key}`;
        if (value && typeof value === "object" && "secure" in value) {
            values[fullKey] = PLACEHOLDER_SECRET;
            secretKeys.push(fullKey);
            placeholders.push(fullKey);
        } else {
            // `key:` with nothing after it is an empty setting, which parseConfig names, not the text "null".
            values[fullKey] = typeof value === "string" ? value : value === null ? "" : JSON.stringify(value);
        }
    }
    for (const key of SECRET_KEYS) {
        if (!(key in values)) {
            values[key] = PLACEHOLDER_SECRET;
            secretKeys.push(key);
            placeholders.push(key);
        }
    }
    return { values, secretKeys, placeholders };
}

export function listStacks(dir = PROJECT_DIR): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s);
}

/** A stack output as the plan records it: its value once known, secrets redacted. */
export async function resolveOutput(value: unknown): Promise<unknown> {
    if (!pulumi.Output.isInstance(value)) return value;
    if (await pulumi.isSecret(value)) return REDACTED;
    return new Promise((resolve) =>
        value.apply((v) => {
            resolve(v);
            return v;
        }),
    );
}

/**
 * Runs the real program under mocks for one stack and returns every registration and the stack outputs.
 * Config is validated first, so bad config fails here with the config error and registers nothing.
 */
export async function evaluate(stack: string, config: StackConfig, programPath = path.join(PROJECT_DIR, "index.ts")): Promise<Plan> {
    const project = projectName();
    const parsed = parseConfig(config.values, project, stack);
    // The plan runs as the README says a real `up` must: as one of the cluster's admin principals.
    const deployer = parsed.cluster.adminPrincipalArns[0];
    const region = config.values["aws:region"];
    const recorder = await installMocks({ project, stack, region, config: config.values, secretKeys: config.secretKeys, deployer });

    const failures: unknown[] = [];
    const onRejection = (err: unknown) => failures.push(err);
    process.on("unhandledRejection", onRejection);
    try {
        delete require.cache[require.resolve(programPath)];
        const program = require(programPath);
        await recorder.settle();
        const outputs: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(program)) outputs[key] = await resolveOutput(value);
        await recorder.settle();
        if (failures.length > 0) throw failures[0];
        if (recorder.failures.length > 0) {
            throw new Error(`the real deploy would fail:\n${recorder.failures.map((f) => `  - ${f.type} ${f.name}: ${f.message}`).join("\n")}`);
        }
        return { project, stack, resources: [...recorder.records], outputs, placeholders: config.placeholders };
    } finally {
        process.off("unhandledRejection", onRejection);
    }
}

/** Counts by resource type, most common first. */
export function countByType(resources: RecordedResource[]): [string, number][] {
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The resources as an indented parent/child tree, the way `pulumi preview` lists them. */
export function formatTree(resources: RecordedResource[]): string {
    const children = new Map<string, RecordedResource[]>();
    for (const r of resources) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const known = new Set(resources.map((r) => r.urn));
    const roots = resources.filter((r) => !r.parent || !known.has(r.parent));
    const lines: string[] = [];
    const walk = (r: RecordedResource, depth: number) => {
        const tags = [r.remote ? "remote component" : "", !r.custom && !r.remote ? "component" : ""].filter(Boolean);
        lines.push(`${"  ".repeat(depth)}+ ${r.type}  ${r.name}${tags.length ? `  (${tags.join(", ")})` : ""}`);
        for (const c of children.get(r.urn) ?? []) walk(c, depth + 1);
    };
    roots.forEach((r) => walk(r, 0));
    return lines.join("\n");
}

/** Writes each file to a temporary name beside it, then renames them all, so a failed run leaves no half-written output. */
export function writeOutputs(files: Record<string, string>): void {
    const temps: [string, string][] = [];
    try {
        for (const [file, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            const temp = `${file}.${process.pid}.tmp`;
            temps.push([temp, file]);
            fs.writeFileSync(temp, text);
        }
    } catch (err) {
        for (const [temp] of temps) fs.rmSync(temp, { force: true });
        throw err;
    }
    for (const [temp, file] of temps) fs.renameSync(temp, file);
}

export function planJson(plan: Plan): string {
    return JSON.stringify(plan, null, 2) + "\n";
}

/** The plan's resources as the policies see them: inputs plus what the mocks computed (ids, subnet ids). */
export function policyTargets(resources: RecordedResource[]): PolicyTarget[] {
    return resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        props: { ...r.outputs, ...r.inputs },
        dependencies: r.dependencies,
        protect: r.protect,
    }));
}

/** The pack's rules over the plan, with the policy pack config a real deploy passes (policyPackConfig of the stack's profile). */
export function checkPolicies(plan: Plan, config: PolicyPackConfig): Violation[] {
    return evaluatePolicies(policyTargets(plan.resources), config);
}
