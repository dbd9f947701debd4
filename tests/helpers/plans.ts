/** The committed stacks evaluated once per test run, as `npm run plan` evaluates them. */
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as path from "path";
import { evaluate, Plan, PROJECT_DIR, readStackConfig } from "../../offline/plan";

export const planCache = new Map<string, Plan>();

/** The tag the pipeline would set; the committed stack files leave it unset until the first build. */
export const IMAGE_TAG = "3f2a9c1";

/** The plan of a committed stack. */
export async function planFor(stack: string): Promise<Plan> {
    if (!planCache.has(stack)) {
        const config = readStackConfig(stack);
        planCache.set(stack, await evaluate(stack, config));
    }
    return planCache.get(stack)!;
}

/** `npm run plan` as a user runs it: the real CLI in a child process, from the project directory (timeout 0: none). */
export function runPlanCli(args: string[], { cwd = PROJECT_DIR, timeout = 60000 }: { cwd?: string; timeout?: number } = {}): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(PROJECT_DIR, "scripts/plan.ts"), ...args], {
        cwd,
        encoding: "utf8",
        timeout,
    });
}
