/** The committed app stacks evaluated on the committed platform stacks' plans, as `npm run plan -- <stack> --layer app` does. */
import { evaluateApp, readAppStackConfig } from "../../appstack/plan";
import { Plan } from "../../offline/plan";
import { IMAGE_TAG, planFor } from "../helpers/plans";

const cache = new Map<string, Plan>();

export async function appPlanFor(stack: string): Promise<{ app: Plan; platform: Plan }> {
    const platform = await planFor(stack);
    if (!cache.has(stack)) cache.set(stack, await evaluateApp(stack, readAppStackConfig(stack, { "app:imageTag": IMAGE_TAG }), platform));
    return { app: cache.get(stack)!, platform };
}
