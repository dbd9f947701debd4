/**
 * Writes tests/fixtures/urns/<stack>.json: the URNs the named stacks' plans hold now. Run it for a new stack, or only
 * when a change is meant to replace resources (then say so in the commit); tests/offline/urns.test.ts holds every
 * later plan to it. The stacks are named on purpose: a bare run would overwrite the baselines that guard the others.
 *   npm run urns:baseline -- <stack>...
 */
import * as path from "path";
import { evaluate, readStackConfig, writeOutputs } from "../offline/plan";
import { planUrns, URN_FIXTURES } from "../offline/urns";

async function main(stacks: string[]): Promise<void> {
    for (const stack of stacks) {
        const plan = await evaluate(stack, readStackConfig(stack));
        const file = path.join(URN_FIXTURES, `${stack}.json`);
        writeOutputs({ [file]: JSON.stringify(planUrns(plan.resources, stack, plan.project), null, 2) + "\n" });
        console.log(`wrote ${path.relative(process.cwd(), file)} (${plan.resources.length} URNs)`);
    }
}

if (require.main === module) {
    const stacks = process.argv.slice(2);
    if (stacks.length === 0) {
        console.error("usage: npm run urns:baseline -- <stack>...");
        process.exit(2);
    }
    main(stacks).then(
        () => process.exit(0),
        (err) => {
            console.error(err instanceof Error ? err.message : err);
            process.exit(1);
        },
    );
}
