import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_DIR } from "../../offline/plan";
import { engineUrns, missingUrns } from "../../offline/urns";
import { record } from "../helpers/harness";
import { planFor } from "../helpers/plans";

class Box extends pulumi.ComponentResource {
    constructor(type: string, name: string, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        this.registerOutputs({});
    }
}

describe("URN guard", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: every URN of the baseline is still in the plan, or aliased by the resource now holding it`, async () => {
            const baseline: string[] = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, `tests/fixtures/urns/${stack}.json`), "utf8"));
            const plan = await planFor(stack);
            const missing = missingUrns(baseline, plan.resources, stack, plan.project);
            assert.deepStrictEqual(
                missing,
                [],
                `these resources would be replaced (add an alias, or re-run npm run urns:baseline if that is meant):\n  ${missing.join("\n  ")}`,
            );
        });
    }

    it("spells a grandchild's URN with its whole type chain, as the engine does (the mocks keep only the parent's type)", async () => {
        const records = await record(() => {
            const outer = new Box("platform:x:Outer", "o");
            const inner = new Box("platform:x:Inner", "i", { parent: outer });
            new Box("platform:x:Leaf", "l", { parent: inner });
        });
        const { of } = engineUrns(records, "test", "eks-platform");
        const leaf = records.find((r) => r.name === "l")!;
        assert.strictEqual(of(leaf), "urn:pulumi:test::eks-platform::platform:x:Outer$platform:x:Inner$platform:x:Leaf::l");
    });

    it("counts a moved resource as kept only when its aliases option names the old URN", async () => {
        const before = await record(() => new Box("platform:x:Leaf", "l", { parent: new Box("platform:x:Old", "p") }));
        const baseline = before.map((r) => engineUrns(before, "test", "eks-platform").of(r));
        const moved = await record(() => new Box("platform:x:Leaf", "l", { parent: new Box("platform:x:New", "p") }));
        assert.deepStrictEqual(missingUrns(baseline, moved, "test", "eks-platform"), baseline);
        const aliased = await record(
            () =>
                new Box("platform:x:Leaf", "l", {
                    parent: new Box("platform:x:New", "p", { aliases: [{ type: "platform:x:Old" }] }),
                    aliases: [{ parent: pulumi.createUrn("p", "platform:x:Old") }],
                }),
        );
        assert.deepStrictEqual(missingUrns(baseline, aliased, "test", "eks-platform"), []);
    });
});
