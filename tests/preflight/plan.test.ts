import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "../../offline/plan";
import { runPreflight } from "../../offline/preflight";
import { planFor, runPlanCli } from "../helpers/plans";
import { committedStacks } from "../helpers/stacks";

describe("preflight on the committed stacks", function () {
    this.timeout(120000);

    it("passes the app layer on each platform: its deployer's Role may apply every object of the app", () => {
        for (const stack of committedStacks()) {
            const out = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-app-"));
            try {
                const res = runPlanCli([stack, "--layer", "app", "--config", "app:imageTag=3f2a9c1", "--out", out, "--quiet"], { timeout: 90000 });
                assert.strictEqual(res.status, 0, `${stack}: ${res.stderr}`);
                assert.match(res.stdout, /permissions: passed/);
                // Issue 11: the offline plan covers the app stacks with policies and cost too.
                assert.match(res.stdout, new RegExp(`app stack ${stack}: \\d+ resources`));
                assert.match(res.stdout, /\npolicies: \d+ passed/);
                assert.match(res.stdout, /estimated monthly cost[\s\S]*\n {2}total +\d+\.\d\d( +\d+\.\d\d)?\n/);
                assert.match(
                    res.stdout,
                    /access entry arn:aws:iam::123456789012:role\/eks-platform-\w+-deploy: policies Role app-deployer \(namespaces app\)[^\n]*edit in: app/,
                );
            } finally {
                fs.rmSync(out, { recursive: true, force: true });
            }
        }
    });

    it("runs every check over the recorded plan; the cold deploy waits for the control plane before the node group", async () => {
        const plan = await planFor("dev");
        const results = runPreflight({ resources: plan.resources, date: new Date("2026-11-30T00:00:00Z") });
        assert.deepStrictEqual(
            results.map((r) => r.check),
            ["capacity", "versions", "order", "cold deploy", "permissions", "reachability"],
        );
        assert.ok(
            results[0].lines.some((l) => /^node group eks-platform-dev-nodes: /.test(l)),
            results[0].lines.join("\n"),
        );
        const path = results[3].lines.join("\n");
        assert.ok(
            path.includes("Cluster eks-platform-dev-eks-eksCluster") &&
                path.indexOf("Cluster eks-platform-dev-eks-eksCluster") < path.indexOf("NodeGroup eks-platform-dev-nodes"),
            path,
        );
    });

    it("npm run plan prints the preflight section and exits non-zero with one line per problem", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-"));
        try {
            const stack = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8");
            // The committed file takes its version from the schema's default (stack files state only what differs).
            assert.doesNotMatch(stack, /cluster:version/);
            fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), stack.replace("config:\n", 'config:\n  cluster:version: "1.33"\n'));
            const res = runPlanCli(["--stack-file", path.join(dir, "Pulumi.prod.yaml"), "--out", dir, "--quiet"]);
            assert.strictEqual(res.status, 1, res.stderr);
            assert.match(res.stdout, /\npreflight:\n {2}capacity: /);
            assert.match(res.stdout, /critical path of a cold `pulumi up`/);
            assert.match(res.stderr, /\npreflight problems \(\d+\):\n/);
            assert.match(res.stderr, /\n {2}\[versions\] Cluster eks-platform-prod-eks: Kubernetes 1\.33 left standard support on 2026-07-29/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
