/**
 * Monthly cost estimate of a plan, line by line, from a price table kept in cost/ (date and source inside).
 * Fixed costs, plus CloudWatch Logs at an assumed ingestion volume (LOG_INGESTION_ASSUMPTION): data transfer,
 * NAT data processing, ALB traffic beyond the assumed LCUs, backup snapshots and requests are not estimated.
 */
import * as fs from "fs";
import * as path from "path";
import { AlbIngress, albIngressesOf, buildAlbs } from "./models/lbc-ingress-group";
import { place, withDaemonSets } from "./preflight/capacity";
import { MANAGED_NODE_GROUP } from "./preflight/check";
import { capacityOf, NodePool, nodePools } from "./preflight/nodes";
import { podsOf } from "./preflight/pods";
import { mebibytes } from "./preflight/quantity";
import { RecordedResource } from "./recorder";

export interface PriceTable {
    region: string;
    currency: string;
    asOf: string;
    source: string;
    hoursPerMonth: number;
    eksControlPlanePerHour: number;
    ec2OnDemandPerHour: Record<string, number>;
    /** An assumption, not a price: spot is this fraction below on-demand (the table's spotNote says why). */
    spotDiscount: number;
    spotNote?: string;
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
    ]
        .filter(Boolean)
        .join("; ");
    return { gb: controlPlane + container, basis };
}

export interface CostLine {
    item: string;
    detail: string;
    monthly: number;
    /** The line when every Karpenter pool is at its limits; undefined: the same as `monthly`. */
    atLimits?: number;
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
    if (clusters.length)
        lines.push({ item: "EKS control plane", detail: `${clusters.length} cluster(s)`, monthly: clusters.length * prices.eksControlPlanePerHour * h });

    const template = ofType("aws:ec2/launchTemplate:LaunchTemplate")[0];
    const rootGiB = Number((template?.inputs.blockDeviceMappings as any)?.[0]?.ebs?.volumeSize ?? 0);
    let nodeCount = 0;
    for (const ng of ofType("eks:index:ManagedNodeGroup")) {
        const type = (ng.inputs.instanceTypes as string[])[0];
        const count = (ng.inputs.scalingConfig as any).desiredSize as number;
        nodeCount += count;
        lines.push(nodeLine("Worker nodes", { instanceType: type, count, spot: ng.inputs.capacityType === "SPOT" }, prices));
    }
    const pools = poolLines(resources, prices);
    lines.push(...pools.lines);
    nodeCount += pools.expectedNodes;

    for (const vpc of ofType("awsx:ec2:Vpc")) {
        const azs = Number(vpc.inputs.numberOfAvailabilityZones ?? 3);
        const strategy = (vpc.inputs.natGateways as any)?.strategy;
        const nats = strategy === "OnePerAz" ? azs : strategy === "Single" ? 1 : 0;
        if (nats) lines.push(natLine(nats, strategy === "OnePerAz" ? "one per AZ" : "single", prices));
    }

    // One ALB per IngressGroup, as the controller builds them: an Ingress without group.name is a group (and an ALB) of its own.
    lines.push(...albLines(albIngressesOf(resources), azsOf(resources), prices));

    const volumes: [string, number][] = [];
    const groupNodes = nodeCount - pools.expectedNodes;
    if (rootGiB && groupNodes) volumes.push([`node root volumes ${groupNodes} x ${rootGiB} GiB`, groupNodes * rootGiB]);
    volumes.push(...helmVolumes(resources));
    for (const [what, size] of volumes) {
        if (size > 0) lines.push({ item: "EBS gp3", detail: `${what} (${size} GiB)`, monthly: size * prices.ebsGp3PerGbMonth });
    }
    lines.push(...pools.volumes);

    const logs = logIngestionGb(resources, nodeCount);
    if (logs) {
        const detail = `${logs.gb} GB/month ingested, assumed (${logs.basis}), one month stored`;
        const ingest = prices.cloudwatchLogsIngestPerGb;
        if (ingest === undefined)
            lines.push({
                item: "CloudWatch Logs",
                detail,
                monthly: 0,
                unpriced: `no CloudWatch Logs price in the ${prices.region} table (add cloudwatchLogsIngestPerGb to cost/prices-${prices.region}.json)`,
            });
        else lines.push({ item: "CloudWatch Logs", detail, monthly: logs.gb * (ingest + (prices.cloudwatchLogsStoragePerGbMonth ?? 0)) });
    }

    const keys = ofType("aws:kms/key:Key").length;
    if (keys) lines.push({ item: "KMS keys", detail: `${keys} customer-managed key(s)`, monthly: keys * prices.kmsKeyPerMonth });
    if (ofType("aws:acm/certificate:Certificate").length) {
        lines.push({ item: "Route53 hosted zone", detail: "1 public zone (outside the stack, used by it)", monthly: prices.route53HostedZonePerMonth });
    }
    return lines.map(rounded);
}

const rounded = (l: CostLine): CostLine => ({ ...l, monthly: round2(l.monthly), ...(l.atLimits === undefined ? {} : { atLimits: round2(l.atLimits) }) });

export function totalOf(lines: CostLine[]): number {
    return round2(lines.reduce((sum, l) => sum + l.monthly, 0));
}

/** The total with every Karpenter pool at its limits. */
export function totalAtLimits(lines: CostLine[]): number {
    return round2(lines.reduce((sum, l) => sum + (l.atLimits ?? l.monthly), 0));
}

const azsOf = (resources: RecordedResource[]) => Number(resources.find((r) => r.type === "awsx:ec2:Vpc")?.inputs.numberOfAvailabilityZones ?? 2);

export interface Nodes {
    instanceType: string;
    count: number;
    spot: boolean;
}

const hourlyOf = (n: Nodes, prices: PriceTable) => {
    const onDemand = prices.ec2OnDemandPerHour[n.instanceType];
    return onDemand === undefined ? undefined : n.spot ? onDemand * (1 - prices.spotDiscount) : onDemand;
};

function nodeLine(item: string, n: Nodes, prices: PriceTable): CostLine {
    const detail = `${n.count} x ${n.instanceType} ${n.spot ? "spot (est.)" : "on-demand"}`;
    const hourly = hourlyOf(n, prices);
    if (hourly === undefined)
        return {
            item,
            detail,
            monthly: 0,
            unpriced: `no price for ${n.instanceType} in the ${prices.region} table (add it to cost/prices-${prices.region}.json)`,
        };
    return { item, detail, monthly: n.count * hourly * prices.hoursPerMonth };
}

function natLine(count: number, how: string, prices: PriceTable): CostLine {
    return {
        item: "NAT gateways",
        detail: `${count} (${how}) + their Elastic IPs`,
        monthly: count * (prices.natGatewayPerHour + prices.publicIpv4PerHour) * prices.hoursPerMonth,
    };
}

function albLines(ingresses: AlbIngress[], azs: number, prices: PriceTable): CostLine[] {
    return buildAlbs(ingresses).map((alb) => {
        // An internet-facing ALB has a public IPv4 address per AZ; an internal one none.
        const ips = alb.scheme === "internet-facing" ? azs : 0;
        const hourly = prices.albPerHour + prices.albAssumedLcus * prices.albLcuPerHour + ips * prices.publicIpv4PerHour;
        return {
            item: "Application Load Balancer",
            detail: `${alb.group} (${alb.scheme}), ${prices.albAssumedLcus} LCU assumed, ${ips} public IPs`,
            monthly: hourly * prices.hoursPerMonth,
        };
    });
}

/**
 * Karpenter's root volume when the EC2NodeClass has no blockDeviceMappings: AL2023 gets 20Gi gp3
 * (aws/karpenter-provider-aws website/content/en/v1.14/concepts/nodeclasses.md, default blockDeviceMappings).
 */
const KARPENTER_DEFAULT_ROOT_GIB = 20;

function nodeClassRootGiB(resources: RecordedResource[], name: string | undefined): number {
    const nodeClass = resources.find((r) => r.type === "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass" && (r.inputs.metadata as any)?.name === name);
    const size = (nodeClass?.inputs.spec as any)?.blockDeviceMappings?.find((b: any) => b?.rootVolume || b?.deviceName === "/dev/xvda")?.ebs?.volumeSize;
    return size === undefined ? KARPENTER_DEFAULT_ROOT_GIB : mebibytes(size) / 1024;
}

/** The cheapest type of a pool the table prices (on-demand rate), or undefined. */
function cheapestPriced(pool: NodePool, prices: PriceTable): string | undefined {
    return pool.instanceTypes
        .filter((t) => prices.ec2OnDemandPerHour[t] !== undefined)
        .sort((a, b) => prices.ec2OnDemandPerHour[a] - prices.ec2OnDemandPerHour[b])[0];
}

/** How many nodes of this type a pool's limits hold: Karpenter counts node capacity against them. */
export function nodesWithinLimits(pool: NodePool, instanceType: string): number | undefined {
    const limits = pool.karpenter?.limits ?? {};
    const c = capacityOf(instanceType);
    if (!c || (limits.cpuMilli === undefined && limits.memoryMiB === undefined)) return undefined;
    return Math.floor(
        Math.min(
            limits.cpuMilli === undefined ? Infinity : limits.cpuMilli / c.cpuMilli,
            limits.memoryMiB === undefined ? Infinity : limits.memoryMiB / c.memoryMiB,
        ),
    );
}

/**
 * The most a pool's limits let it cost: Karpenter may fill them with any allowed type, and falls back to on-demand
 * when spot is short, so the ceiling is the priced type whose fill of the limits costs most, on-demand whenever the
 * pool allows on-demand.
 */
function ceilingOf(pool: NodePool, prices: PriceTable): Nodes | undefined {
    const spot = !pool.karpenter!.capacityTypes.includes("on-demand");
    const fills = pool.instanceTypes
        .filter((t) => prices.ec2OnDemandPerHour[t] !== undefined)
        .map((instanceType) => ({ instanceType, count: nodesWithinLimits(pool, instanceType), spot }))
        .filter((n): n is Nodes => n.count !== undefined);
    return fills.sort((a, b) => b.count * hourlyOf(b, prices)! - a.count * hourlyOf(a, prices)!)[0];
}

/**
 * Each Karpenter pool at its expected size (annotation platform/expected-nodes), in its cheapest priced type, spot
 * where the pool allows it since Karpenter prefers spot over on-demand when both are allowed
 * (website/content/en/v1.14/concepts/nodepools.md, Capacity Type); and at its limits, priced as their ceiling.
 */
function poolLines(resources: RecordedResource[], prices: PriceTable): { lines: CostLine[]; volumes: CostLine[]; expectedNodes: number } {
    const lines: CostLine[] = [];
    const volumes: CostLine[] = [];
    let expectedNodes = 0;
    for (const pool of nodePools(resources).filter((p) => p.karpenter)) {
        const k = pool.karpenter!;
        const item = `Karpenter pool ${pool.name}`;
        const type = cheapestPriced(pool, prices);
        const spot = k.capacityTypes.includes("spot");
        const ceiling = ceilingOf(pool, prices);
        const why =
            pool.problems[0] ??
            (!type
                ? `none of ${pool.instanceTypes.join(", ") || "its instance types"} is in the ${prices.region} table (add it to cost/prices-${prices.region}.json)`
                : undefined) ??
            (k.expectedNodes === undefined ? `no platform/expected-nodes annotation: its usual size is unknown` : undefined) ??
            (ceiling === undefined ? "no cpu or memory limit: its size at limits is unbounded" : undefined);
        // Its nodes still ship container logs when the pool cannot be priced.
        expectedNodes += k.expectedNodes ?? 0;
        if (why) {
            lines.push({ item, detail: pool.instanceTypes.join("|"), monthly: 0, unpriced: `${item}: ${why}` });
            continue;
        }
        const expected = nodeLine(item, { instanceType: type!, count: k.expectedNodes!, spot }, prices);
        const atLimits = nodeLine(item, ceiling!, prices);
        const fallback = spot && k.capacityTypes.includes("on-demand") ? ", on-demand when spot is short" : "";
        lines.push({ ...expected, detail: `${expected.detail} expected${fallback}; at limits ${atLimits.detail}`, atLimits: atLimits.monthly });
        const root = nodeClassRootGiB(resources, k.nodeClass);
        volumes.push({
            item: "EBS gp3",
            detail: `${item} root volumes ${k.expectedNodes} x ${root} GiB; at limits ${ceiling!.count}`,
            monthly: k.expectedNodes! * root * prices.ebsGp3PerGbMonth,
            atLimits: ceiling!.count * root * prices.ebsGp3PerGbMonth,
        });
    }
    return { lines, volumes, expectedNodes };
}

export function formatCost(lines: CostLine[], prices: PriceTable): string {
    const width = Math.max("total of the priced lines".length, ...lines.map((l) => `${l.item}: ${l.detail}`.length));
    const limits = lines.some((l) => l.atLimits !== undefined);
    const amount = (n: number) => n.toFixed(2).padStart(9);
    const rows = lines.map(
        (l) =>
            `  ${`${l.item}: ${l.detail}`.padEnd(width)}  ${l.unpriced ? "no price".padStart(9) : amount(l.monthly)}${limits ? `  ${l.unpriced ? "no price".padStart(9) : amount(l.atLimits ?? l.monthly)}` : ""}`,
    );
    const unpriced = lines.filter((l) => l.unpriced).map((l) => l.unpriced!);
    const spot = lines.some((l) => / spot \(est\.\)/.test(l.detail))
        ? [
              `  spot prices are an assumption: ${Math.round(prices.spotDiscount * 100)}% below on-demand (spotDiscount in cost/prices-${prices.region}.json${prices.spotNote ? `: ${prices.spotNote}` : ""})`,
          ]
        : [];
    return [
        `estimated monthly cost (${prices.currency}, ${prices.region}, prices of ${prices.asOf}; fixed costs and assumed log ingestion${unpriced.length ? "; PARTIAL" : ""}):`,
        ...(limits ? [`  ${"".padEnd(width)}  ${"expected".padStart(9)}  ${"at limits".padStart(9)}`] : []),
        ...rows,
        `  ${(unpriced.length ? "total of the priced lines" : "total").padEnd(width)}  ${amount(totalOf(lines))}${limits ? `  ${amount(totalAtLimits(lines))}` : ""}`,
        ...spot,
        ...unpriced.map((why) => `  partial estimate: ${why}`),
    ].join("\n");
}

/**
 * A layout described by its priced parts: what the seed-like comparison varies. Everything else (control plane,
 * volumes, logs, keys, zone) is the plan's own.
 */
export interface Layout {
    azs: number;
    nats: { count: number; how: string };
    /** The Ingresses, as the controller groups them into ALBs. */
    ingresses: AlbIngress[];
    nodes: Nodes[];
    /** Root volume of each node, GiB. */
    rootGiB: number;
}

/** Prices a layout with the same helpers the estimate uses. */
export function layoutCost(layout: Layout, prices: PriceTable): CostLine[] {
    const count = layout.nodes.reduce((s, n) => s + n.count, 0);
    return [
        ...layout.nodes.map((n) => nodeLine("Worker nodes", n, prices)),
        ...(layout.nats.count ? [natLine(layout.nats.count, layout.nats.how, prices)] : []),
        ...albLines(layout.ingresses, layout.azs, prices),
        ...(count && layout.rootGiB
            ? [{ item: "EBS gp3", detail: `node root volumes ${count} x ${layout.rootGiB} GiB`, monthly: count * layout.rootGiB * prices.ebsGp3PerGbMonth }]
            : []),
    ].map(rounded);
}

const GROUP_NAME = "alb.ingress.kubernetes.io/group.name";

/**
 * The layout a seed project gives the same features: a NAT gateway per AZ, an ALB per exposed service (no
 * IngressGroups: each Ingress is its own group), and one on-demand node group sized for the peak, in the cheapest
 * priced type of the plan's nodes that holds its largest pod, as many nodes as the peak's pods need (first-fit, after
 * DaemonSets, ignoring the plan's taints and selectors) and at least one per AZ.
 */
export function seedLikeLayout(resources: RecordedResource[], prices: PriceTable): Layout {
    const azs = azsOf(resources);
    const ingresses = albIngressesOf(resources).map((i) => ({
        ...i,
        annotations: Object.fromEntries(Object.entries(i.annotations).filter(([k]) => k !== GROUP_NAME)),
    }));
    const pools = nodePools(resources);
    // A seed has no Karpenter: its controller's pods are not part of the layout.
    const pods = podsOf(resources)
        .filter((p) => !p.name.startsWith("karpenter "))
        .map((p) => ({ ...p, nodeSelector: {}, tolerations: [], nodeAffinity: undefined }));
    const types = [...new Set(pools.flatMap((p) => p.instanceTypes))]
        .filter((t) => prices.ec2OnDemandPerHour[t] !== undefined)
        .sort((a, b) => prices.ec2OnDemandPerHour[a] - prices.ec2OnDemandPerHour[b]);
    const template = resources.find((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate");
    const rootGiB = Number((template?.inputs.blockDeviceMappings as any)?.[0]?.ebs?.volumeSize ?? KARPENTER_DEFAULT_ROOT_GIB);
    const layout = { azs, nats: { count: azs, how: "one per AZ" }, ingresses, rootGiB };
    for (const instanceType of types) {
        // A seed's node group spans its subnets: at least a node per AZ, more when the peak needs them.
        for (let count = azs; count <= 100; count++) {
            const group = groupOf(instanceType, count, resources);
            if (place(pods, [group], "maxSize", "peak").left.length === 0) return { ...layout, nodes: [{ instanceType, count, spot: false }] };
        }
    }
    return { ...layout, nodes: [] };
}

/** A plain node group of `count` nodes of one type, after the plan's DaemonSets. */
function groupOf(instanceType: string, count: number, resources: RecordedResource[]): NodePool {
    const group = nodePools([
        {
            type: MANAGED_NODE_GROUP,
            name: "seed",
            inputs: { instanceTypes: [instanceType], scalingConfig: { minSize: count, maxSize: count } },
        } as unknown as RecordedResource,
    ])[0];
    return withDaemonSets(group, resources);
}

/** The plan priced as it is and as the seed-like layout: the lines that differ, and both totals. */
export interface Comparison {
    plan: { expected: number; atLimits: number };
    seedLike: { total: number; layout: Layout; lines: CostLine[] };
}

const LAYOUT_ITEMS = new Set(["Worker nodes", "NAT gateways", "Application Load Balancer"]);
const layoutPart = (l: CostLine) => LAYOUT_ITEMS.has(l.item) || l.item.startsWith("Karpenter pool") || (l.item === "EBS gp3" && /root volumes/.test(l.detail));

export function compareWithSeedLike(resources: RecordedResource[], prices: PriceTable): Comparison {
    const lines = estimateCost(resources, prices);
    const layout = seedLikeLayout(resources, prices);
    const seedLines = [...lines.filter((l) => !layoutPart(l)).map(({ atLimits: _, ...l }) => l), ...layoutCost(layout, prices)];
    return {
        plan: { expected: totalOf(lines), atLimits: totalAtLimits(lines) },
        seedLike: { total: totalOf(seedLines), layout, lines: seedLines },
    };
}

export function formatComparison(c: Comparison, prices: PriceTable): string {
    const nodes = c.seedLike.layout.nodes.map((n) => `${n.count} x ${n.instanceType} on-demand`).join(" + ") || "no priced node type";
    const albs = buildAlbs(c.seedLike.layout.ingresses).length;
    return [
        `compared with a seed-like layout of the same features (${prices.currency}/month, same price table):`,
        `  this plan: ${c.plan.expected.toFixed(2)}${c.plan.atLimits === c.plan.expected ? "" : ` expected, ${c.plan.atLimits.toFixed(2)} with every Karpenter pool at its limits`}`,
        `  seed-like: ${c.seedLike.total.toFixed(2)} (${c.seedLike.layout.nats.count} NAT gateways, one per AZ; ${albs} ALB${albs === 1 ? "" : "s"}, one per exposed service; ${nodes}, sized for the peak)`,
    ].join("\n");
}
