import * as assert from "assert";
import { runPlanCli } from "../helpers/plans";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { countByType, formatTree, PLACEHOLDER_SECRET, PROJECT_DIR, readStackConfig } from "../../offline/plan";
import { redact } from "../../offline/recorder";
import { FIXED_PLAN } from "../helpers/fixed-plan";

describe("offline plan internals", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads a stack file the way the CLI hands config over: strings, JSON for structures, placeholders for secrets", () => {
        fs.writeFileSync(
            path.join(dir, "Pulumi.qa.yaml"),
            [
                "config:",
                "  aws:region: ap-northeast-2",
                "  network:azCount: 3",
                "  cluster:instanceTypes: [m6i.large]",
                "  platform:tags: {Team: core}",
                "  observability:grafanaAdminPassword:",
                "    secure: v1:AAAABBBBCCCC",
                "  plainKey: x",
            ].join("\n"),
        );
        const c = readStackConfig("qa", dir);
        assert.strictEqual(c.values["network:azCount"], "3");
        assert.strictEqual(c.values["cluster:instanceTypes"], '["m6i.large"]');
        assert.strictEqual(c.values["platform:tags"], '{"Team":"core"}');
        assert.strictEqual(c.values["eks-platform:plainKey"], "x", "keys without a namespace belong to the project");
        assert.strictEqual(c.values["observability:grafanaAdminPassword"], PLACEHOLDER_SECRET);
        assert.ok(c.secretKeys.includes("observability:grafanaAdminPassword"));
        assert.ok(c.placeholders.includes("cicd:jenkinsAdminPassword"), "a required secret missing from the file is planned with a placeholder");
    });

    it("says which stacks exist when the file is missing", () => {
        assert.throws(() => readStackConfig("nope", dir), /no stack file .*Pulumi\.nope\.yaml.*\(qa\)/);
    });

    it("redacts secrets and turns resource references into URNs", () => {
        const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" };
        const ref = { "4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:pulumi:s::p::t::n" };
        assert.deepStrictEqual(redact({ a: [secret, ref], b: { c: secret } }), { a: ["[secret]", "ref:urn:pulumi:s::p::t::n"], b: { c: "[secret]" } });
    });

    it("prints components with their children, indented, and counts by type", () => {
        const tree = formatTree(FIXED_PLAN).split("\n");
        assert.strictEqual(tree[0], "+ platform:network:Network  net  (component)");
        assert.strictEqual(tree[1], "  + awsx:ec2:Vpc  vpc");
        assert.deepStrictEqual(countByType(FIXED_PLAN)[0], ["kubernetes:helm.sh/v3:Release", 3]);
    });
});

describe("plan CLI: every bad input refused with one clear message", function () {
    this.timeout(90000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const planCli = (args: string[]) => runPlanCli(args, { timeout: 80000 });
    /** A failure the user can act on: the expected exit code and message on stderr, and no stack trace. */
    const assertRefused = (res: ReturnType<typeof planCli>, status: number, message: RegExp) => {
        assert.strictEqual(res.status, status, `stdout: ${res.stdout}\nstderr: ${res.stderr}`);
        assert.match(res.stderr, message);
        assert.doesNotMatch(res.stderr, /^\s+at /m, "no stack trace");
    };
    const stackFile = (name: string, content: string | Buffer) => {
        const file = path.join(dir, `Pulumi.${name}.yaml`);
        fs.writeFileSync(file, content);
        return file;
    };

    it("--help prints the usage and exits 0", () => {
        const res = planCli(["--help"]);
        assert.strictEqual(res.status, 0, res.stderr);
        assert.match(res.stdout, /^usage: npm run plan -- \[<stack> \| --stack-file/);
        assert.match(res.stdout, /--config\s+overrides one setting/);
    });

    it("refuses an unknown flag with exit 2 instead of taking it for a stack", () => {
        assertRefused(planCli(["dev", "--qiuet"]), 2, /Unknown option '--qiuet'[\s\S]*usage: npm run plan/);
    });

    it("refuses a stack name that would become a path outside the project", () => {
        assertRefused(planCli(["../../x", "--out", dir]), 2, /"\.\.\/\.\.\/x" is not a stack name/);
    });

    it("reads no file outside the directory for a stack name with ../", () => {
        fs.mkdirSync(path.join(dir, "project"), { recursive: true });
        fs.writeFileSync(path.join(dir, "x.yaml"), "config:\n  aws:region: ap-northeast-2\n");
        assert.throws(() => readStackConfig("../../x", path.join(dir, "project")), /is not a stack name/);
    });

    it("names the file, line and column of a YAML error", () => {
        const file = stackFile("yamlerr", "config:\n  aws:region: ap-northeast-2\n  cluster:instanceTypes: [t3.large\n  cluster:minSize: 1\n");
        assertRefused(planCli(["--stack-file", file, "--out", dir]), 1, new RegExp(`${file.replace(/[.]/g, "\\.")}:\\d+:\\d+: .*(flow|Flow|indent|\\])`));
    });

    it("names a duplicate key with its line and column", () => {
        const file = stackFile("dupkey", "config:\n  aws:region: ap-northeast-2\n  aws:region: us-east-1\n");
        assertRefused(planCli(["--stack-file", file, "--out", dir]), 1, /Pulumi\.dupkey\.yaml:3:3: Map keys must be unique/);
    });

    it("says a UTF-16 file is UTF-16", () => {
        const file = stackFile("utf16", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("config:\n  aws:region: ap-northeast-2\n", "utf16le")]));
        assertRefused(planCli(["--stack-file", file, "--out", dir]), 1, /Pulumi\.utf16\.yaml is UTF-16 text .*save it as UTF-8/);
    });

    it("says a binary file is binary", () => {
        const file = stackFile("binary", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0, 1, 0, 0, 0, 0x10, 0x6b]));
        assertRefused(planCli(["--stack-file", file, "--out", dir]), 1, /Pulumi\.binary\.yaml is a binary file/);
    });

    it("says an empty file is empty", () => {
        const file = stackFile("empty", "# nothing yet\n");
        assertRefused(planCli(["--stack-file", file, "--out", dir]), 1, /Pulumi\.empty\.yaml is empty/);
    });

    it("refuses a stack file of 400,000 tag keys at once instead of parsing it for half an hour", () => {
        const keys = Array.from({ length: 400000 }, (_, i) => `    k${i}: v\n`).join("");
        const file = stackFile("huge", `config:\n  aws:region: ap-northeast-2\n  platform:tags:\n${keys}`);
        const started = Date.now();
        assert.throws(() => readStackConfig("huge", dir), /Pulumi\.huge\.yaml is \d+ bytes; a stack file may be at most 65536/);
        assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
        assertRefused(planCli(["--stack-file", file, "--out", dir]), 1, /is \d+ bytes; a stack file may be at most 65536/);
    });

    it("still plans a region without a price table, says there is no estimate, and writes both outputs", () => {
        const prod = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8");
        assert.match(prod, /aws:region: ap-northeast-2/);
        const out = path.join(dir, "out-region");
        const file = stackFile("useast", prod.replace("aws:region: ap-northeast-2", "aws:region: us-east-1"));
        const res = planCli(["--stack-file", file, "--out", out, "--quiet"]);
        assert.strictEqual(res.status, 0, res.stderr);
        assert.match(res.stdout, /estimated monthly cost: none: there is no price table for us-east-1/);
        assert.match(fs.readFileSync(path.join(out, "useast.md"), "utf8"), /no cost estimate/);
        assert.strictEqual(JSON.parse(fs.readFileSync(path.join(out, "useast.json"), "utf8")).stack, "useast");
        assert.deepStrictEqual(fs.readdirSync(out).sort(), ["useast", "useast.json", "useast.md"], "no temporary files left");
        assert.ok(
            fs.readdirSync(path.join(out, "useast")).every((f) => /^[a-z-]+\.md$/.test(f)),
            "one diagram per component, no temporary files",
        );
    });

    it("plans an instance type the price table lacks, marking the estimate partial", () => {
        const dev = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");
        const out = path.join(dir, "out-type");
        const file = stackFile("devtype", dev.replace("config:\n", 'config:\n  cluster:instanceTypes: ["m7i.large"]\n'));
        const res = planCli(["--stack-file", file, "--out", out, "--quiet"]);
        assert.strictEqual(res.status, 0, res.stderr);
        assert.match(res.stdout, /PARTIAL[\s\S]*partial estimate: no price for m7i\.large/);
        assert.match(fs.readFileSync(path.join(out, "devtype.md"), "utf8"), /\(partial\)/);
    });
});
