/**
 * Writes tests/fixtures/urns/<stack>.json: the URNs the committed stacks' plans hold now. Run it only when a change
 * is meant to replace resources (then say so in the commit); tests/offline/urns.test.ts holds every later plan to it.
 *   npm run urns:baseline [-- <stack>...]
 */
import * as path from "path";
import { evaluate, PROJECT_DIR, readStackConfig, writeOutputs } from "../offline/plan";
import { planUrns } from "../offline/urns";

export const URN_FIXTURES = path.join(PROJECT_DIR, "tests/fixtures/urns");

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
    main(stacks.length > 0 ? stacks : ["dev", "prod"]).then(
        () => process.exit(0),
        (err) => {
            console.error(err instanceof Error ? err.message : err);
            process.exit(1);
        },
    );
}
