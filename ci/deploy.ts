/**
 * Deploys one layer through the Pulumi Automation API:
 *   npm run deploy -- --stack dev --image-tag 3f2a9c1 [--refresh] [--preview-only]     the app stack (appstack/), as the pipeline does
 *   npm run deploy -- --stack dev --layer platform [--refresh] [--preview-only]       the platform (Pulumi.yaml), as a person does
 *   npm run deploy -- --stack dev [--layer platform] --destroy                        (prod also needs --yes-destroy-prod)
 * Selects or creates the stack, sets the app stack's app:imageTag, optionally refreshes, previews, then updates,
 * streaming the engine's output, and prints the stack outputs. Exit codes: 0 done, 1 the deploy failed, 2 bad arguments.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs as parseCommandLine } from "util";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { parseAppConfig } from "../config/app";
import { imageTagProblem, stackNameProblem } from "../config/checks";
import { ConfigError, Problems, UsageError } from "../config/problems";
import { Profile, resolveProfile, shortStackName } from "../config/profiles";
import { policyPackConfig } from "../policy/rules";

export { UsageError } from "../config/problems";

export type Layer = "app" | "platform";

export interface DeployOptions {
    stack: string;
    layer: Layer;
    imageTag?: string;
    refresh: boolean;
    previewOnly: boolean;
    destroy: boolean;
    yesDestroyProd: boolean;
}

export const USAGE = `usage: deploy --stack <name> [--layer app|platform] [--image-tag <tag>] [--refresh] [--preview-only] | --stack <name> [--layer app|platform] --destroy [--yes-destroy-prod]
  --stack             the stack: name or org/project/name; its Pulumi.<name>.yaml must exist (appstack/ for the app layer)
  --layer             app (default): the app stack the pipeline deploys; platform: the platform people deploy with full rights
  --image-tag         the app image to deploy (sets the app stack's app:imageTag; never latest); required for the app layer
  --refresh           refresh the stack's state before the preview
  --preview-only      stop after the preview
  --destroy           destroy the stack (prod also needs --yes-destroy-prod)
  --help              prints this
needs the Pulumi CLI on PATH; exit codes: 0 done, 1 the deploy failed, 2 bad arguments`;

const OPTIONS = {
    stack: { type: "string" },
    layer: { type: "string" },
    "image-tag": { type: "string" },
    refresh: { type: "boolean" },
    "preview-only": { type: "boolean" },
    destroy: { type: "boolean" },
    "yes-destroy-prod": { type: "boolean" },
    help: { type: "boolean", short: "h" },
} as const;

/** True when the command line asks for the usage. */
export function wantsHelp(argv: string[]): boolean {
    return argv.includes("--help") || argv.includes("-h");
}

export function parseArgs(argv: string[]): DeployOptions {
    let parsed;
    try {
        parsed = parseCommandLine({ args: argv, options: OPTIONS, allowPositionals: false, tokens: true });
    } catch (err) {
        throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    }
    const { values, tokens } = parsed;
    const given = tokens.filter((t) => t.kind === "option").map((t) => (t as { name: string }).name);
    const twice = given.find((name, i) => given.indexOf(name) !== i);
    if (twice) throw new UsageError(`--${twice} given twice`);
    const stack = values.stack;
    if (!stack) throw new UsageError(`--stack is required\n${USAGE}`);
    checkStackName(stack);
    const imageTag = values["image-tag"];
    if (imageTag !== undefined) checkImageTag(imageTag);
    const layer = values.layer ?? "app";
    if (layer !== "app" && layer !== "platform") throw new UsageError(`--layer is app or platform, got ${layer}`);
    const options: DeployOptions = {
        stack,
        layer,
        imageTag,
        refresh: values.refresh ?? false,
        previewOnly: values["preview-only"] ?? false,
        destroy: values.destroy ?? false,
        yesDestroyProd: values["yes-destroy-prod"] ?? false,
    };
    if (options.destroy && (options.imageTag || options.previewOnly)) {
        throw new UsageError("--destroy takes no --image-tag or --preview-only");
    }
    if (options.yesDestroyProd && !options.destroy) throw new UsageError("--yes-destroy-prod only goes with --destroy");
    if (layer === "platform" && options.imageTag) throw new UsageError("--image-tag goes with the app layer: the platform stack holds no app");
    // The app stack's committed file has no tag: an up without one would be refused by its config, or delete the app.
    if (layer === "app" && !options.destroy && !options.imageTag) throw new UsageError(`--image-tag is required to deploy the app layer\n${USAGE}`);
    return options;
}

export function checkStackName(stack: string): void {
    const problem = stackNameProblem(stack);
    if (problem) throw new UsageError(problem);
}

export function checkImageTag(tag: string): void {
    const problem = imageTagProblem(tag);
    if (problem) throw new UsageError(problem);
}

/** Where a layer's Pulumi.yaml and stack files are. */
export function layerDir(layer: Layer, projectDir: string): string {
    return layer === "app" ? path.join(projectDir, "appstack") : projectDir;
}

/** A stack without its committed file would be created without config, and fail validation: the caller's mistake (exit 2). */
function checkStackFile(stack: string, dir: string): void {
    const file = `Pulumi.${shortStackName(stack)}.yaml`;
    if (!fs.existsSync(path.join(dir, file))) throw new UsageError(`no stack file ${file} in ${dir}: a stack without its config would fail validation`);
}

/** The stack's config as the engine will hand it to the program ("namespace:key" -> string; structured values as JSON). */
async function configOf(stack: DeployStack): Promise<Record<string, string>> {
    return Object.fromEntries(Object.entries(await stack.getAllConfig()).map(([key, v]) => [key, v.value]));
}

/**
 * The stack's profile, resolved by config/ from the selected stack's config (the same rule as the program's), and for an
 * app deploy the whole app config checked with the tag it will get. A config problem is the caller's to fix (exit 2).
 */
function profileOf(options: DeployOptions, raw: Record<string, string>): Profile {
    try {
        if (options.layer === "app" && !options.destroy) {
            return parseAppConfig({ ...raw, ...(options.imageTag ? { "app:imageTag": options.imageTag } : {}) }, shortStackName(options.stack)).profile;
        }
        const problems = new Problems();
        const profile = resolveProfile(problems, raw, options.stack);
        problems.throwIfAny(options.stack);
        return profile;
    } catch (err) {
        if (err instanceof ConfigError) throw new UsageError(err.message);
        throw err;
    }
}

/** The policy pack's config for this profile, as the file `--policy-pack-config` (policyPackConfigs) takes. */
function writePolicyConfig(profile: Profile): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "eks-platform-policy-")), "config.json");
    fs.writeFileSync(file, JSON.stringify(policyPackConfig(profile.guardrails), null, 2));
    return file;
}

/** The part of a Pulumi stack this program uses, so tests can stand in for the CLI. */
export interface DeployStack {
    /** `pulumi config --show-secrets --json`: every key with its value as a string. */
    getAllConfig(): Promise<Record<string, { value: string; secret?: boolean }>>;
    setConfig(key: string, value: { value: string; secret?: boolean }): Promise<void>;
    refresh(opts: { onOutput: (out: string) => void }): Promise<unknown>;
    preview(opts: {
        onOutput: (out: string) => void;
        policyPacks?: string[];
        policyPackConfigs?: string[];
    }): Promise<{ changeSummary?: Record<string, number> }>;
    up(opts: { onOutput: (out: string) => void; policyPacks?: string[]; policyPackConfigs?: string[] }): Promise<{ summary: { result?: string } }>;
    destroy(opts: { onOutput: (out: string) => void }): Promise<{ summary: { result?: string } }>;
    outputs(): Promise<Record<string, { value: unknown; secret: boolean }>>;
}

export interface DeployWorkspace {
    /** Why this workspace cannot run at all (no Pulumi CLI), asked before any stack is touched. */
    unavailable?(): string | undefined;
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
    if (wantsHelp(argv)) {
        io.out(`${USAGE}\n`);
        return 0;
    }
    let options: DeployOptions;
    let dir: string;
    try {
        options = parseArgs(argv);
        dir = layerDir(options.layer, projectDir);
        checkStackFile(options.stack, dir);
    } catch (err) {
        if (err instanceof UsageError) {
            io.err(`deploy: ${err.message}\n`);
            return 2;
        }
        throw err;
    }

    const unavailable = workspace.unavailable?.();
    if (unavailable) {
        io.err(`deploy: ${unavailable}\n`);
        return 1;
    }

    const stream = (out: string) => io.out(out);
    // The same guardrails as the offline plan, enforced by the engine on the platform's real preview and update. The
    // rules judge one stack at a time, and the app's Ingress waits for the platform's load balancer controller only
    // through the platform's namespace: the offline plan of both layers (npm run plan -- <stack> --layer app) checks it.
    const policyPacks = options.layer === "platform" ? [path.join(projectDir, "policy")] : [];
    const policyPackConfigs: string[] = [];
    let step = "selecting the stack";
    try {
        const stack = options.destroy ? await workspace.select(options.stack, dir) : await workspace.selectOrCreate(options.stack, dir);
        step = "reading the stack's config";
        let profile: Profile;
        try {
            profile = profileOf(options, await configOf(stack));
            if (options.destroy && profile.guardrails.deletionProtection && !options.yesDestroyProd) {
                throw new UsageError(
                    `refusing to destroy ${options.stack}: it is a ${profile.name} stack; add --yes-destroy-prod if you mean it (profile ${profile.name} sets deletionProtection)`,
                );
            }
        } catch (err) {
            if (!(err instanceof UsageError)) throw err;
            io.err(`deploy: ${err.message}\n`);
            return 2;
        }
        if (options.destroy) {
            step = "destroy";
            io.out(`destroying the ${options.layer} stack ${options.stack} (${profile.name})\n`);
            await stack.destroy({ onOutput: stream });
            io.out(`destroyed ${options.stack}\n`);
            return 0;
        }
        // The pack's rules take the stack's profile from this config, never from tags: its schema requires it.
        if (options.layer === "platform") policyPackConfigs.push(writePolicyConfig(profile));
        if (options.imageTag) {
            step = "setting app:imageTag";
            await stack.setConfig("app:imageTag", { value: options.imageTag });
        }
        if (options.refresh) {
            step = "refresh";
            await stack.refresh({ onOutput: stream });
        }
        step = "preview";
        const preview = await stack.preview({ onOutput: stream, policyPacks, policyPackConfigs });
        io.out(`preview of the ${options.layer} stack ${options.stack}: ${JSON.stringify(preview.changeSummary ?? {})}\n`);
        if (options.previewOnly) return 0;
        step = "update";
        const up = await stack.up({ onOutput: stream, policyPacks, policyPackConfigs });
        if (up.summary.result !== "succeeded") throw new Error(`update finished as ${up.summary.result ?? "unknown"}`);
        io.out(
            `updated the ${options.layer} stack ${options.stack}${options.imageTag ? ` to image ${options.imageTag}` : ""}; outputs:\n${formatOutputs(await stack.outputs())}\n`,
        );
        return 0;
    } catch (err) {
        io.err(`deploy: ${step} of ${options.stack} failed: ${err instanceof Error ? err.message : String(err)}\n`);
        return 1;
    } finally {
        for (const file of policyPackConfigs) fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
}

/** Where the `pulumi` binary is on PATH, or undefined. */
export function findOnPath(binary: string, pathVar = process.env.PATH ?? ""): string | undefined {
    const names = process.platform === "win32" ? [`${binary}.exe`, `${binary}.cmd`] : [binary];
    for (const dir of pathVar.split(path.delimiter).filter(Boolean)) {
        for (const name of names) {
            const candidate = path.join(dir, name);
            try {
                fs.accessSync(candidate, fs.constants.X_OK);
                if (fs.statSync(candidate).isFile()) return candidate;
            } catch {
                // not here
            }
        }
    }
    return undefined;
}

export const NO_PULUMI =
    "the Pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/iac/download-install/, or curl -fsSL https://get.pulumi.com | sh) and run again";

/**
 * The real workspace: the Pulumi CLI through the Automation API, on the project's own Pulumi.yaml.
 * The workspace is made only when first used, so bad arguments are reported without a Pulumi CLI.
 */
export function localWorkspace(): DeployWorkspace {
    return {
        unavailable: () => (findOnPath("pulumi") ? undefined : NO_PULUMI),
        selectOrCreate: (stackName, workDir) => LocalWorkspace.createOrSelectStack({ stackName, workDir }),
        select: (stackName, workDir) => LocalWorkspace.selectStack({ stackName, workDir }),
    };
}

if (require.main === module) {
    const projectDir = path.resolve(__dirname, "..");
    run(process.argv.slice(2), localWorkspace(), projectDir, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then(
        (code) => process.exit(code),
        (err) => {
            process.stderr.write(`deploy: ${err instanceof Error ? err.message : err}\n`);
            process.exit(1);
        },
    );
}
