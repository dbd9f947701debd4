/** Environments as profiles (config/profiles.ts) and the one schema (config/schema.ts). */
import * as assert from "assert";
import { runPlanCli } from "../helpers/plans";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, parseConfig, restatedDefaults } from "../../config";
import { README, withTable } from "../../config/docs";
import { PROFILES } from "../../config/profiles";
import { knownKeys, SCHEMA } from "../../config/schema";
import { checkPolicies, evaluate, listStacks, readStackConfig } from "../../offline/plan";
import { runPreflight } from "../../offline/preflight";
import { deployersOf } from "../../offline/preflight/reachability";
import { policyPackConfig } from "../../policy/rules";
import { captureWarnings, rawConfig } from "../helpers/harness";

function problemsOf(raw: Record<string, string>, stack: string): string[] {
    try {
        parseConfig(raw, "eks-platform", stack);
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return [...err.problems];
    }
    return [];
}

/** The minimal config of a stack without Jenkins (prod's fixture), under another profile. */
const promotedTo = (environment: string, overrides: Record<string, string | undefined> = {}) =>
    rawConfig("prod", { "platform:environment": environment, "dns:domain": `${environment}.example.com`, ...overrides });

describe("config: environment profiles", () => {
    it("refuses what a profile's guardrail forbids, naming the key, the value and the rule", () => {
        assert.deepStrictEqual(problemsOf(promotedTo("staging", { "network:natStrategy": "single" }), "staging"), [
            "network:natStrategy: \"single\" breaks profile staging's guardrail natPerAz (onePerAz): a single NAT makes one AZ's outage take every node offline",
        ]);
        // New with profiles: prod's nodes are on-demand only (spot capacity can be reclaimed all at once).
        assert.deepStrictEqual(problemsOf(promotedTo("prod", { "cluster:capacityType": "SPOT" }), "prod"), [
            "cluster:capacityType: prod's system node group runs Karpenter and CoreDNS: it must be ON_DEMAND (\"SPOT\" breaks profile prod's guardrail spotAllowed false: spot nodes can all be reclaimed at once)",
        ]);
        assert.deepStrictEqual(problemsOf(promotedTo("staging", { "cluster:capacityType": "SPOT" }), "staging"), []);
    });

    it("takes defaults and guardrails from the profile the stack file names, whatever the stack is called", () => {
        const c = parseConfig(promotedTo("prod"), "eks-platform", "prod-eu");
        assert.strictEqual(c.profile, PROFILES.prod);
        assert.deepStrictEqual(
            [c.network.azCount, c.network.natStrategy, c.cluster.nodeGroup.capacityType, c.tags.Environment],
            [3, "onePerAz", "ON_DEMAND", "prod"],
        );
        const staging = parseConfig(promotedTo("staging"), "eks-platform", "staging");
        assert.deepStrictEqual([staging.cluster.nodeGroup.maxSize, staging.observability.retention, staging.cicd.jenkins], [3, "15d", undefined]);
    });

    it("reports a setting restated with its profile's default, and warns while parsing", () => {
        const raw = rawConfig("dev", { "network:natStrategy": "single", "cluster:capacityType": "SPOT", "cluster:version": "1.35", "cluster:maxSize": "4" });
        const found = restatedDefaults(raw, "dev");
        assert.deepStrictEqual(
            found.map((f) => f.split(":").slice(0, 2).join(":")),
            ["network:natStrategy", "cluster:version", "cluster:capacityType"],
        );
        assert.match(found[0], /network:natStrategy: restates profile dev's default "single": remove it/);
        const warned = captureWarnings(() => parseConfig(raw, "eks-platform", "dev"));
        assert.deepStrictEqual(
            warned.filter((w) => /restates/.test(w)),
            found,
        );
    });

    it("every committed stack file states only what differs from its profile", () => {
        for (const stack of listStacks()) assert.deepStrictEqual(restatedDefaults(readStackConfig(stack).values, stack), [], stack);
    });

    it("an upgrade is checked from the default version when the stack file states none", () => {
        const res = runPlanCli(["prod", "--config", "cluster:version=1.33", "--out", fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "--quiet"]);
        assert.strictEqual(res.status, 1, res.stdout);
        assert.match(res.stderr, /cluster:version: 1\.35 -> 1\.33 is a downgrade/);
    });

    it("staging plans with only its own stack file: policies and preflight pass", async function () {
        this.timeout(180000);
        const config = readStackConfig("staging");
        const plan = await evaluate("staging", config);
        const settings = parseConfig(config.values, "eks-platform", "staging");
        assert.strictEqual(settings.profile, PROFILES.staging);
        assert.deepStrictEqual(checkPolicies(plan, policyPackConfig(settings.profile.guardrails)), []);
        const problems = runPreflight({ resources: plan.resources, date: new Date(), deployers: deployersOf(settings) }).flatMap((r) =>
            r.problems.map((p) => `${r.check}: ${p}`),
        );
        assert.deepStrictEqual(problems, []);
        const natGateways = plan.resources.filter((r) => r.type === "awsx:ec2:Vpc").map((r) => r.inputs.natGateways);
        assert.deepStrictEqual(JSON.parse(JSON.stringify(natGateways)), [{ strategy: "OnePerAz" }]);
    });
});

describe("config: one schema", () => {
    it("knows exactly the schema's keys, so a key added there is read and documented", () => {
        assert.deepStrictEqual(
            Object.entries(knownKeys())
                .flatMap(([ns, names]) => names.map((n) => `${ns}:${n}`))
                .sort(),
            Object.keys(SCHEMA).sort(),
        );
    });

    it("README.md's configuration table is the one the schema generates (run `npm run docs` to update it)", () => {
        const readme = fs.readFileSync(README, "utf8");
        assert.ok(readme === withTable(readme), "README.md's configuration table is stale: run `npm run docs`");
    });
});
