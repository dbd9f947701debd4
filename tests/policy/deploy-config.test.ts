/**
 * The deploy CLI hands the policy pack its stack's profile through the Automation API's policyPackConfigs, which
 * @pulumi/pulumi 3.248.0 turns into `--policy-pack-config <file>` (automation/stack.js, preview and up); the file is
 * JSON keyed by policy name (pulumi/pulumi sdk/pkg/resource/analyzer/config.go, parsePolicyPackConfig).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DeployStack, DeployWorkspace, run } from "../../ci/deploy";
import { PROFILES } from "../../config/profiles";
import { PROJECT_DIR } from "../../offline/plan";
import { stackFileConfig } from "../ci/stack-config";
import { policyPackConfig } from "../../policy/rules";

/** Records what each preview and up was given, reading the config files while they exist. */
class Recording implements DeployWorkspace {
    readonly given: { policyPacks?: string[]; configs: unknown[] }[] = [];
    readonly calls: string[] = [];

    private stack(name: string, dir: string): DeployStack {
        const note = (o: { policyPacks?: string[]; policyPackConfigs?: string[] }) =>
            this.given.push({ policyPacks: o.policyPacks, configs: (o.policyPackConfigs ?? []).map((f) => JSON.parse(fs.readFileSync(f, "utf8"))) });
        return {
            getAllConfig: async () => stackFileConfig(name, dir),
            setConfig: async () => undefined,
            refresh: async () => undefined,
            preview: async (o) => {
                note(o);
                return {};
            },
            up: async (o) => {
                note(o);
                return { summary: { result: "succeeded" } };
            },
            destroy: async () => {
                this.calls.push("destroy");
                return { summary: { result: "succeeded" } };
            },
            outputs: async () => ({}),
        };
    }

    selectOrCreate = async (name: string, dir: string) => this.stack(name, dir);
    select = async (name: string, dir: string) => this.stack(name, dir);
}

const quiet = { out: () => undefined, err: () => undefined };

describe("deploy: the policy pack gets the stack's profile as its config", () => {
    for (const stack of ["dev", "staging", "prod"] as const) {
        it(`passes ${stack}'s guardrails to the platform's preview and update`, async () => {
            const ws = new Recording();
            assert.strictEqual(await run(["--stack", stack, "--layer", "platform"], ws, PROJECT_DIR, quiet), 0);
            assert.deepStrictEqual(
                ws.given.map((g) => g.configs),
                [[policyPackConfig(PROFILES[stack].guardrails)], [policyPackConfig(PROFILES[stack].guardrails)]],
            );
        });
    }

    it("reads the profile the stack file names, not the stack's name, and removes the config file afterwards", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-profile-"));
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.prod-eu.yaml"), "config:\n  platform:environment: prod\n");
            const ws = new Recording();
            let files: string[] = [];
            const original = ws.selectOrCreate;
            ws.selectOrCreate = async (name, stackDir) => {
                const s = await original(name, stackDir);
                const preview = s.preview.bind(s);
                s.preview = async (o) => {
                    files = o.policyPackConfigs ?? [];
                    return preview(o);
                };
                return s;
            };
            assert.strictEqual(await run(["--stack", "prod-eu", "--layer", "platform"], ws, dir, quiet), 0);
            assert.deepStrictEqual(ws.given[0].configs, [policyPackConfig(PROFILES.prod.guardrails)]);
            assert.strictEqual(files.length, 1);
            assert.ok(!fs.existsSync(files[0]), "the config file outlives the deploy");
            // deletionProtection, not the name "prod", is what refuses a destroy.
            const err: string[] = [];
            assert.strictEqual(
                await run(["--stack", "prod-eu", "--layer", "platform", "--destroy"], ws, dir, { out: () => undefined, err: (t) => err.push(t) }),
                2,
            );
            assert.match(err.join(""), /refusing to destroy prod-eu: it is a prod stack; add --yes-destroy-prod .*deletionProtection/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("destroys a staging stack without --yes-destroy-prod: its profile protects nothing", async () => {
        const ws = new Recording();
        assert.strictEqual(await run(["--stack", "staging", "--layer", "platform", "--destroy"], ws, PROJECT_DIR, quiet), 0);
        assert.deepStrictEqual(ws.calls, ["destroy"]);
    });
});
