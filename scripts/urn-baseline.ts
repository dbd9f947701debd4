/**
 * Writes tests/fixtures/urns/<stack>.json: the URNs the named stacks' plans hold now. Run it for a new stack, or only
 * when a change is meant to replace resources (then say so in the commit); tests/offline/urns.test.ts holds every
 * later plan to it. The stacks are named on purpose: a bare run would overwrite the baselines that guard the others.
 *   npm run urns:baseline -- <stack>...
 *   npm run urns:baseline -- --layer app <stack>...   the app stacks (appstack/), on their platform stack's plan
 */
import * as path from "path";
import { evaluateApp, readAppStackConfig } from "../appstack/plan";
import { evaluate, readStackConfig, writeOutputs } from "../offline/plan";
import { APP_URN_FIXTURES, planUrns, URN_FIXTURES } from "../offline/urns";

async function main(stacks: string[], app: boolean): Promise<void> {
    for (const stack of stacks) {
        const platform = await evaluate(stack, readStackConfig(stack));
        // The image tag names no resource: any valid one gives the same URNs.
        const plan = app ? await evaluateApp(stack, readAppStackConfig(stack, { "app:imageTag": "0123456789ab" }), platform) : platform;
        const file = path.join(app ? APP_URN_FIXTURES : URN_FIXTURES, `${stack}.json`);
        writeOutputs({ [file]: JSON.stringify(planUrns(plan.resources, stack, plan.project), null, 2) + "\n" });
        console.log(`wrote ${path.relative(process.cwd(), file)} (${plan.resources.length} URNs)`);
    }
}

if (require.main === module) {
    const args = process.argv.slice(2);
    const app = args[0] === "--layer" && args[1] === "app";
    const stacks = app ? args.slice(2) : args;
    if (stacks.length === 0 || stacks.some((s) => s.startsWith("-"))) {
        console.error("usage: npm run urns:baseline -- [--layer app] <stack>...");
        process.exit(2);
    }
    main(stacks, app).then(
        () => process.exit(0),
        (err) => {
            console.error(err instanceof Error ? err.message : err);
            process.exit(1);
        },
    );
}
