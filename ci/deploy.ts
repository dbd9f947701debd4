/**
 * The pipeline's deploy step, through the Pulumi Automation API:
 *   npm run deploy -- --stack dev --image-tag 3f2a9c1 [--refresh] [--preview-only]
 *   npm run deploy -- --stack dev --destroy            (prod also needs --yes-destroy-prod)
 * Selects or creates the stack, sets app:imageTag, optionally refreshes, previews, then updates with the policy pack
 * in policy/ enforced, streaming the engine's output, and prints the stack outputs. Exit codes: 0 done, 1 the deploy failed, 2 bad arguments.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { imageTagProblem } from "../config/checks";

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export interface DeployOptions {
    stack: string;
    imageTag?: string;
    refresh: boolean;
    previewOnly: boolean;
    destroy: boolean;
    yesDestroyProd: boolean;
}

export const USAGE = "usage: deploy --stack <name> [--image-tag <tag>] [--refresh] [--preview-only] | --stack <name> --destroy [--yes-destroy-prod]";
const FLAGS = new Set(["--refresh", "--preview-only", "--destroy", "--yes-destroy-prod"]);
const VALUED = new Set(["--stack", "--image-tag"]);

export function parseArgs(argv: string[]): DeployOptions {
    const values: Record<string, string> = {};
    const flags = new Set<string>();
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const [key, inline] = arg.split(/=(.*)/s, 2);
        if (VALUED.has(key)) {
            const value = inline ?? argv[++i];
            if (value === undefined || value.startsWith("--")) throw new UsageError(`${key} needs a value\n${USAGE}`);
            if (key in values) throw new UsageError(`${key} given twice`);
            values[key] = value;
        } else if (FLAGS.has(arg)) {
            flags.add(arg);
        } else {
            throw new UsageError(`unknown argument ${arg}\n${USAGE}`);
        }
    }
    const stack = values["--stack"];
    if (!stack) throw new UsageError(`--stack is required\n${USAGE}`);
    checkStackName(stack);
    const imageTag = values["--image-tag"];
    if (imageTag !== undefined) checkImageTag(imageTag);
    const options: DeployOptions = {
        stack,
        imageTag,
        refresh: flags.has("--refresh"),
        previewOnly: flags.has("--preview-only"),
        destroy: flags.has("--destroy"),
        yesDestroyProd: flags.has("--yes-destroy-prod"),
    };
    if (options.destroy && (options.imageTag || options.previewOnly)) {
        throw new UsageError("--destroy takes no --image-tag or --preview-only");
    }
    if (options.yesDestroyProd && !options.destroy) throw new UsageError("--yes-destroy-prod only goes with --destroy");
    return options;
}

/** Pulumi stack names: `name` or `org/project/name`, letters, digits, `-`, `_`, `.`. */
export function checkStackName(stack: string): void {
    const parts = stack.split("/");
    const ok = (parts.length === 1 || parts.length === 3) && parts.every((p) => /^[A-Za-z0-9_.-]{1,100}$/.test(p));
    if (!ok) throw new UsageError(`"${stack}" is not a stack name (name or org/project/name; letters, digits, - _ .)`);
}

export function checkImageTag(tag: string): void {
    const problem = imageTagProblem(tag);
    if (problem) throw new UsageError(problem);
}

export function shortStackName(stack: string): string {
    return stack.split("/").pop()!;
}

/** The stack's environment as its stack file says (platform:environment), else its name. */
export function environmentOf(stack: string, projectDir: string): string {
    const file = path.join(projectDir, `Pulumi.${shortStackName(stack)}.yaml`);
    if (!fs.existsSync(file)) {
        throw new UsageError(`no stack file Pulumi.${shortStackName(stack)}.yaml in ${projectDir}: a stack without its config would fail validation`);
    }
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
    return doc.config?.["platform:environment"] ?? shortStackName(stack);
}

/** The part of a Pulumi stack this program uses, so tests can stand in for the CLI. */
export interface DeployStack {
    setConfig(key: string, value: { value: string; secret?: boolean }): Promise<void>;
    refresh(opts: { onOutput: (out: string) => void }): Promise<unknown>;
    preview(opts: { onOutput: (out: string) => void; policyPacks?: string[] }): Promise<{ changeSummary?: Record<string, number> }>;
    up(opts: { onOutput: (out: string) => void; policyPacks?: string[] }): Promise<{ summary: { result?: string } }>;
    destroy(opts: { onOutput: (out: string) => void }): Promise<{ summary: { result?: string } }>;
    outputs(): Promise<Record<string, { value: unknown; secret: boolean }>>;
}

export interface DeployWorkspace {
    /** For deploys: a new stack is created from its committed stack file. */
    selectOrCreate(stack: string, projectDir: string): Promise<DeployStack>;
    /** For destroy: never creates. */
    select(stack: string, projectDir: string): Promise<DeployStack>;
}

export interface Io {
    out: (text: string) => void;
    err: (text: string) => void;
}

export function formatOutputs(outputs: Record<string, { value: unknown; secret: boolean }>): string {
    return Object.entries(outputs)
        .map(([key, o]) => `  ${key}: ${o.secret ? "[secret]" : typeof o.value === "string" ? o.value : JSON.stringify(o.value)}`)
        .join("\n");
}

/** Runs one deploy or destroy; returns the process exit code. */
export async function run(argv: string[], workspace: DeployWorkspace, projectDir: string, io: Io): Promise<number> {
    let options: DeployOptions;
    let environment: string;
    try {
        options = parseArgs(argv);
        environment = environmentOf(options.stack, projectDir);
        if (options.destroy && environment === "prod" && !options.yesDestroyProd) {
            throw new UsageError(`refusing to destroy ${options.stack}: it is a prod stack; add --yes-destroy-prod if you mean it`);
        }
    } catch (err) {
        if (err instanceof UsageError) {
            io.err(`deploy: ${err.message}\n`);
            return 2;
        }
        throw err;
    }

    const stream = (out: string) => io.out(out);
    // The same guardrails as the offline plan, enforced by the engine on the real preview and update.
    const policyPacks = [path.join(projectDir, "policy")];
    let step = "selecting the stack";
    try {
        if (options.destroy) {
            const stack = await workspace.select(options.stack, projectDir);
            step = "destroy";
            io.out(`destroying ${options.stack} (${environment})\n`);
            await stack.destroy({ onOutput: stream });
            io.out(`destroyed ${options.stack}\n`);
            return 0;
        }
        const stack = await workspace.selectOrCreate(options.stack, projectDir);
        if (options.imageTag) {
            step = "setting app:imageTag";
            await stack.setConfig("app:imageTag", { value: options.imageTag });
        }
        if (options.refresh) {
            step = "refresh";
            await stack.refresh({ onOutput: stream });
        }
        step = "preview";
        const preview = await stack.preview({ onOutput: stream, policyPacks });
        io.out(`preview of ${options.stack}: ${JSON.stringify(preview.changeSummary ?? {})}\n`);
        if (options.previewOnly) return 0;
        step = "update";
        const up = await stack.up({ onOutput: stream, policyPacks });
        if (up.summary.result !== "succeeded") throw new Error(`update finished as ${up.summary.result ?? "unknown"}`);
        io.out(`updated ${options.stack}${options.imageTag ? ` to image ${options.imageTag}` : ""}; outputs:\n${formatOutputs(await stack.outputs())}\n`);
        return 0;
    } catch (err) {
        io.err(`deploy: ${step} of ${options.stack} failed: ${err instanceof Error ? err.message : String(err)}\n`);
        return 1;
    }
}

/** The real workspace: the Pulumi CLI through the Automation API, on the project's own Pulumi.yaml. */
export function localWorkspace(): DeployWorkspace {
    // Loaded here so that tests (which stand in for the workspace) need no Pulumi CLI.
    const { LocalWorkspace } = require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
    return {
        selectOrCreate: (stackName, workDir) => LocalWorkspace.createOrSelectStack({ stackName, workDir }),
        select: (stackName, workDir) => LocalWorkspace.selectStack({ stackName, workDir }),
    };
}

if (require.main === module) {
    const projectDir = path.resolve(__dirname, "..");
    run(process.argv.slice(2), localWorkspace(), projectDir, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) })
        .then((code) => process.exit(code), (err) => { process.stderr.write(`deploy: ${err?.stack ?? err}\n`); process.exit(1); });
}
