import * as assert from "assert";
import { capacity } from "../../offline/preflight/capacity";
import { HELM_RELEASE } from "../../offline/preflight/check";
import { perNodeOverhead } from "../../offline/preflight/pods";
import { SYSTEM_DAEMONSETS } from "../../offline/data/system-pods";
import { planFor } from "../helpers/plans";
import { CI_TAINT } from "./fixtures";

describe("preflight: system DaemonSets", function () {
    this.timeout(120000);

    it("the committed dev plan's per-node overhead counts cloudwatch-agent, fluent-bit and prometheus-node-exporter", async () => {
        const plan = await planFor("dev");
        const overhead = perNodeOverhead(plan.resources);
        assert.deepStrictEqual(overhead.names, [
            "aws-node (VPC CNI)",
            "kube-proxy",
            "EBS CSI node",
            "cloudwatch-agent",
            "fluent-bit",
            "prometheus-node-exporter",
        ]);
        // 50 + 0 + 10 + 250 + 50 + 20 (the project's node-exporter request); 0 + 0 + 40 + 128 + 25 + 32.
        assert.deepStrictEqual([overhead.cpuMilli, overhead.memoryMiB, overhead.pods], [380, 225, 6]);
    });

    it("the committed dev plan places the CloudWatch observability operator, which tolerates no taint, off the tainted nodes", async () => {
        const plan = await planFor("dev");
        const lines = capacity({ resources: plan.resources, date: new Date("2026-11-30T00:00:00Z") }).lines;
        assert.ok(
            lines.some((l) => /^CloudWatch observability operator: 0\.1 vCPU, 64Mi: fits Karpenter pool general/.test(l)),
            lines.join("\n"),
        );
        assert.ok(
            lines.some((l) => /^node group eks-platform-dev-nodes: .*gives pods 1\.55 vCPU, 6612Mi, 29 pods after DaemonSets/.test(l)),
            lines.join("\n"),
        );
    });

    it("counts node-exporter only where a kube-prometheus-stack release leaves it enabled, and the CloudWatch ones only with their add-on", async () => {
        const plan = await planFor("dev");
        const withoutKps = plan.resources.filter((r) => !(r.type === HELM_RELEASE && String(r.inputs.chart).endsWith("kube-prometheus-stack")));
        assert.ok(withoutKps.length < plan.resources.length, "the dev plan has a kube-prometheus-stack release");
        assert.ok(perNodeOverhead(plan.resources).names.includes("prometheus-node-exporter"));
        assert.ok(!perNodeOverhead(withoutKps).names.includes("prometheus-node-exporter"));
        const disabled = plan.resources.map((r) =>
            r.type === HELM_RELEASE && String(r.inputs.chart).endsWith("kube-prometheus-stack")
                ? { ...r, inputs: { ...r.inputs, values: { ...(r.inputs.values as object), nodeExporter: { enabled: false } } } }
                : r,
        );
        assert.ok(!perNodeOverhead(disabled).names.includes("prometheus-node-exporter"));
        const withoutCloudWatch = plan.resources.filter((r) => r.inputs.addonName !== "amazon-cloudwatch-observability");
        const names = perNodeOverhead(withoutCloudWatch).names;
        assert.ok(!names.includes("cloudwatch-agent") && !names.includes("fluent-bit"), names.join(", "));
    });

    it("every system DaemonSet tolerates the system group's CriticalAddonsOnly and the ci pool's taint, so each node pays for all", () => {
        const tolerates = (t: { key?: string; operator: string; effect?: string }, taint: { key: string; value: string; effect: string }) =>
            (!t.key || t.key === taint.key) && (!t.effect || t.effect === taint.effect) && t.operator === "Exists";
        for (const taint of [{ key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule" }, CI_TAINT]) {
            for (const d of SYSTEM_DAEMONSETS)
                assert.ok(
                    d.tolerations.some((t) => tolerates(t, taint)),
                    `${d.what} on ${taint.key}`,
                );
        }
    });
});
