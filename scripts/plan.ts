/**
 * The offline plan: `npm run plan -- <stack>` evaluates index.ts for Pulumi.<stack>.yaml under mocks and
 * writes plan/<stack>.json (every resource with its parent, dependencies, provider and redacted inputs).
 * No cloud account and no Pulumi CLI are needed.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../config";
import { checkPolicies, countByType, evaluate, formatTree, PROJECT_DIR, readStackConfig, writePlan } from "../offline/plan";
import { estimateCost, formatCost, loadPrices, totalOf } from "../offline/cost";
import { mermaid } from "../offline/diagram";
import { RULES } from "../policy/rules";
import { reportPreflight } from "../offline/preflight";

async function main(argv: string[]): Promise<number> {
    const args = [...argv];
    let outDir = path.join(PROJECT_DIR, "plan");
    const outAt = args.indexOf("--out");
    if (outAt >= 0) {
        if (!args[outAt + 1]) throw new Error("--out needs a folder");
        outDir = path.resolve(args[outAt + 1]);
        args.splice(outAt, 2);
    }
    // --stack-file checks a stack file kept elsewhere (a proposed change, a test fixture) against this program.
    let configDir = PROJECT_DIR;
    let fileStack: string | undefined;
    const fileAt = args.indexOf("--stack-file");
    if (fileAt >= 0) {
        const file = path.resolve(args[fileAt + 1] ?? "");
        fileStack = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(file))?.[1];
        if (!fileStack) throw new Error("--stack-file needs a path to a Pulumi.<stack>.yaml file");
        configDir = path.dirname(file);
        args.splice(fileAt, 2);
    }
    // --config ns:key=value overrides the stack file, as `pulumi up -c` does (the pipeline plans its image tag).
    const overrides: Record<string, string> = {};
    for (let at = args.indexOf("--config"); at >= 0; at = args.indexOf("--config")) {
        const m = /^([\w-]+:[\w-]+)=(.*)$/.exec(args[at + 1] ?? "");
        if (!m) throw new Error(`--config needs namespace:key=value, got ${args[at + 1] ?? "nothing"}`);
        overrides[m[1]] = m[2];
        args.splice(at, 2);
    }
    const quiet = args.includes("--quiet");
    const stacks = args.filter((a) => !a.startsWith("--"));
    if (stacks.length > 1 || (fileStack && stacks.length > 0)) throw new Error(`one stack at a time, got ${[fileStack, ...stacks].filter(Boolean).join(" ")}`);
    const stack = fileStack ?? stacks[0] ?? "dev";

    const config = readStackConfig(stack, configDir);
    Object.assign(config.values, overrides);
    const plan = await evaluate(stack, config);
    const file = writePlan(plan, outDir);

    if (!quiet) console.log(formatTree(plan.resources));
    console.log(`\nstack ${stack}: ${plan.resources.length} resources`);
    for (const [type, n] of countByType(plan.resources)) console.log(`  ${String(n).padStart(4)}  ${type}`);
    if (plan.placeholders.length > 0) {
        console.log(`\nsecrets not readable offline, planned with placeholders: ${plan.placeholders.join(", ")}`);
    }
    if (plan.outputs.appUrl === undefined) {
        console.log("\napp: not deployed until app:imageTag is set (the pipeline sets it); plan it with --config app:imageTag=<tag>");
    }
    const prices = loadPrices(plan.outputs.region as string);
    const cost = estimateCost(plan.resources, prices);
    console.log(`\n${formatCost(cost, prices)}`);
    const diagramFile = path.join(outDir, `${stack}.md`);
    fs.writeFileSync(diagramFile, [
        `# Plan of stack ${stack}`,
        "",
        `${plan.resources.length} resources; estimated ${totalOf(cost).toFixed(2)} ${prices.currency}/month in fixed costs.`,
        "",
        mermaid(plan.resources, `stack ${stack}`),
        "```text",
        formatCost(cost, prices),
        "```",
        "",
    ].join("\n"));
    console.log(`\nwrote ${path.relative(process.cwd(), file)} and ${path.relative(process.cwd(), diagramFile)}`);

    const violations = checkPolicies(plan);
    if (violations.length > 0) {
        console.error(`\npolicy violations (${violations.length}):`);
        for (const v of violations) {
            const [, , qualifiedType, name] = v.urn.split("::");
            console.error(`  [${v.policy}] ${name} (${qualifiedType.split("$").pop()}): ${v.message}`);
        }
    } else {
        console.log(`\npolicies: ${RULES.length} passed`);
    }
    const preflightFailed = reportPreflight(plan.resources);
    return violations.length > 0 || preflightFailed ? 1 : 0;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
        console.error(err instanceof ConfigError ? err.message : `plan failed: ${err instanceof Error ? err.stack ?? err.message : err}`);
        process.exit(1);
    },
);
