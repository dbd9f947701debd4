import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { APP_DIR } from "../../appstack/plan";
import { APP_URN_FIXTURES, engineUrns, missingUrns, readBaseline } from "../../offline/urns";
import { appPlanFor } from "../appstack/plans";
import { record } from "../helpers/harness";
import { planFor } from "../helpers/plans";
import { committedStacks } from "../helpers/stacks";

class Box extends pulumi.ComponentResource {
    constructor(type: string, name: string, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        this.registerOutputs({});
    }
}

describe("URN guard", () => {
    // dev and prod baselines predate the reorganisation (430f649), so they prove it kept every URN; staging is new in it
    // and its baseline, taken from the reorganised main, guards it from then on (tests/fixtures/urns/README.md).
    for (const stack of committedStacks()) {
        it(`${stack}: every URN of the baseline is still in the plan, or aliased by the resource now holding it`, async () => {
            const baseline = readBaseline(stack);
            const plan = await planFor(stack);
            const missing = missingUrns(baseline, plan.resources, stack, plan.project);
            assert.deepStrictEqual(
                missing,
                [],
                `these resources would be replaced (add an alias, or re-run npm run urns:baseline if that is meant):\n  ${missing.join("\n  ")}`,
            );
        });
    }

    // The app stacks' baselines were taken after the reorganisation; dev's 11 URNs were compared by hand with 430f649's.
    for (const stack of committedStacks(APP_DIR)) {
        it(`app ${stack}: every URN of the app stack's baseline is still in its plan`, async function () {
            this.timeout(120000);
            const baseline = readBaseline(stack, APP_URN_FIXTURES);
            const { app } = await appPlanFor(stack);
            assert.deepStrictEqual(missingUrns(baseline, app.resources, stack, app.project), [], "these app resources would be replaced");
        });
    }

    it("names a committed stack without a baseline and the command that makes one", () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "urns-"));
        try {
            assert.throws(() => readBaseline("qa", empty), /stack qa has no URN baseline .*npm run urns:baseline -- qa/);
            assert.throws(() => readBaseline("qa", APP_URN_FIXTURES), /stack qa has no URN baseline .*npm run urns:baseline -- --layer app qa/);
        } finally {
            fs.rmSync(empty, { recursive: true });
        }
    });

    it("reports the baseline URN of a resource renamed without an alias, and only that one", async () => {
        const plan = await planFor("dev");
        const baseline = readBaseline("dev");
        const { of } = engineUrns(plan.resources, "dev", plan.project);
        const renamed = plan.resources.find((r) => r.custom && !r.aliases && baseline.includes(of(r)));
        assert.ok(renamed, "dev's plan has a custom resource of its baseline");
        const resources = plan.resources.map((r) => (r === renamed ? { ...r, name: `${r.name}-renamed` } : r));
        assert.deepStrictEqual(missingUrns(baseline, resources, "dev", plan.project), [of(renamed)]);
    });

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
