/**
 * The offline plan: `npm run plan -- <stack>` evaluates index.ts for Pulumi.<stack>.yaml under mocks and
 * writes plan/<stack>.json (every resource with its parent, dependencies, provider and redacted inputs).
 * No cloud account and no Pulumi CLI are needed.
 */
import * as path from "path";
import { parseArgs } from "util";
import { ConfigError, parseConfig, versionJumpProblem } from "../config";
import { shortStackNameProblem } from "../config/checks";
import { SCHEMA } from "../config/schema";
import { StackFileError } from "../config/stack-file";
import { UsageError } from "../config/problems";
import { checkPolicies, countByType, evaluate, formatTree, planJson, PROJECT_DIR, readStackConfig, writeOutputs } from "../offline/plan";
import { compareWithSeedLike, estimateCost, formatComparison, formatCost, loadPrices, noPricesNote, totalOf } from "../offline/cost";
import { diagrams } from "../offline/diagram";
import { policyPackConfig, RULES } from "../policy/rules";
import { reportPreflight } from "../offline/preflight";
import { deployersOf } from "../offline/preflight/reachability";
import { evaluateApp, onOneCluster, readAppStackConfig } from "../appstack/plan";

export const USAGE = `usage: npm run plan -- [<stack> | --stack-file <dir>/Pulumi.<stack>.yaml] [--layer platform|app] [--out <dir>] [--config ns:key=value]... [--quiet]
  <stack>       a stack of this project: reads Pulumi.<stack>.yaml beside Pulumi.yaml (default dev)
  --layer       platform (default), or app: plans the platform stack, then appstack/Pulumi.<stack>.yaml on its
                app-platform SSM parameter; writes plan/app-<stack>.json; --config then sets the app stack's settings
  --stack-file  a stack file kept elsewhere (a proposed change, a test fixture)
  --out         where plan/<stack>.json and plan/<stack>.md go (default plan/)
  --config      overrides one setting, as pulumi up -c does (repeatable)
  --quiet       leaves out the resource tree
  --help        prints this
exit codes: 0 planned and every policy passed, 1 the plan failed or a policy is violated, 2 bad arguments`;

interface PlanOptions {
    stack: string;
    configDir: string;
    outDir: string;
    overrides: Record<string, string>;
    quiet: boolean;
    help: boolean;
    layer: "platform" | "app";
}

export function parsePlanArgs(argv: string[]): PlanOptions {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                out: { type: "string" },
                layer: { type: "string" },
                "stack-file": { type: "string" },
                config: { type: "string", multiple: true },
                quiet: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
        });
    } catch (err) {
        throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    const { values, positionals } = parsed;
    const help = values.help ?? false;
    let configDir = PROJECT_DIR;
    let fileStack: string | undefined;
    if (values["stack-file"] !== undefined) {
        const file = path.resolve(values["stack-file"]);
        fileStack = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(file))?.[1];
        if (!fileStack) throw new UsageError("--stack-file needs a path to a Pulumi.<stack>.yaml file");
        configDir = path.dirname(file);
    }
    // --config ns:key=value overrides the stack file, as `pulumi up -c` does (the pipeline plans its image tag).
    const overrides: Record<string, string> = {};
    for (const setting of values.config ?? []) {
        const m = /^([\w-]+:[\w-]+)=(.*)$/s.exec(setting);
        if (!m) throw new UsageError(`--config needs namespace:key=value, got ${setting}`);
        overrides[m[1]] = m[2];
    }
    if (positionals.length > 1 || (fileStack && positionals.length > 0))
        throw new UsageError(`one stack at a time, got ${[fileStack, ...positionals].filter(Boolean).join(" ")}`);
    const stack = fileStack ?? positionals[0] ?? "dev";
    // The name becomes a file name: "../../x" must not reach outside the project.
    const stackProblem = shortStackNameProblem(stack);
    if (stackProblem) throw new UsageError(stackProblem);
    const layer = values.layer ?? "platform";
    if (layer !== "platform" && layer !== "app") throw new UsageError(`--layer is platform or app, got ${layer}`);
    const outDir = values.out === undefined ? path.join(PROJECT_DIR, "plan") : path.resolve(values.out);
    return { stack, configDir, outDir, overrides, quiet: values.quiet ?? false, help, layer };
}

async function main(argv: string[]): Promise<number> {
    const { stack, configDir, outDir, overrides, quiet, help, layer } = parsePlanArgs(argv);
    if (help) {
        console.log(USAGE);
        return 0;
    }

    const config = readStackConfig(stack, configDir);
    // The stack file (or, where it states none, the schema's default) holds the version running now; `-c cluster:version` is the upgrade being planned.
    const from = config.values["cluster:version"] ?? SCHEMA["cluster:version"].default;
    const jump = from && overrides["cluster:version"] ? versionJumpProblem(from, overrides["cluster:version"]) : undefined;
    if (jump) throw new ConfigError(stack, [`cluster:version: ${jump}`]);
    if (layer === "platform") Object.assign(config.values, overrides);
    const platform = await evaluate(stack, config);
    // The app layer runs on the platform's outputs alone; preflight (capacity) sees both layers on one cluster.
    const plan = layer === "app" ? await evaluateApp(stack, readAppStackConfig(stack, overrides), platform) : platform;
    const onCluster = layer === "app" ? onOneCluster(platform.resources, plan.resources) : plan.resources;
    const name = layer === "app" ? `app-${stack}` : stack;

    // Everything written is computed first, so a failure leaves the previous outputs as they were.
    const region = platform.outputs.region as string;
    const prices = loadPrices(region);
    // The app shares the platform's ALB: its cost is what both layers cost together.
    const cost = prices && estimateCost(onCluster, prices);
    const costText =
        prices && cost ? `${formatCost(cost, prices)}\n\n${formatComparison(compareWithSeedLike(onCluster, prices), prices)}` : noPricesNote(region);
    const file = path.join(outDir, `${name}.json`);
    const diagramFile = path.join(outDir, `${name}.md`);
    const [overview, ...details] = diagrams(plan.resources, `${layer} stack ${stack}`);
    // Each component's own diagram beside the overview: plan/<stack>/<component>.md.
    const detailFiles = Object.fromEntries(details.map((d) => [path.join(outDir, name, `${d.name}.md`), [`# ${d.title}`, "", d.text].join("\n")]));
    writeOutputs({
        ...detailFiles,
        [file]: planJson(plan),
        [diagramFile]: [
            `# Plan of ${layer} stack ${stack}`,
            "",
            `${plan.resources.length} resources; ${prices && cost ? `estimated ${totalOf(cost).toFixed(2)} ${prices.currency}/month in fixed costs${cost.some((l) => l.unpriced) ? " (partial)" : ""}` : "no cost estimate"}.`,
            "",
            overview.text,
            `Each component in detail: ${details.map((d) => `[${d.name}](${name}/${d.name}.md)`).join(", ")}.`,
            "",
            "```text",
            costText,
            "```",
            "",
        ].join("\n"),
    });

    if (!quiet) console.log(formatTree(plan.resources));
    console.log(`\n${layer} stack ${stack}: ${plan.resources.length} resources`);
    for (const [type, n] of countByType(plan.resources)) console.log(`  ${String(n).padStart(4)}  ${type}`);
    if (plan.placeholders.length > 0) {
        console.log(`\nsecrets not readable offline, planned with placeholders: ${plan.placeholders.join(", ")}`);
    }
    if (layer === "platform") console.log("\napp: its own stack (appstack/); plan it with --layer app --config app:imageTag=<tag>");
    console.log(`\n${costText}`);
    console.log(`\nwrote ${path.relative(process.cwd(), file)} and ${path.relative(process.cwd(), diagramFile)}`);

    const settings = parseConfig(config.values, platform.project, stack);
    // The pack's config as ci/deploy.ts hands it to the engine: the guardrails of the stack's profile.
    const violations = checkPolicies({ ...plan, resources: onCluster }, policyPackConfig(settings.profile.guardrails));
    if (violations.length > 0) {
        console.error(`\npolicy violations (${violations.length}):`);
        for (const v of violations) {
            const [, , qualifiedType, name] = v.urn.split("::");
            console.error(`  [${v.policy}] ${name} (${qualifiedType.split("$").pop()}): ${v.message}`);
        }
    } else {
        console.log(`\npolicies: ${RULES.length} passed`);
    }
    const preflightFailed = reportPreflight(onCluster, deployersOf(settings));
    return violations.length > 0 || preflightFailed ? 1 : 0;
}

/** One message per failure and no stack trace: what went wrong is in the input, not in this script. */
function reportFailure(err: unknown): number {
    if (err instanceof UsageError) {
        console.error(`plan: ${err.message}\n${USAGE}`);
        return 2;
    }
    const known = err instanceof ConfigError || err instanceof StackFileError;
    console.error(known ? (err as Error).message : `plan failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err) => process.exit(reportFailure(err)),
    );
}
