/** Preflight: questions about a plan whose answers decide whether `pulumi up` can succeed. */
import { capacity } from "./capacity";
import { Check, CheckResult, PreflightInput } from "./check";
import { coldDeploy } from "./cold-deploy";
import { order } from "./order";
import { versions } from "./versions";

export { CheckResult, PreflightInput } from "./check";

export const CHECKS: Check[] = [capacity, versions, order, coldDeploy];

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
