import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DeployStack, DeployWorkspace, findOnPath, parseArgs, run, UsageError } from "../../ci/deploy";
import { parseConfig } from "../../config";
import { parseAppConfig } from "../../config/app";
import { PROJECT_DIR, readStackConfig } from "../../offline/plan";
import { policyPackConfig } from "../../policy/rules";
import { stackFileConfig } from "./stack-config";

/** Stands in for the Pulumi CLI: records the calls in order and fails where told to. */
class FakeWorkspace implements DeployWorkspace {
    readonly calls: string[] = [];
    readonly policyPacks: (string[] | undefined)[] = [];
    constructor(
        private readonly failAt?: string,
        private readonly upResult = "succeeded",
    ) {}

    /** What getAllConfig returns, by stack; otherwise the stack file's config, as the CLI loads it. */
    readonly config = new Map<string, Record<string, { value: string; secret: boolean }>>();
    /** The policy pack configs each preview and up was given, read while the files exist. */
    readonly policyConfigs: unknown[][] = [];

    private stack(name: string, dir: string): DeployStack {
        const step = async (name: string, onOutput?: (s: string) => void) => {
            this.calls.push(name);
            onOutput?.(`${name} output\n`);
            if (this.failAt === name) throw new Error(`${name} exploded: code: 255`);
        };
        return {
            getAllConfig: async () => this.config.get(name) ?? stackFileConfig(name, dir),
            setConfig: async (key, v) => step(`setConfig ${key}=${v.value}`),
            refresh: async (o) => step("refresh", o.onOutput),
            preview: async (o) => {
                this.policyPacks.push(o.policyPacks);
                this.policyConfigs.push((o.policyPackConfigs ?? []).map((f) => JSON.parse(fs.readFileSync(f, "utf8"))));
                await step("preview", o.onOutput);
                return { changeSummary: { update: 1, same: 40 } };
            },
            up: async (o) => {
                this.policyPacks.push(o.policyPacks);
                await step("up", o.onOutput);
                return { summary: { result: this.upResult } };
            },
            destroy: async (o) => {
                await step("destroy", o.onOutput);
                return { summary: { result: "succeeded" } };
            },
            outputs: async () => ({ appUrl: { value: "https://app.dev.example.com", secret: false }, kubeconfig: { value: "{...}", secret: true } }),
        };
    }

    async selectOrCreate(stack: string, dir: string): Promise<DeployStack> {
        this.calls.push(`selectOrCreate ${stack}`);
        return this.stack(stack, dir);
    }

    async select(stack: string, dir: string): Promise<DeployStack> {
        this.calls.push(`select ${stack}`);
        return this.stack(stack, dir);
    }
}

async function deploy(argv: string[], ws = new FakeWorkspace()) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(argv, ws, PROJECT_DIR, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join(""), err: err.join(""), calls: ws.calls, policyPacks: ws.policyPacks };
}

describe("deploy program (Automation API)", () => {
    describe("arguments", () => {
        it("parses a deploy and its flags", () => {
            assert.deepStrictEqual(parseArgs(["--stack", "dev", "--image-tag=3f2a9c1", "--refresh"]), {
                stack: "dev",
                layer: "app",
                imageTag: "3f2a9c1",
                refresh: true,
                previewOnly: false,
                destroy: false,
                yesDestroyProd: false,
            });
            assert.strictEqual(parseArgs(["--stack", "dev", "--layer", "platform"]).layer, "platform");
        });

        it("rejects bad arguments with a usage error", () => {
            for (const [argv, why] of [
                [[], /--stack is required/],
                [["--stack"], /--stack <value>' argument missing/],
                [["--stack", "dev", "--force"], /Unknown option '--force'/],
                [["--stack", "dev", "extra"], /Unexpected argument 'extra'/],
                [["--stack", "dev", "--stack", "prod"], /--stack given twice/],
                [["--stack", "../../etc"], /not a stack name/],
                [["--stack", "dev", "--image-tag", "latest"], /"latest" cannot be deployed/],
                [["--stack", "dev", "--image-tag", "has space"], /not a container image tag/],
                [["--stack", "a/b"], /not a stack name/],
                [["--stack", "dev!"], /not a stack name/],
                [["--stack", "dev", "--destroy", "--image-tag", "abc"], /--destroy takes no --image-tag/],
                [["--stack", "dev", "--yes-destroy-prod"], /only goes with --destroy/],
                [["--stack", "dev"], /--image-tag is required to deploy the app layer/],
                [["--stack", "dev", "--layer", "platform", "--image-tag", "abc"], /--image-tag goes with the app layer/],
                [["--stack", "dev", "--layer", "everything"], /--layer is app or platform/],
            ] as [string[], RegExp][]) {
                assert.throws(
                    () => parseArgs(argv),
                    (e: Error) => e instanceof UsageError && why.test(e.message),
                    `${argv.join(" ")}`,
                );
            }
            assert.doesNotThrow(() => parseArgs(["--stack", "acme/eks-platform/dev", "--layer", "platform"]));
        });

        it("exits 2 and touches no stack on bad arguments or an unknown stack", async () => {
            const bad = await deploy(["--stack", "dev", "--image-tag", "latest"]);
            assert.deepStrictEqual([bad.code, bad.calls], [2, []]);
            const unknown = await deploy(["--stack", "qa", "--image-tag", "abc"]);
            assert.strictEqual(unknown.code, 2);
            assert.match(unknown.err, /no stack file Pulumi\.qa\.yaml/);
            assert.deepStrictEqual(unknown.calls, []);
        });
    });

    describe("deploys", () => {
        it("selects or creates the stack, sets the image tag, previews, then updates and prints outputs", async () => {
            const r = await deploy(["--stack", "dev", "--image-tag", "3f2a9c1"]);
            assert.strictEqual(r.code, 0, r.err);
            assert.deepStrictEqual(r.calls, ["selectOrCreate dev", "setConfig app:imageTag=3f2a9c1", "preview", "up"]);
            assert.match(r.out, /preview output\n/, "engine output is streamed");
            assert.match(r.out, /appUrl: https:\/\/app\.dev\.example\.com/);
            assert.match(r.out, /kubeconfig: \[secret\]/);
            assert.ok(!r.out.includes("{...}"), "secret outputs must not be printed");
        });

        it("enforces the project's policy pack on the platform's preview and update", async () => {
            const r = await deploy(["--stack", "dev", "--layer", "platform"]);
            assert.strictEqual(r.code, 0, r.err);
            assert.deepStrictEqual(r.calls, ["selectOrCreate dev", "preview", "up"], "the platform never gets an image tag");
            assert.deepStrictEqual(r.policyPacks, [[path.join(PROJECT_DIR, "policy")], [path.join(PROJECT_DIR, "policy")]]);
        });

        it("deploys the app layer from appstack/, and refuses its config before changing the stack", async () => {
            const dirs: string[] = [];
            const ws = new FakeWorkspace();
            const original = ws.selectOrCreate.bind(ws);
            ws.selectOrCreate = async (stack: string, dir: string) => {
                dirs.push(dir);
                return original(stack, dir);
            };
            const out: string[] = [];
            assert.strictEqual(await run(["--stack", "prod", "--image-tag", "3f2a9c1"], ws, PROJECT_DIR, { out: (t) => out.push(t), err: () => undefined }), 0);
            assert.deepStrictEqual(dirs, [path.join(PROJECT_DIR, "appstack")]);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-app-"));
            try {
                fs.mkdirSync(path.join(dir, "appstack"));
                fs.writeFileSync(
                    path.join(dir, "appstack", "Pulumi.dev.yaml"),
                    "config:\n  app:platformStack: organization/eks-platform/dev\n  dns:domain: x.example.com\n",
                );
                const bad = new FakeWorkspace();
                const err: string[] = [];
                assert.strictEqual(await run(["--stack", "dev", "--image-tag", "3f2a9c1"], bad, dir, { out: () => undefined, err: (t) => err.push(t) }), 2);
                assert.match(err.join(""), /dns:domain: is not an app stack setting/);
                assert.deepStrictEqual(bad.calls, ["selectOrCreate dev"], "no tag set, no preview");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("refreshes before the preview when asked", async () => {
            const r = await deploy(["--stack", "dev", "--image-tag", "3f2a9c1", "--refresh"]);
            assert.deepStrictEqual(r.calls, ["selectOrCreate dev", "setConfig app:imageTag=3f2a9c1", "refresh", "preview", "up"]);
        });

        it("stops after the preview with --preview-only", async () => {
            const r = await deploy(["--stack", "prod", "--image-tag", "3f2a9c1", "--preview-only"]);
            assert.strictEqual(r.code, 0);
            assert.deepStrictEqual(r.calls, ["selectOrCreate prod", "setConfig app:imageTag=3f2a9c1", "preview"]);
        });

        it("exits 1 naming the step when the update fails, after a clean preview", async () => {
            const r = await deploy(["--stack", "dev", "--image-tag", "3f2a9c1"], new FakeWorkspace("up"));
            assert.strictEqual(r.code, 1);
            assert.match(r.err, /update of dev failed: up exploded/);
            assert.deepStrictEqual(r.calls.slice(-2), ["preview", "up"]);
        });

        it("exits 1 when the update does not report success, and when the preview fails it never updates", async () => {
            const partial = await deploy(["--stack", "dev", "--image-tag", "3f2a9c1"], new FakeWorkspace(undefined, "failed"));
            assert.strictEqual(partial.code, 1);
            assert.match(partial.err, /update finished as failed/);
            const preview = await deploy(["--stack", "dev", "--image-tag", "3f2a9c1"], new FakeWorkspace("preview"));
            assert.strictEqual(preview.code, 1);
            assert.ok(!preview.calls.includes("up"));
        });
    });

    describe("destroy", () => {
        it("destroys a dev stack, selecting it without creating", async () => {
            const r = await deploy(["--stack", "dev", "--destroy"]);
            assert.strictEqual(r.code, 0);
            assert.deepStrictEqual(r.calls, ["select dev", "destroy"]);
        });

        it("refuses a prod stack unless --yes-destroy-prod is given", async () => {
            const refused = await deploy(["--stack", "prod", "--destroy"]);
            assert.strictEqual(refused.code, 2);
            assert.match(refused.err, /refusing to destroy prod: it is a prod stack; add --yes-destroy-prod/);
            assert.deepStrictEqual(refused.calls, ["select prod"], "selected to read its config, never destroyed");
            const allowed = await deploy(["--stack", "prod", "--destroy", "--yes-destroy-prod"]);
            assert.deepStrictEqual([allowed.code, allowed.calls], [0, ["select prod", "destroy"]]);
        });
    });

    describe("the CLI as a process", () => {
        let nodeOnly: string;
        before(() => {
            nodeOnly = fs.mkdtempSync(path.join(os.tmpdir(), "path-without-pulumi-"));
            fs.symlinkSync(process.execPath, path.join(nodeOnly, "node"));
        });
        after(() => fs.rmSync(nodeOnly, { recursive: true, force: true }));
        const deployCli = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
            spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(PROJECT_DIR, "ci/deploy.ts"), ...args], {
                encoding: "utf8",
                timeout: 60000,
                env,
            });

        it("--help prints the usage and exits 0", () => {
            const r = deployCli(["--help"]);
            assert.strictEqual(r.status, 0, r.stderr);
            assert.match(r.stdout, /^usage: deploy --stack <name>/);
            assert.match(r.stdout, /--preview-only\s+stop after the preview/);
        });

        it("refuses an unknown flag with exit 2", () => {
            const r = deployCli(["--stack", "dev", "--imagetag", "abc"]);
            assert.strictEqual(r.status, 2);
            assert.match(r.stderr, /Unknown option '--imagetag'/);
        });

        it("without a Pulumi CLI on PATH, says to install one, exits 1 with no stack trace", () => {
            assert.strictEqual(findOnPath("pulumi", nodeOnly), undefined);
            const r = deployCli(["--stack", "dev", "--image-tag", "3f2a9c1"], { ...process.env, PATH: nodeOnly });
            assert.strictEqual(r.status, 1, r.stderr);
            assert.match(r.stderr, /^deploy: the Pulumi CLI is not on PATH: install it/);
            assert.doesNotMatch(r.stderr, /^\s+at /m);
        });
    });

    describe("the profile is the one config/ resolves from the stack's config, not from the stack's name", () => {
        /** A stack named dev whose config (as the Automation API returns it) says prod. */
        const devNamedProd = () => {
            const ws = new FakeWorkspace();
            ws.config.set("dev", Object.fromEntries(Object.entries(readStackConfig("prod").values).map(([k, v]) => [k, { value: v, secret: false }])));
            return ws;
        };

        it("platform: the policy pack gets the guardrails of the profile parseConfig resolves, and a destroy is refused", async () => {
            const resolved = parseConfig(readStackConfig("prod").values, "eks-platform", "dev").profile;
            assert.strictEqual(resolved.name, "prod");
            const ws = devNamedProd();
            const r = await deploy(["--stack", "dev", "--layer", "platform", "--preview-only"], ws);
            assert.strictEqual(r.code, 0, r.err);
            assert.deepStrictEqual(ws.policyConfigs, [[policyPackConfig(resolved.guardrails)]]);
            const destroy = await deploy(["--stack", "dev", "--layer", "platform", "--destroy"], devNamedProd());
            assert.strictEqual(destroy.code, 2);
            assert.match(destroy.err, /refusing to destroy dev: it is a prod stack/);
        });

        it("app: the app stack's own config decides its profile, its defaults and its guardrail", async () => {
            const appConfig = { "aws:region": "ap-northeast-2", "app:platformStack": "organization/eks-platform/prod", "platform:environment": "prod" };
            const resolved = parseAppConfig({ ...appConfig, "app:imageTag": "3f2a9c1" }, "dev");
            assert.deepStrictEqual([resolved.profile.name, resolved.minReplicas], ["prod", 3]);
            const asCli = (values: Record<string, string>) => {
                const ws = new FakeWorkspace();
                ws.config.set("dev", Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v, secret: false }])));
                return ws;
            };
            const destroy = await deploy(["--stack", "dev", "--destroy"], asCli(appConfig));
            assert.strictEqual(destroy.code, 2);
            assert.match(destroy.err, /refusing to destroy dev: it is a prod stack/);
            const tooFew = await deploy(["--stack", "dev", "--image-tag", "3f2a9c1"], asCli({ ...appConfig, "app:minReplicas": "1" }));
            assert.strictEqual(tooFew.code, 2);
            assert.match(tooFew.err, /app:minReplicas: 1 breaks profile prod's guardrail minReplicas 2/);
            assert.deepStrictEqual(tooFew.calls, ["selectOrCreate dev"]);
        });
    });

    it("a stack file the CLI cannot load fails the deploy (exit 1) naming its line and column, before anything changes", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-stack-"));
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  platform:environment: [dev\n");
            const ws = new FakeWorkspace();
            const err: string[] = [];
            const code = await run(["--stack", "dev", "--layer", "platform"], ws, dir, { out: () => undefined, err: (t) => err.push(t) });
            assert.strictEqual(code, 1);
            assert.match(err.join(""), /reading the stack's config of dev failed: .*Pulumi\.dev\.yaml:\d+:\d+: /);
            assert.deepStrictEqual(ws.calls, ["selectOrCreate dev"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the CLI itself exits 2 with the usage on bad arguments (no Pulumi CLI needed)", () => {
        const r = spawnSync(
            process.execPath,
            [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(PROJECT_DIR, "ci/deploy.ts"), "--image-tag", "abc"],
            { encoding: "utf8", timeout: 60000 },
        );
        assert.strictEqual(r.status, 2);
        assert.match(r.stderr, /--stack is required/);
        assert.match(r.stderr, /usage: deploy --stack/);
    });
});
