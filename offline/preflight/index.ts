/** Preflight: questions about a plan whose answers decide whether `pulumi up` can succeed. */
import { capacity } from "./capacity";
import { Check, CheckResult, PreflightInput } from "./check";
import { coldDeploy } from "./cold-deploy";
import { order } from "./order";
import { permissions } from "./permissions";
import { reachability } from "./reachability";
import { versions } from "./versions";

export { CheckResult, PreflightInput } from "./check";
export { Deployer } from "./reachability";

export const CHECKS: Check[] = [capacity, versions, order, coldDeploy, permissions, reachability];

export function runPreflight(input: PreflightInput, checks: Check[] = CHECKS): CheckResult[] {
    return checks.map((check) => check(input));
}

/** The preflight section of the plan's output: each check with what it found and its problems. */
export function formatPreflight(results: CheckResult[]): string {
    const out = ["preflight:"];
    for (const r of results) {
        out.push(`  ${r.check}: ${r.problems.length === 0 ? "passed" : `${r.problems.length} problem(s)`}`);
        for (const line of r.lines) out.push(`    ${line}`);
        for (const p of r.problems) out.push(`    ! ${p}`);
    }
    return out.join("\n");
}

/** Prints the preflight section and, on stderr, one line per problem; true when `pulumi up` would fail. */
export function reportPreflight(resources: PreflightInput["resources"], deployers: PreflightInput["deployers"], date = new Date()): boolean {
    const results = runPreflight({ resources, date, deployers });
    console.log(`\n${formatPreflight(results)}`);
    const problems = results.flatMap((r) => r.problems.map((p) => `  [${r.check}] ${p}`));
    if (problems.length > 0) console.error(`\npreflight problems (${problems.length}):\n${problems.join("\n")}`);
    return problems.length > 0;
}
