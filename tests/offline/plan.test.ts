import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { countByType, formatTree, PLACEHOLDER_SECRET, readStackConfig } from "../../offline/plan";
import { redact } from "../../offline/recorder";
import { FIXED_PLAN } from "../helpers/fixed-plan";

describe("offline plan internals", () => {
    let dir: string;
    before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-")); });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads a stack file the way the CLI hands config over: strings, JSON for structures, placeholders for secrets", () => {
        fs.writeFileSync(path.join(dir, "Pulumi.qa.yaml"), [
            "config:",
            "  aws:region: ap-northeast-2",
            "  network:azCount: 3",
            "  cluster:instanceTypes: [m6i.large]",
            "  platform:tags: {Team: core}",
            "  observability:grafanaAdminPassword:",
            "    secure: v1:AAAABBBBCCCC",
            "  plainKey: x",
        ].join("\n"));
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
