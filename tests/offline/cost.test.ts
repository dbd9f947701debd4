import * as assert from "assert";
import {
    compareWithSeedLike,
    estimateCost,
    formatComparison,
    formatCost,
    layoutCost,
    LOG_INGESTION_ASSUMPTION,
    loadPrices,
    noPricesNote,
    PriceTable,
    seedLikeLayout,
    totalAtLimits,
    totalOf,
} from "../../offline/cost";
import { RecordedResource } from "../../offline/recorder";
import { DEV_POOLS, karpenterPlatform, res } from "../preflight/fixtures";
import { FIXED_PLAN } from "../helpers/fixed-plan";
import { planFor } from "../helpers/plans";

/** Round numbers so every line can be checked by hand. */
const PRICES: PriceTable = {
    region: "test-1",
    currency: "USD",
    asOf: "2026-01-01",
    source: "test",
    hoursPerMonth: 700,
    eksControlPlanePerHour: 0.1,
    ec2OnDemandPerHour: { "m6i.xlarge": 0.2 },
    spotDiscount: 0.5,
    natGatewayPerHour: 0.05,
    publicIpv4PerHour: 0.01,
    albPerHour: 0.02,
    albLcuPerHour: 0.01,
    albAssumedLcus: 2,
    ebsGp3PerGbMonth: 0.1,
    kmsKeyPerMonth: 1,
    route53HostedZonePerMonth: 0.5,
};

describe("cost estimate", () => {
    const lines = estimateCost(FIXED_PLAN, PRICES);
    const line = (item: string, detail = "") => lines.find((l) => l.item === item && l.detail.includes(detail))!;

    it("prices the control plane, spot nodes, NAT per AZ and the shared ALB per hour", () => {
        assert.strictEqual(line("EKS control plane").monthly, 70); // 0.1 x 700
        assert.strictEqual(line("Worker nodes").monthly, 280); // 4 x 0.2 x 0.5 x 700
        assert.match(line("Worker nodes").detail, /4 x m6i\.xlarge spot/);
        assert.strictEqual(line("NAT gateways").monthly, 126); // 3 x (0.05 + 0.01) x 700
        assert.strictEqual(line("Application Load Balancer").monthly, 49); // 1 x (0.02 + 2 x 0.01 + 3 x 0.01) x 700
        assert.match(line("Application Load Balancer").detail, /^g \(internet-facing\)/); // two Ingresses, one group
    });

    it("prices EBS by volume: node roots and the persistent volumes the charts ask for", () => {
        assert.strictEqual(line("EBS gp3", "node root volumes").monthly, 40); // 4 x 100 GiB x 0.1
        assert.strictEqual(line("EBS gp3", "jenkins home").monthly, 5); // 50 GiB x 0.1
        assert.strictEqual(line("EBS gp3", "Prometheus").monthly, 20); // 200 GiB x 0.1
        assert.strictEqual(
            lines.find((l) => l.detail.includes("Grafana")),
            undefined,
            "Grafana persistence is off in this plan",
        );
    });

    it("adds KMS keys and the hosted zone, and totals the lines", () => {
        assert.strictEqual(line("KMS keys").monthly, 1);
        assert.strictEqual(line("Route53 hosted zone").monthly, 0.5);
        assert.strictEqual(totalOf(lines), 70 + 280 + 126 + 49 + 40 + 5 + 20 + 1 + 0.5);
        assert.match(formatCost(lines, PRICES), /total\s+591\.50$/m);
    });

    it("prices on-demand nodes at the full rate", () => {
        const onDemand = FIXED_PLAN.map((r) => (r.type === "eks:index:ManagedNodeGroup" ? { ...r, inputs: { ...r.inputs, capacityType: "ON_DEMAND" } } : r));
        assert.strictEqual(estimateCost(onDemand, PRICES).find((l) => l.item === "Worker nodes")!.monthly, 560);
    });

    it("still estimates when the table lacks an instance type, and says the estimate is partial rather than pricing it at zero", () => {
        const unknown = FIXED_PLAN.map((r) => (r.type === "eks:index:ManagedNodeGroup" ? { ...r, inputs: { ...r.inputs, instanceTypes: ["x9.huge"] } } : r));
        const partial = estimateCost(unknown, PRICES);
        const nodes = partial.find((l) => l.item === "Worker nodes")!;
        assert.match(nodes.unpriced ?? "", /no price for x9\.huge in the test-1 table/);
        const text = formatCost(partial, PRICES);
        assert.match(text, /PARTIAL/);
        assert.match(text, /Worker nodes: 4 x x9\.huge spot \(est\.\)\s+no price$/m);
        assert.match(text, /total of the priced lines\s+311\.50$/m); // 591.50 without the 280 of the nodes
        assert.match(text, /partial estimate: no price for x9\.huge/);
    });

    it("has no table for a region it was not given prices for, instead of failing the plan", () => {
        assert.strictEqual(loadPrices("us-east-1"), undefined);
        assert.match(noPricesNote("us-east-1"), /no price table for us-east-1 \(add cost\/prices-us-east-1\.json\)/);
    });

    it("the committed table has a date, a source and every instance type the stacks use; prod costs more than dev", async () => {
        const prices = loadPrices("ap-northeast-2")!;
        assert.match(prices.asOf, /^\d{4}-\d{2}-\d{2}$/);
        assert.ok(prices.source.length > 20);
        const [dev, prod] = [await planFor("dev"), await planFor("prod")];
        const [devTotal, prodTotal] = [totalOf(estimateCost(dev.resources, prices)), totalOf(estimateCost(prod.resources, prices))];
        assert.ok(prodTotal > devTotal, `prod ${prodTotal} <= dev ${devTotal}`);
        const nats = (p: typeof dev) => estimateCost(p.resources, prices).find((l) => l.item === "NAT gateways")!.detail;
        assert.match(nats(dev), /^1 \(single\)/);
        assert.match(nats(prod), /^3 \(one per AZ\)/);
    });

    describe("CloudWatch Logs", () => {
        it("prices the committed dev stack's logs at a stated ingestion assumption: its log types and its nodes", async function () {
            this.timeout(120_000);
            const dev = await planFor("dev");
            const withLogs = { ...PRICES, cloudwatchLogsIngestPerGb: 1, cloudwatchLogsStoragePerGbMonth: 0.1 };
            const logs = estimateCost(dev.resources, withLogs).find((l) => l.item === "CloudWatch Logs")!;
            const a = LOG_INGESTION_ASSUMPTION;
            // The system node group at its desired size and every Karpenter pool at its expected size.
            const nodes = dev.resources.reduce(
                (n, r) =>
                    n +
                    Number(
                        r.type === "eks:index:ManagedNodeGroup"
                            ? (r.inputs.scalingConfig as any).desiredSize
                            : r.type === "kubernetes:karpenter.sh/v1:NodePool"
                              ? ((r.inputs.metadata as any)?.annotations?.["platform/expected-nodes"] ?? 0)
                              : 0,
                    ),
                0,
            );
            assert.ok(nodes >= 2, `${nodes} nodes`);
            const gb = a.controlPlaneGbPerType.api + a.controlPlaneGbPerType.audit + nodes * a.containerGbPerNode; // dev: api+audit
            assert.match(
                logs.detail,
                new RegExp(`^${gb} GB/month ingested, assumed \\(control plane api 1 \\+ audit 5 GB; containers 5 GB x ${nodes} nodes\\)`),
            );
            assert.strictEqual(logs.monthly, Math.round(gb * 1.1 * 100) / 100);
            const without = estimateCost(dev.resources, PRICES).find((l) => l.item === "CloudWatch Logs")!;
            assert.match(without.unpriced ?? "", /no CloudWatch Logs price in the test-1 table/);
        });
    });

    describe("Karpenter pools", () => {
        const priced = { ...PRICES, ec2OnDemandPerHour: { ...PRICES.ec2OnDemandPerHour, "t3.large": 0.1, "t3.xlarge": 0.2 } };
        const pools = estimateCost(karpenterPlatform(), priced);
        const pool = (name: string) => pools.find((l) => l.item === `Karpenter pool ${name}`)!;

        it("prices each pool at its expected size and at how many nodes its cpu and memory limits hold, on-demand where the pool allows it", () => {
            // general: t3.large is the only priced type; 16 vCPU / 2 = 8 nodes, 64Gi / 7577Mi (8Gi less 7.5% VM overhead) = 8.6.
            // Karpenter falls back to on-demand when spot is short, so the ceiling of a pool allowing both is on-demand.
            assert.match(pool("general").detail, /^2 x t3\.large spot \(est\.\) expected, on-demand when spot is short; at limits 8 x t3\.large on-demand$/);
            assert.strictEqual(pool("general").monthly, 70); // 2 x 0.1 x 0.5 x 700
            assert.strictEqual(pool("general").atLimits, 560); // 8 x 0.1 x 700
            // ci scales to zero: nothing expected, 4 x t3.xlarge at 16 vCPU of limits, spot only.
            assert.match(pool("ci").detail, /^0 x t3\.xlarge spot \(est\.\) expected; at limits 4 x t3\.xlarge spot \(est\.\)$/);
            assert.deepStrictEqual([pool("ci").monthly, pool("ci").atLimits], [0, 280]); // 4 x 0.2 x 0.5 x 700
            const root = pools.find((l) => l.detail.startsWith("Karpenter pool general root volumes"))!;
            assert.deepStrictEqual([root.monthly, root.atLimits], [4, 16]); // 2 and 8 x 20 GiB (Karpenter's AL2023 default) x 0.1
        });

        it("totals the plan expected and at limits, the system node group the same in both, and names the spot assumption", () => {
            assert.strictEqual(pools.find((l) => l.item === "Worker nodes")!.detail, "2 x t3.large on-demand");
            assert.strictEqual(totalOf(pools), 70 + 140 + 70 + 0 + 28 + 2 + 4 + 0); // control plane, system nodes, pools, internal ALB, jenkins home, roots
            assert.strictEqual(totalAtLimits(pools), 70 + 140 + 560 + 280 + 28 + 2 + 16 + 8);
            const text = formatCost(pools, priced);
            assert.match(text, /expected\s+at limits$/m);
            assert.match(text, /^\s+total\s+314\.00\s+1104\.00$/m);
            assert.match(text, /spot prices are an assumption: 50% below on-demand \(spotDiscount in cost\/prices-test-1\.json\)/);
        });

        it("is a ceiling: the limits filled with the allowed type that costs most, not the cheapest (the expected size keeps the cheapest)", () => {
            // m6i.large has t3.large's 2 vCPU / 8 GiB at twice the price: Karpenter may launch it, so the limits may cost that.
            const dear = { ...priced, ec2OnDemandPerHour: { ...priced.ec2OnDemandPerHour, "m6i.large": 0.2 } };
            const general = estimateCost(karpenterPlatform(), dear).find((l) => l.item === "Karpenter pool general")!;
            assert.match(general.detail, /^2 x t3\.large spot \(est\.\) expected, on-demand when spot is short; at limits 8 x m6i\.large on-demand$/);
            assert.deepStrictEqual([general.monthly, general.atLimits], [70, 1120]); // 2 x 0.1 x 0.5 x 700; 8 x 0.2 x 700
        });

        it("is bounded by memory when memory is the tighter limit", () => {
            const resources = karpenterPlatform({ pools: { general: { ...DEV_POOLS.general, cpu: "64", memory: "16Gi" } } });
            assert.match(estimateCost(resources, priced).find((l) => l.item === "Karpenter pool general")!.detail, /at limits 2 x t3\.large on-demand$/); // 16384 / 7577
        });

        it("prices on-demand pools at the full rate and reads the node class's root volume", () => {
            const nodeClass = res("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "default", {
                metadata: { name: "default" },
                spec: { blockDeviceMappings: [{ deviceName: "/dev/xvda", rootVolume: true, ebs: { volumeSize: "50Gi" } }] },
            });
            const resources = [...karpenterPlatform({ pools: { general: { ...DEV_POOLS.general, capacityTypes: ["on-demand"] } } }), nodeClass];
            const lines = estimateCost(resources, priced);
            assert.strictEqual(lines.find((l) => l.item === "Karpenter pool general")!.monthly, 140); // 2 x 0.1 x 700
            assert.strictEqual(lines.find((l) => l.detail.startsWith("Karpenter pool general root volumes"))!.monthly, 10); // 2 x 50 GiB x 0.1
        });

        it("marks the estimate partial for a pool without an expected size, without limits, or with no priced type", () => {
            const noExpected = karpenterPlatform({ pools: { general: { ...DEV_POOLS.general, expectedNodes: undefined } } });
            assert.match(
                estimateCost(noExpected, priced).find((l) => l.item === "Karpenter pool general")!.unpriced ?? "",
                /no platform\/expected-nodes annotation/,
            );
            const noLimits = karpenterPlatform({ pools: { general: { ...DEV_POOLS.general, cpu: undefined, memory: undefined } } });
            assert.match(estimateCost(noLimits, priced).find((l) => l.item === "Karpenter pool general")!.unpriced ?? "", /no cpu or memory limit/);
            const text = formatCost(estimateCost(karpenterPlatform(), PRICES), PRICES);
            assert.match(text, /PARTIAL/);
            assert.match(text, /partial estimate: Karpenter pool general: none of t3\.large, t3a\.large, m6i\.large, m6a\.large is in the test-1 table/);
        });
    });

    describe("seed-like layout", () => {
        const priced = { ...PRICES, ec2OnDemandPerHour: { ...PRICES.ec2OnDemandPerHour, "t3.large": 0.1, "t3.xlarge": 0.2 } };

        it("prices a described layout: NATs, one ALB per ungrouped Ingress, nodes and their root volumes", () => {
            const ingress = (name: string, scheme: string) => ({
                namespace: "n",
                name,
                annotations: { "alb.ingress.kubernetes.io/scheme": scheme },
                hosts: [],
            });
            const lines = layoutCost(
                {
                    azs: 2,
                    nats: { count: 2, how: "one per AZ" },
                    rootGiB: 100,
                    ingresses: [ingress("app", "internet-facing"), ingress("grafana", "internet-facing"), ingress("jenkins", "internal")],
                    nodes: [{ instanceType: "m6i.xlarge", count: 3, spot: false }],
                },
                priced,
            );
            assert.deepStrictEqual(
                lines.map((l) => [l.item, l.monthly]),
                [
                    ["Worker nodes", 420], // 3 x 0.2 x 700
                    ["NAT gateways", 84], // 2 x (0.05 + 0.01) x 700
                    ["Application Load Balancer", 42], // (0.02 + 2 x 0.01 + 2 x 0.01) x 700
                    ["Application Load Balancer", 42],
                    ["Application Load Balancer", 28], // internal: no public IPs
                    ["EBS gp3", 30], // 3 x 100 GiB x 0.1
                ],
            );
        });

        it("gives the plan's features a NAT per AZ, an ALB per exposed service and on-demand nodes sized for the peak", () => {
            const vpc = res("awsx:ec2:Vpc", "vpc", { numberOfAvailabilityZones: 3, natGateways: { strategy: "Single" } });
            const grouped = (name: string) =>
                res("kubernetes:networking.k8s.io/v1:Ingress", name, {
                    metadata: {
                        name,
                        namespace: "o",
                        annotations: { "alb.ingress.kubernetes.io/group.name": "admin", "alb.ingress.kubernetes.io/scheme": "internet-facing" },
                    },
                });
            const resources: RecordedResource[] = [...karpenterPlatform(), vpc, grouped("grafana"), grouped("jenkins")];
            const layout = seedLikeLayout(resources, priced);
            assert.deepStrictEqual(layout.nats, { count: 3, how: "one per AZ" });
            assert.strictEqual(layout.ingresses.length, 3);
            // Peak: agent 1.1 vCPU, Jenkins 0.5, 4 app pods 0.25, CoreDNS and EBS CSI: 2.82 vCPU, two 1.87-vCPU t3.large
            // nodes, but a node per AZ makes three; the Karpenter controller is not part of a seed.
            assert.deepStrictEqual(layout.nodes, [{ instanceType: "t3.large", count: 3, spot: false }]);
            const c = compareWithSeedLike(resources, priced);
            // Control plane 70, jenkins home 2; 3 NATs 126; ALBs 2 x 49 public (3 AZs) + 28 internal; nodes 210; roots 3 x 20 GiB 6.
            assert.strictEqual(c.seedLike.total, 70 + 2 + 126 + 49 + 49 + 28 + 210 + 6);
            assert.strictEqual(c.plan.expected, totalOf(estimateCost(resources, priced)));
            assert.match(
                formatComparison(c, priced),
                /seed-like: 540\.00 \(3 NAT gateways, one per AZ; 3 ALBs, one per exposed service; 3 x t3\.large on-demand, sized for the peak\)/,
            );
        });

        it("sizes the seed's nodes by the pods at their peak: a larger HPA maximum needs more nodes", () => {
            const base = seedLikeLayout(karpenterPlatform({ hpaMax: 4 }), priced).nodes[0].count;
            const more = seedLikeLayout(karpenterPlatform({ hpaMax: 20 }), priced).nodes[0].count;
            assert.ok(more > base, `${more} <= ${base}`);
        });
    });
});
