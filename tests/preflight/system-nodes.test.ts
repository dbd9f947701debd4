/**
 * The managed node group is for the system pods only; everything else runs on Karpenter's nodes (issue 16). Checked
 * on the committed stacks with the capacity preflight's scheduler model (offline/preflight/capacity.ts: taints and
 * tolerations as core/v1 ToleratesTaint, nodeSelector and required node affinity), fed by what each chart and add-on
 * really renders (offline/preflight/pods.ts CHART_PODS, offline/data/system-pods.ts defaults merged with the add-ons'
 * configurationValues).
 */
import * as assert from "assert";
import { capacity, rejection, withDaemonSets } from "../../offline/preflight/capacity";
import { nodePools } from "../../offline/preflight/nodes";
import { podsOf } from "../../offline/preflight/pods";
import { planFor } from "../helpers/plans";

const SYSTEM = /^(CoreDNS|EBS CSI controller|metrics-server |aws-load-balancer-controller |karpenter )/;

describe("the system node group (issue 16)", function () {
    this.timeout(120000);

    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: the system pods can run only on the system group, every other pod only on a Karpenter pool`, async () => {
            const { resources } = await planFor(stack);
            const pools = nodePools(resources).map((p) => withDaemonSets(p, resources));
            const group = pools.find((p) => p.kind === "node group")!;
            const karpenter = pools.filter((p) => p.karpenter);
            const pods = podsOf(resources);
            assert.ok(pods.filter((p) => SYSTEM.test(p.name)).length >= 5, pods.map((p) => p.name).join("\n"));
            for (const pod of pods) {
                const onGroup = rejection(pod, group);
                const onPools = karpenter.filter((p) => rejection(pod, p) === undefined).map((p) => p.name);
                if (SYSTEM.test(pod.name)) {
                    assert.strictEqual(onGroup, undefined, `${pod.name} cannot run on the system group: ${onGroup}`);
                    assert.deepStrictEqual(onPools, [], `${pod.name} may also land on Karpenter pool(s) ${onPools.join(", ")}`);
                } else {
                    assert.match(onGroup ?? "", /taint CriticalAddonsOnly=true:NoSchedule not tolerated/, `${pod.name} may run on the system group`);
                    assert.ok(onPools.length > 0, `${pod.name} fits no Karpenter pool`);
                }
            }
        });
    }

    it("dev: the cost's expected pool sizes are the nodes the capacity check launches for the pods", async () => {
        const { resources } = await planFor("dev");
        const lines = capacity({ resources, date: new Date("2026-11-30T00:00:00Z") }).lines;
        for (const pool of ["general", "ci"]) {
            const line = lines.find((l) => l.startsWith(`Karpenter pool ${pool}: the cost counts`));
            const m = /counts (\d+) expected node\(s\); its pods need (\d+) in steady state/.exec(line ?? "");
            assert.ok(m, lines.join("\n"));
            assert.strictEqual(m[1], m[2], line);
        }
    });
});
