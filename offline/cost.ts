/**
 * Monthly cost estimate of a plan, line by line, from a price table kept in cost/ (date and source inside).
 * Fixed costs, plus CloudWatch Logs at an assumed ingestion volume (LOG_INGESTION_ASSUMPTION): data transfer,
 * NAT data processing, ALB traffic beyond the assumed LCUs, backup snapshots and requests are not estimated.
 */
import * as fs from "fs";
import * as path from "path";
import { albIngressesOf, buildAlbs } from "./models/lbc-ingress-group";
import { RecordedResource } from "./recorder";

export interface PriceTable {
    region: string;
    currency: string;
    asOf: string;
    source: string;
    hoursPerMonth: number;
    eksControlPlanePerHour: number;
    ec2OnDemandPerHour: Record<string, number>;
    spotDiscount: number;
    natGatewayPerHour: number;
    publicIpv4PerHour: number;
    albPerHour: number;
    albLcuPerHour: number;
    albAssumedLcus: number;
    ebsGp3PerGbMonth: number;
    kmsKeyPerMonth: number;
    route53HostedZonePerMonth: number;
    cloudwatchLogsIngestPerGb?: number;
    cloudwatchLogsStoragePerGbMonth?: number;
}

/**
 * Log volume is not in a plan, so the estimate assumes it: GB ingested per month per control-plane log type
 * (audit is the chatty one) and per node for container logs, and a month of it kept in storage. Measure real
 * volume in CloudWatch (IncomingBytes) and adjust.
 */
export const LOG_INGESTION_ASSUMPTION = {
    controlPlaneGbPerType: { api: 1, audit: 5, authenticator: 0.5, controllerManager: 0.5, scheduler: 0.5 } as Record<string, number>,
    containerGbPerNode: 5,
};

function logIngestionGb(resources: RecordedResource[], nodeCount: number): { gb: number; basis: string } | undefined {
    const cluster = resources.find((r) => r.type === "eks:index:Cluster");
    const types = (cluster?.inputs.enabledClusterLogTypes as string[] | undefined) ?? [];
    const containers = resources.some((r) => r.type === "aws:eks/addon:Addon" && r.inputs.addonName === "amazon-cloudwatch-observability");
    const a = LOG_INGESTION_ASSUMPTION;
    const controlPlane = types.reduce((sum, t) => sum + (a.controlPlaneGbPerType[t] ?? 0), 0);
    const container = containers ? nodeCount * a.containerGbPerNode : 0;
    if (!controlPlane && !container) return undefined;
    const basis = [
        types.length ? `control plane ${types.map((t) => `${t} ${a.controlPlaneGbPerType[t] ?? 0}`).join(" + ")} GB` : "",
        containers ? `containers ${a.containerGbPerNode} GB x ${nodeCount} nodes` : "",
    ].filter(Boolean).join("; ");
    return { gb: controlPlane + container, basis };
}

export interface CostLine {
    item: string;
    detail: string;
    monthly: number;
    /** Why this line is not priced (counted as 0): the estimate is then partial. */
    unpriced?: string;
}

/** The region's price table, or undefined when there is none (the plan then says it has no estimate). */
export function loadPrices(region: string, dir = path.resolve(__dirname, "../cost")): PriceTable | undefined {
    const file = path.join(dir, `prices-${region}.json`);
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}

/** What a plan says when its region has no price table. */
export function noPricesNote(region: string): string {
    return `estimated monthly cost: none: there is no price table for ${region} (add cost/prices-${region}.json)`;
}

const gib = (size: unknown): number => {
    const m = /^(\d+)Gi$/.exec(String(size ?? ""));
    return m ? Number(m[1]) : 0;
};
const round2 = (n: number) => Math.round(n * 100) / 100;

/** Persistent volumes the Helm releases ask for, by what they are. */
function helmVolumes(resources: RecordedResource[]): [string, number][] {
    const volumes: [string, number][] = [];
    for (const r of resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release")) {
        const v = r.inputs.values as any;
        if (!v) continue;
        if (v.persistence?.enabled) volumes.push([`${r.inputs.chart} home`, gib(v.persistence.size)]);
        const claim = (spec: any) => gib(spec?.volumeClaimTemplate?.spec?.resources?.requests?.storage);
        if (v.prometheus?.prometheusSpec?.storageSpec) volumes.push(["Prometheus", claim(v.prometheus.prometheusSpec.storageSpec)]);
        if (v.alertmanager?.alertmanagerSpec?.storage) volumes.push(["Alertmanager", claim(v.alertmanager.alertmanagerSpec.storage)]);
        if (v.grafana?.persistence?.enabled) volumes.push(["Grafana", gib(v.grafana.persistence.size)]);
    }
    return volumes;
}

export function estimateCost(resources: RecordedResource[], prices: PriceTable): CostLine[] {
    const h = prices.hoursPerMonth;
    const lines: CostLine[] = [];
    const ofType = (type: string) => resources.filter((r) => r.type === type);

    const clusters = ofType("eks:index:Cluster");
    if (clusters.length) lines.push({ item: "EKS control plane", detail: `${clusters.length} cluster(s)`, monthly: clusters.length * prices.eksControlPlanePerHour * h });

    const template = ofType("aws:ec2/launchTemplate:LaunchTemplate")[0];
    const rootGiB = Number((template?.inputs.blockDeviceMappings as any)?.[0]?.ebs?.volumeSize ?? 0);
    let nodeCount = 0;
    for (const ng of ofType("eks:index:ManagedNodeGroup")) {
        const type = (ng.inputs.instanceTypes as string[])[0];
        const count = (ng.inputs.scalingConfig as any).desiredSize as number;
        const onDemand = prices.ec2OnDemandPerHour[type];
        const spot = ng.inputs.capacityType === "SPOT";
        nodeCount += count;
        const detail = `${count} x ${type} ${spot ? "spot (est.)" : "on-demand"}`;
        if (onDemand === undefined) {
            lines.push({ item: "Worker nodes", detail, monthly: 0, unpriced: `no price for ${type} in the ${prices.region} table (add it to cost/prices-${prices.region}.json)` });
            continue;
        }
        const hourly = spot ? onDemand * (1 - prices.spotDiscount) : onDemand;
        lines.push({ item: "Worker nodes", detail, monthly: count * hourly * h });
    }

    for (const vpc of ofType("awsx:ec2:Vpc")) {
        const azs = Number(vpc.inputs.numberOfAvailabilityZones ?? 3);
        const strategy = (vpc.inputs.natGateways as any)?.strategy;
        const nats = strategy === "OnePerAz" ? azs : strategy === "Single" ? 1 : 0;
        if (nats) lines.push({ item: "NAT gateways", detail: `${nats} (${strategy === "OnePerAz" ? "one per AZ" : "single"}) + their Elastic IPs`, monthly: nats * (prices.natGatewayPerHour + prices.publicIpv4PerHour) * h });
    }

    // One ALB per IngressGroup, as the controller builds them: an Ingress without group.name is a group (and an ALB) of its own.
    const azs = Number(ofType("awsx:ec2:Vpc")[0]?.inputs.numberOfAvailabilityZones ?? 2);
    for (const alb of buildAlbs(albIngressesOf(resources))) {
        // An internet-facing ALB has a public IPv4 address per AZ; an internal one none.
        const ips = alb.scheme === "internet-facing" ? azs : 0;
        const hourly = prices.albPerHour + prices.albAssumedLcus * prices.albLcuPerHour + ips * prices.publicIpv4PerHour;
        lines.push({ item: "Application Load Balancer", detail: `${alb.group} (${alb.scheme}), ${prices.albAssumedLcus} LCU assumed, ${ips} public IPs`, monthly: hourly * h });
    }

    const volumes: [string, number][] = [];
    if (rootGiB && nodeCount) volumes.push([`node root volumes ${nodeCount} x ${rootGiB} GiB`, nodeCount * rootGiB]);
    volumes.push(...helmVolumes(resources));
    for (const [what, size] of volumes) {
        if (size > 0) lines.push({ item: "EBS gp3", detail: `${what} (${size} GiB)`, monthly: size * prices.ebsGp3PerGbMonth });
    }

    const logs = logIngestionGb(resources, nodeCount);
    if (logs) {
        const detail = `${logs.gb} GB/month ingested, assumed (${logs.basis}), one month stored`;
        const ingest = prices.cloudwatchLogsIngestPerGb;
        if (ingest === undefined) lines.push({ item: "CloudWatch Logs", detail, monthly: 0, unpriced: `no CloudWatch Logs price in the ${prices.region} table (add cloudwatchLogsIngestPerGb to cost/prices-${prices.region}.json)` });
        else lines.push({ item: "CloudWatch Logs", detail, monthly: logs.gb * (ingest + (prices.cloudwatchLogsStoragePerGbMonth ?? 0)) });
    }

    const keys = ofType("aws:kms/key:Key").length;
    if (keys) lines.push({ item: "KMS keys", detail: `${keys} customer-managed key(s)`, monthly: keys * prices.kmsKeyPerMonth });
    if (ofType("aws:acm/certificate:Certificate").length) {
        lines.push({ item: "Route53 hosted zone", detail: "1 public zone (outside the stack, used by it)", monthly: prices.route53HostedZonePerMonth });
    }
    return lines.map((l) => ({ ...l, monthly: round2(l.monthly) }));
}

export function totalOf(lines: CostLine[]): number {
    return round2(lines.reduce((sum, l) => sum + l.monthly, 0));
}

export function formatCost(lines: CostLine[], prices: PriceTable): string {
    const width = Math.max("total of the priced lines".length, ...lines.map((l) => `${l.item}: ${l.detail}`.length));
    const rows = lines.map((l) => `  ${`${l.item}: ${l.detail}`.padEnd(width)}  ${(l.unpriced ? "no price" : l.monthly.toFixed(2)).padStart(9)}`);
    const unpriced = lines.filter((l) => l.unpriced).map((l) => l.unpriced!);
    return [
        `estimated monthly cost (${prices.currency}, ${prices.region}, prices of ${prices.asOf}; fixed costs and assumed log ingestion${unpriced.length ? "; PARTIAL" : ""}):`,
        ...rows,
        `  ${(unpriced.length ? "total of the priced lines" : "total").padEnd(width)}  ${totalOf(lines).toFixed(2).padStart(9)}`,
        ...unpriced.map((why) => `  partial estimate: ${why}`),
    ].join("\n");
}
