/**
 * Resource identities as the engine keys its state: a resource whose URN changes is deleted and created again,
 * unless an `aliases` option names its former URN. The mocks shorten a child's type chain to its parent's last type
 * (@pulumi/pulumi runtime/mocks.js newUrn); the engine keeps the whole chain (pulumi/pulumi sdk/go/common/resource
 * urn.go: a child's qualified type is its parent's qualified type, "$", its own type), so both are rebuilt here from
 * the recorded parents. Children of the stack itself have no parent in a plan, as the engine leaves the stack's
 * type out of their URNs.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "./plan";
import { RecordedAlias, RecordedResource } from "./recorder";

/** One baseline per committed stack: `<stack>.json`, written by scripts/urn-baseline.ts. */
export const URN_FIXTURES = path.join(PROJECT_DIR, "tests/fixtures/urns");
/** The app layer's baselines (appstack/Pulumi.<stack>.yaml), one per app stack. */
export const APP_URN_FIXTURES = path.join(URN_FIXTURES, "app");

function qualifiedType(urn: string): string {
    return urn.split("::")[2];
}

/** Builds URNs the way the engine does for every resource of one plan. */
export function engineUrns(
    resources: RecordedResource[],
    stack: string,
    project: string,
): { of: (r: RecordedResource) => string; aliasesOf: (r: RecordedResource) => string[] } {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const chains = new Map<string, string>();
    /** The qualified type of a recorded URN, or of a URN outside the plan (a former parent) as written. */
    const chainOf = (urn: string): string => {
        const cached = chains.get(urn);
        if (cached) return cached;
        const r = byUrn.get(urn);
        const chain = !r ? qualifiedType(urn) : r.parent ? `${chainOf(r.parent)}$${r.type}` : r.type;
        chains.set(urn, chain);
        return chain;
    };
    const urnOf = (chain: string, name: string) => `urn:pulumi:${stack}::${project}::${chain}::${name}`;
    const aliasUrn = (r: RecordedResource, a: RecordedAlias): string => {
        if (a.urn) return a.urn;
        const type = a.type ?? r.type;
        const parent = a.noParent ? "" : (a.parentUrn ?? r.parent);
        return urnOf(parent ? `${chainOf(parent)}$${type}` : type, a.name ?? r.name);
    };
    return {
        of: (r) => urnOf(chainOf(r.urn), r.name),
        aliasesOf: (r) => (r.aliases ?? []).map((a) => aliasUrn(r, a)),
    };
}

/** The plan's URNs, sorted: what tests/fixtures/urns/<stack>.json holds. */
export function planUrns(resources: RecordedResource[], stack: string, project: string): string[] {
    const { of } = engineUrns(resources, stack, project);
    return resources.map(of).sort();
}

/** Baseline URNs that no resource of the plan has now, either as its URN or as one of its aliases. */
export function missingUrns(baseline: readonly string[], resources: RecordedResource[], stack: string, project: string): string[] {
    const { of, aliasesOf } = engineUrns(resources, stack, project);
    const held = new Set(resources.flatMap((r) => [of(r), ...aliasesOf(r)]));
    return baseline.filter((u) => !held.has(u));
}

/** A stack's baseline URNs; a stack without one fails, so a new stack file cannot slip past the guard unnoticed. */
export function readBaseline(stack: string, dir: string = URN_FIXTURES): string[] {
    const file = path.join(dir, `${stack}.json`);
    if (!fs.existsSync(file)) {
        const layer = dir === APP_URN_FIXTURES ? "--layer app " : "";
        throw new Error(`stack ${stack} has no URN baseline (${path.relative(PROJECT_DIR, file)}): make one with npm run urns:baseline -- ${layer}${stack}`);
    }
    const urns: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    if (!Array.isArray(urns) || !urns.every((u): u is string => typeof u === "string")) throw new Error(`${file}: expected a JSON array of URNs`);
    return urns;
}
