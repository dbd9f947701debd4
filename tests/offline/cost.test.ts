import * as assert from "assert";
import { estimateCost, formatCost, LOG_INGESTION_ASSUMPTION, loadPrices, noPricesNote, PriceTable, totalOf } from "../../offline/cost";
import { FIXED_PLAN } from "../helpers/fixed-plan";
import { planFor } from "../helpers/plans";

/** Round numbers so every line can be checked by hand. */
const PRICES: PriceTable = {
    region: "test-1", currency: "USD", asOf: "2026-01-01", source: "test", hoursPerMonth: 700,
    eksControlPlanePerHour: 0.1, ec2OnDemandPerHour: { "m6i.xlarge": 0.2 }, spotDiscount: 0.5,
    natGatewayPerHour: 0.05, publicIpv4PerHour: 0.01, albPerHour: 0.02, albLcuPerHour: 0.01, albAssumedLcus: 2,
    ebsGp3PerGbMonth: 0.1, kmsKeyPerMonth: 1, route53HostedZonePerMonth: 0.5,
};

describe("cost estimate", () => {
    const lines = estimateCost(FIXED_PLAN, PRICES);
    const line = (item: string, detail = "") => lines.find((l) => l.item === item && l.detail.includes(detail))!;

    it("prices the control plane, spot nodes, NAT per AZ and the shared ALB per hour", () => {
        assert.strictEqual(line("EKS control plane").monthly, 70);                 // 0.1 x 700
        assert.strictEqual(line("Worker nodes").monthly, 280);                     // 4 x 0.2 x 0.5 x 700
        assert.match(line("Worker nodes").detail, /4 x m6i\.xlarge spot/);
        assert.strictEqual(line("NAT gateways").monthly, 126);                     // 3 x (0.05 + 0.01) x 700
        assert.strictEqual(line("Application Load Balancer").monthly, 49);         // 1 x (0.02 + 2 x 0.01 + 3 x 0.01) x 700
        assert.match(line("Application Load Balancer").detail, /^g \(internet-facing\)/);   // two Ingresses, one group
    });

    it("prices EBS by volume: node roots and the persistent volumes the charts ask for", () => {
        assert.strictEqual(line("EBS gp3", "node root volumes").monthly, 40);      // 4 x 100 GiB x 0.1
        assert.strictEqual(line("EBS gp3", "jenkins home").monthly, 5);            // 50 GiB x 0.1
        assert.strictEqual(line("EBS gp3", "Prometheus").monthly, 20);             // 200 GiB x 0.1
        assert.strictEqual(lines.find((l) => l.detail.includes("Grafana")), undefined, "Grafana persistence is off in this plan");
    });

    it("adds KMS keys and the hosted zone, and totals the lines", () => {
        assert.strictEqual(line("KMS keys").monthly, 1);
        assert.strictEqual(line("Route53 hosted zone").monthly, 0.5);
        assert.strictEqual(totalOf(lines), 70 + 280 + 126 + 49 + 40 + 5 + 20 + 1 + 0.5);
        assert.match(formatCost(lines, PRICES), /total\s+591\.50$/m);
    });

    it("prices on-demand nodes at the full rate", () => {
        const onDemand = FIXED_PLAN.map((r) => r.type === "eks:index:ManagedNodeGroup" ? { ...r, inputs: { ...r.inputs, capacityType: "ON_DEMAND" } } : r);
        assert.strictEqual(estimateCost(onDemand, PRICES).find((l) => l.item === "Worker nodes")!.monthly, 560);
    });

    it("still estimates when the table lacks an instance type, and says the estimate is partial rather than pricing it at zero", () => {
        const unknown = FIXED_PLAN.map((r) => r.type === "eks:index:ManagedNodeGroup" ? { ...r, inputs: { ...r.inputs, instanceTypes: ["x9.huge"] } } : r);
        const partial = estimateCost(unknown, PRICES);
        const nodes = partial.find((l) => l.item === "Worker nodes")!;
        assert.match(nodes.unpriced ?? "", /no price for x9\.huge in the test-1 table/);
        const text = formatCost(partial, PRICES);
        assert.match(text, /PARTIAL/);
        assert.match(text, /Worker nodes: 4 x x9\.huge spot \(est\.\)\s+no price$/m);
        assert.match(text, /total of the priced lines\s+311\.50$/m);                // 591.50 without the 280 of the nodes
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
            const gb = a.controlPlaneGbPerType.api + a.controlPlaneGbPerType.audit + 2 * a.containerGbPerNode; // dev: api+audit, 2 nodes
            assert.match(logs.detail, new RegExp(`^${gb} GB/month ingested, assumed \\(control plane api 1 \\+ audit 5 GB; containers 5 GB x 2 nodes\\)`));
            assert.strictEqual(logs.monthly, Math.round(gb * 1.1 * 100) / 100);
            const without = estimateCost(dev.resources, PRICES).find((l) => l.item === "CloudWatch Logs")!;
            assert.match(without.unpriced ?? "", /no CloudWatch Logs price in the test-1 table/);
        });
    });
});
