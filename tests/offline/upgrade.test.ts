import * as assert from "assert";
import { runPlanCli } from "../helpers/plans";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ADDON_VERSIONS } from "../../components/cluster/addons";
import { versionJumpProblem } from "../../config";
import { PROJECT_DIR } from "../../offline/plan";
import { DeployGraph } from "../../offline/preflight/graph";
import { RecordedResource } from "../../offline/recorder";

/** `npm run plan -- --stack-file <fixture> --config cluster:version=<v>`, as an operator plans an upgrade. */
function plan(dir: string, from: string, to: string) {
    const file = path.join(dir, "Pulumi.upgrade.yaml");
    const dev = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");
    // The committed file takes the schema's default version; the fixture states the one running now.
    fs.writeFileSync(file, dev.replace("config:\n", `config:\n  cluster:version: "${from}"\n`));
    const run = runPlanCli(["--stack-file", file, "--config", `cluster:version=${to}`, "--out", dir, "--quiet"], {
        timeout: 0,
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("upgrades", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "upgrade-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("config refuses a jump of two minors or a downgrade, and allows the next minor", () => {
        assert.match(versionJumpProblem("1.33", "1.35")!, /skips a minor.*1\.33 -> 1\.34 first/);
        assert.match(versionJumpProblem("1.35", "1.34")!, /downgrade/);
        assert.deepStrictEqual([versionJumpProblem("1.34", "1.35"), versionJumpProblem("1.35", "1.35")], [undefined, undefined]);
    });

    it("the plan CLI refuses 1.33 -> 1.35 from the stack file's version", function () {
        this.timeout(120_000);
        const run = plan(dir, "1.33", "1.35");
        assert.strictEqual(run.status, 1, run.output);
        assert.match(run.output, /cluster:version: 1\.33 -> 1\.35 skips a minor/);
    });

    describe("1.34 planned at 1.35", () => {
        let resources: RecordedResource[];
        let graph: DeployGraph;
        before(function () {
            this.timeout(120_000);
            const run = plan(dir, "1.34", "1.35");
            assert.strictEqual(run.status, 0, run.output);
            resources = JSON.parse(fs.readFileSync(path.join(dir, "upgrade.json"), "utf8")).resources;
            graph = new DeployGraph(resources);
        });
        const controlPlane = () => resources.find((r) => r.modeled && r.type === "aws:eks/cluster:Cluster")!;
        const addon = (name: string) => resources.find((r) => r.type === "aws:eks/addon:Addon" && r.inputs.addonName === name)!;
        const nodeGroup = () => resources.find((r) => r.type === "eks:index:ManagedNodeGroup")!;
        const precedes = (first: RecordedResource, then: RecordedResource) => graph.waitsFor(then).has(first.urn);

        it("upgrades the control plane first: every add-on and the node group wait for it", () => {
            assert.strictEqual(controlPlane().inputs.version, "1.35");
            for (const name of Object.keys(ADDON_VERSIONS["1.35"])) assert.ok(precedes(controlPlane(), addon(name)), name);
            assert.ok(precedes(controlPlane(), nodeGroup()));
        });

        it("moves every add-on to the build pinned for 1.35", () => {
            for (const [name, version] of Object.entries(ADDON_VERSIONS["1.35"])) assert.strictEqual(addon(name).inputs.addonVersion, version, name);
            assert.notStrictEqual(ADDON_VERSIONS["1.34"]["amazon-cloudwatch-observability"], ADDON_VERSIONS["1.35"]["amazon-cloudwatch-observability"]);
        });

        it("then the nodes: after the add-ons they run on (CNI, kube-proxy); pod add-ons follow the nodes they run on", () => {
            assert.strictEqual(nodeGroup().inputs.version, "1.35");
            for (const name of ["vpc-cni", "kube-proxy"]) assert.ok(precedes(addon(name), nodeGroup()), name);
            for (const name of ["coredns", "aws-ebs-csi-driver", "amazon-cloudwatch-observability"]) assert.ok(precedes(nodeGroup(), addon(name)), name);
        });
    });
});
