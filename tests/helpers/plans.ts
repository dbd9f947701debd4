/** The committed stacks evaluated once per test run, as `npm run plan` evaluates them. */
import { evaluate, Plan, readStackConfig } from "../../offline/plan";

export const planCache = new Map<string, Plan>();

/** The tag the pipeline would set; the committed stack files leave it unset until the first build. */
export const IMAGE_TAG = "3f2a9c1";

/** The plan of a committed stack, with the image tag the pipeline sets. */
export async function planFor(stack: string): Promise<Plan> {
    if (!planCache.has(stack)) {
        const config = readStackConfig(stack);
        config.values["app:imageTag"] = IMAGE_TAG;
        planCache.set(stack, await evaluate(stack, config));
    }
    return planCache.get(stack)!;
}
