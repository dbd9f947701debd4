/**
 * What `awsx.ec2.Vpc` (awsx 3.9.0) computes for the subnets of a VPC, and what AWS then refuses, as pure functions.
 * One implementation serves three callers: the Network component (its subnet masks), config validation
 * (`networkProblems`) and the offline model of `awsx:ec2:Vpc` (offline/models/awsx-vpc.ts).
 *
 * Follows pulumi/pulumi-awsx at e60adf3c (2026-08-20; awsx/ec2 is unchanged since tag v3.8.0, 3f19048c, and the
 * mirror has no v3.9.0 tag): awsx/ec2/subnetDistributorNew.ts (validateAndNormalizeSubnetInputs, getSubnetSpecs,
 * allocateSubnetCidrBlocks, defaultSubnetInputs, nextNetmask, newBits), awsx/ec2/vpc.ts (validateSubnets,
 * validateNatGatewayStrategy, compareSubnetSpecs) and awsx/ec2/subnetNaming.ts, with the IPv4 arithmetic of the
 * `netmask` package those files use (awsx/yarn.lock pins 2.0.2): `last` is the last *usable* address, which is why
 * a subnet after a smaller one starts at the next boundary of its own size.
 */
import { parseCidr } from "../../config/checks";

export type SubnetType = "Public" | "Private" | "Isolated" | "Unused";

/** One entry of the Vpc's `subnetSpecs` input, as far as the Auto strategy reads it. */
export interface SubnetSpecInput {
    type: SubnetType;
    name?: string;
    cidrMask?: number;
    size?: number;
    tags?: Record<string, string>;
    cidrBlocks?: string[];
}

/** A subnet awsx creates: its CIDR, its AZ and the names it gives the subnet and the resources named after it. */
export interface PlannedSubnet {
    type: SubnetType;
    azName: string;
    /** 0-based index of the AZ in the Vpc's AZ list. */
    azIndex: number;
    cidrBlock: string;
    /** Pulumi name of the subnet, its route table, association and route: `<vpc>-<type or name>-<az number>`. */
    resourceName: string;
    /** The AWS Name tag (the same as resourceName under the default subnetNameTagStrategy, Legacy). */
    nameTag: string;
    tags?: Record<string, string>;
}

/** awsx threw: the message is awsx's own. */
export class AwsxRefusal extends Error {
    constructor(message: string) {
        super(message);
        this.name = "AwsxRefusal";
    }
}

// --- IPv4 blocks with netmask's semantics ---------------------------------------------------------------------

interface Block {
    base: number;
    bitmask: number;
    size: number;
}

/** An address as dotted quad; like netmask's long2ip it wraps past 255.255.255.255. */
function formatIp(n: number): string {
    return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

/** netmask's `new Netmask(address, mask)`: masks off host bits; a mask of 0 is read as "none given", i.e. /32. */
function block(address: number, mask: number): Block {
    const bitmask = mask === 0 ? 32 : mask;
    if (!(bitmask <= 32)) throw new AwsxRefusal(`Invalid mask for ip4: ${mask}`);
    const maskLong = bitmask > 0 ? (0xffffffff << (32 - bitmask)) >>> 0 : 0;
    return { base: (address & maskLong) >>> 0, bitmask, size: 2 ** (32 - bitmask) };
}

const lastUsable = (b: Block) => b.base + b.size - (b.bitmask <= 30 ? 2 : 1);
const next = (b: Block) => block(b.base + b.size, b.bitmask);
const cidrOf = (b: Block) => `${formatIp(b.base)}/${b.bitmask}`;
const contains = (outer: Block, inner: Block) => inner.bitmask >= outer.bitmask && block(inner.base, outer.bitmask).base === outer.base;

/** awsx's nextNetmask: the block of the new size that follows the last usable address of the previous one. */
function nextNetmask(previous: Block, bitmask: number): Block {
    return next(block(lastUsable(previous), bitmask));
}

/** awsx's newBits: the bits needed to number `count` things. */
function newBits(count: number): number {
    return count === 0 ? 0 : Math.ceil(Math.log2(count));
}

// --- awsx subnetDistributorNew.ts ----------------------------------------------------------------------------

/** The index is the netmask; awsx's validSubnetSizes. */
const VALID_SUBNET_SIZES = Array.from({ length: 31 }, (_, mask) => 2 ** (32 - mask));

/** validateAndNormalizeSubnetInputs (non-explicit layouts): cidrMask and size agree, names unique per type. */
export function normalizeSubnetSpecs(specs: SubnetSpecInput[]): SubnetSpecInput[] {
    const issues: string[] = [];
    const byType = new Map<string, SubnetSpecInput[]>();
    for (const spec of specs) byType.set(spec.type.toLowerCase(), [...(byType.get(spec.type.toLowerCase()) ?? []), spec]);
    for (const [type, group] of byType) {
        const names = group.map((s) => s.name);
        const named = names.filter((n) => n !== undefined);
        if (group.length > 1 && (names.length - named.length > 1 || new Set(named).size < named.length)) {
            issues.push(
                `Multiple subnet specs of type "${type}" require unique names. You can have at most one unnamed subnet per type. All other subnets of the same type must have unique "name" properties to avoid duplicate resource names.`,
            );
        }
    }
    const invalid = specs.filter((s) => s.size !== undefined && !VALID_SUBNET_SIZES.includes(s.size));
    if (invalid.length > 0) {
        issues.push(`The following subnet sizes are invalid: ${invalid.map((s) => s.size).join(", ")}. Valid sizes are: ${VALID_SUBNET_SIZES.join(", ")}.`);
    }
    const normalized = specs.map((spec) => {
        const cidrMask = spec.cidrMask ?? (spec.size ? VALID_SUBNET_SIZES.indexOf(spec.size) : undefined);
        const expectedSize = cidrMask ? VALID_SUBNET_SIZES[cidrMask] : undefined;
        if (spec.size !== undefined && expectedSize !== undefined && expectedSize !== spec.size) {
            issues.push(`Subnet size ${spec.size} does not match the expected size for a /${cidrMask} subnet (${expectedSize}).`);
        }
        return { ...spec, cidrMask, size: expectedSize };
    });
    if (issues.length > 0) throw new AwsxRefusal(`Invalid subnet specifications:\n - ${issues.join("\n - ")}`);
    return normalized;
}

const BARE_DEFAULT_SPECS: SubnetSpecInput[] = [{ type: "Private" }, { type: "Public" }];

function defaultSubnetSpecs(azBitmask: number): SubnetSpecInput[] {
    if (azBitmask > 26) {
        throw new AwsxRefusal(
            `Automatic subnet creation requires a VPC with at least /26 available per AZ, but only /${azBitmask} is available.` +
                "If you do need very small subnets, please specify them explicitly.",
        );
    }
    const maxBitmask = Math.max(azBitmask, 16);
    return BARE_DEFAULT_SPECS.map((s, i) => ({ type: s.type, cidrMask: maxBitmask + i + 1 }));
}

const specName = (spec: SubnetSpecInput) => spec.name ?? spec.type.toLowerCase();

/** allocateSubnetCidrBlocks: the CIDR of each spec in each AZ, in awsx's order (AZ by AZ, specs as given). */
function allocate(vpc: Block, azCount: number, specs: SubnetSpecInput[] | undefined, azCidrMask?: number): string[][] {
    const azBitmask = azCidrMask ?? vpc.bitmask + newBits(azCount);
    const subnetSpecs = specs ?? defaultSubnetSpecs(azBitmask);
    if (subnetSpecs.length === 0) throw new AwsxRefusal("No subnets specified");
    const defaultSubnetBitmask = azBitmask + newBits(subnetSpecs.length);
    const azSize = block(vpc.base, azBitmask).size;
    const total = subnetSpecs.reduce((sum, s) => sum + block(vpc.base, s.cidrMask ?? defaultSubnetBitmask).size, 0);
    if (total > azSize) {
        throw new AwsxRefusal(`Subnets are too large for VPC. VPC has ${azSize} addresses, but subnets require ${total} addresses.`);
    }
    const perAz: string[][] = [];
    let az = block(vpc.base, azBitmask);
    for (let i = 0; i < azCount; i++) {
        let current: Block | undefined;
        perAz.push(
            subnetSpecs.map((s) => {
                const mask = s.cidrMask ?? defaultSubnetBitmask;
                current = current === undefined ? block(az.base, mask) : nextNetmask(current, mask);
                return cidrOf(current);
            }),
        );
        az = next(az);
    }
    return perAz;
}

// --- awsx vpc.ts validations ---------------------------------------------------------------------------------

function validateSubnets(subnets: PlannedSubnet[]): void {
    const blocks = subnets.map((s) => parseBlock(s.cidrBlock));
    const overlapping = subnets.filter((_, i) => blocks.some((b, j) => i !== j && (contains(b, blocks[i]) || contains(blocks[i], b))));
    if (overlapping.length > 0) {
        throw new AwsxRefusal(
            "The following subnets overlap with at least one other subnet. Make the CIDR for the VPC larger, reduce the size of the subnets per AZ, or use less Availability Zones:\n\n" +
                overlapping.map((s, i) => `${i + 1}. ${s.resourceName}: ${s.cidrBlock}\n`).join(""),
        );
    }
}

export type NatStrategy = "None" | "Single" | "OnePerAz";

function validateNatGatewayStrategy(strategy: string, subnets: PlannedSubnet[]): void {
    switch (strategy.toLowerCase()) {
        case "oneperaz":
        case "single": {
            const types = subnets.map((s) => s.type.toLowerCase());
            if (types.includes("public") && (types.includes("private") || types.includes("isolated"))) return;
            throw new AwsxRefusal(
                "If NAT Gateway strategy is 'OnePerAz' or 'Single', public subnets must be declared to host the NAT Gateway resource, along with private or isolated subnets to route through it.",
            );
        }
        case "none":
            return;
        default:
            throw new AwsxRefusal(`Unknown NAT Gateway strategy '${strategy}'`);
    }
}

/** compareSubnetSpecs: public first, then private, then isolated (a stable sort keeps the rest in spec order). */
const TYPE_ORDER: Record<string, number> = { public: 0, private: 1, isolated: 2 };

// --- the layout ------------------------------------------------------------------------------------------------

function parseBlock(cidr: string): Block {
    const parsed = parseCidr(cidr);
    if (!parsed) throw new Error(`${cidr} is not an IPv4 CIDR block`);
    return block(parsed.address, parsed.prefix);
}

/** Thrown where a caller asks for an awsx input the model does not cover; not an upstream refusal. */
export class NotModeled extends Error {
    constructor(what: string) {
        super(`the offline model of awsx:ec2:Vpc does not cover ${what}: extend components/network/vpc-layout.ts from awsx's source first`);
        this.name = "NotModeled";
    }
}

export interface LayoutArgs {
    vpcName: string;
    vpcCidr: string;
    azNames: string[];
    subnetSpecs?: SubnetSpecInput[];
    natStrategy?: string;
    availabilityZoneCidrMask?: number;
}

/**
 * The subnets awsx creates for subnetStrategy "Auto", in the order it creates them (AZ by AZ, public first),
 * or the AwsxRefusal awsx throws. The VPC CIDR must already be a valid IPv4 CIDR (see vpcCidrProblem).
 */
export function awsxSubnetLayout(args: LayoutArgs): PlannedSubnet[] {
    const specs = args.subnetSpecs === undefined ? undefined : normalizeSubnetSpecs(args.subnetSpecs);
    if (specs?.some((s) => s.cidrBlocks !== undefined)) throw new NotModeled("subnetSpecs with explicit cidrBlocks (the Exact allocator)");
    const cidrs = allocate(parseBlock(args.vpcCidr), args.azNames.length, specs, args.availabilityZoneCidrMask);
    const named = specs ?? BARE_DEFAULT_SPECS;
    const all: PlannedSubnet[] = args.azNames.flatMap((azName, azIndex) =>
        named.map((spec, i) => {
            const resourceName = `${args.vpcName}-${specName(spec)}-${azIndex + 1}`;
            return { type: spec.type, azName, azIndex, cidrBlock: cidrs[azIndex][i], resourceName, nameTag: resourceName, tags: spec.tags };
        }),
    );
    validateSubnets(all);
    validateNatGatewayStrategy(args.natStrategy ?? "OnePerAz", all);
    return args.azNames.flatMap((azName) =>
        all
            .filter((s) => s.azName === azName && s.type !== "Unused")
            .sort((a, b) => (TYPE_ORDER[a.type.toLowerCase()] ?? 3) - (TYPE_ORDER[b.type.toLowerCase()] ?? 3)),
    );
}

// --- what EC2 and ELB refuse afterwards ------------------------------------------------------------------------

/**
 * Why EC2 would not create a VPC with this CIDR (or awsx could not read it), or undefined. EC2 takes /16 to /28
 * (CreateVpc: "InvalidVpc.Range: The CIDR '…' is invalid."), as a network address. awsx's netmask reads an octet
 * with a leading 0 as octal, so such a CIDR would put the subnets somewhere else than the VPC.
 */
export function vpcCidrProblem(vpcCidr: string): string | undefined {
    const parsed = parseCidr(vpcCidr);
    if (!parsed) return `"${vpcCidr}" is not an IPv4 CIDR such as 10.0.0.0/16`;
    const canonical = `${formatIp(parsed.address)}/${parsed.prefix}`;
    if (canonical !== vpcCidr) return `"${vpcCidr}" must be written as ${canonical}: awsx's netmask library reads an octet with a leading 0 as octal`;
    if (block(parsed.address, parsed.prefix).base !== parsed.address) {
        return `"${vpcCidr}" has host bits set: a VPC CIDR is a network address such as ${cidrOf(block(parsed.address, parsed.prefix))}`;
    }
    if (parsed.prefix < 16 || parsed.prefix > 28) return `EC2 refuses it (InvalidVpc.Range: The CIDR '${vpcCidr}' is invalid.): a VPC is /16 to /28`;
    return undefined;
}

/** EC2's CreateSubnet refusal for a subnet outside the VPC or outside /16../28, or undefined. */
export function subnetRangeProblem(vpcCidr: string, subnet: PlannedSubnet): string | undefined {
    const b = parseBlock(subnet.cidrBlock);
    if (b.bitmask < 16 || b.bitmask > 28 || !contains(parseBlock(vpcCidr), b)) {
        return `EC2 refuses subnet ${subnet.resourceName}: InvalidSubnet.Range: The CIDR '${subnet.cidrBlock}' is invalid.`;
    }
    return undefined;
}

/** ELB: "each subnet for your load balancer has a CIDR block with at least a /27 bitmask" (the ALB goes in the public subnets). */
export const ALB_MIN_SUBNET_MASK = 27;

// --- the Network component's masks ------------------------------------------------------------------------------

/**
 * The masks the Network component asks awsx for. awsx cuts the VPC into 2^newBits(azCount) equal AZ blocks and
 * places the specs in each block in order, public first, each at the next boundary of its own size; so the
 * private subnet must be at most half an AZ block. It gets an eighth of the VPC (as dev and prod always had), or half
 * of awsx's AZ block where 5 or more AZs make that smaller; the public subnet (ALB, NAT) gets an eighth of the
 * private one.
 */
export function subnetMasks(vpcCidr: string, azCount: number): { public: number; private: number } {
    const prefix = parseCidr(vpcCidr)?.prefix;
    if (prefix === undefined) throw new Error(`"${vpcCidr}" is not an IPv4 CIDR`);
    const azBlock = prefix + newBits(azCount);
    const privateMask = Math.max(prefix + 3, azBlock + 1);
    return { private: privateMask, public: privateMask + 3 };
}

/** The subnet specs the Network component passes to awsx (tags aside), in its order. */
export function networkSubnetSpecs(vpcCidr: string, azCount: number): SubnetSpecInput[] {
    const masks = subnetMasks(vpcCidr, azCount);
    return [
        { type: "Public", cidrMask: masks.public },
        { type: "Private", cidrMask: masks.private },
    ];
}

/**
 * Why the Network component with this VPC CIDR and AZ count would fail to deploy: EC2 refusing the VPC, awsx
 * refusing the layout (its own message), EC2 refusing a subnet, or public subnets too small for the ALB.
 * Empty when it deploys.
 */
export function networkProblems(vpcCidr: string, azCount: number): string[] {
    const cidrProblem = vpcCidrProblem(vpcCidr);
    if (cidrProblem) return [cidrProblem];
    const azNames = Array.from({ length: azCount }, (_, i) => `az${i + 1}`);
    let subnets: PlannedSubnet[];
    try {
        subnets = awsxSubnetLayout({ vpcName: "vpc", vpcCidr, azNames, subnetSpecs: networkSubnetSpecs(vpcCidr, azCount), natStrategy: "OnePerAz" });
    } catch (err) {
        if (err instanceof AwsxRefusal)
            return [
                `awsx refuses ${networkSubnetSpecs(vpcCidr, azCount)
                    .map((s) => `${s.type.toLowerCase()} /${s.cidrMask}`)
                    .join(" + ")} subnets in ${azCount} AZs: ${err.message}`,
            ];
        throw err;
    }
    const problems = subnets
        .map((s) => subnetRangeProblem(vpcCidr, s))
        .filter((p): p is string => p !== undefined)
        .slice(0, 1);
    const publicMask = subnetMasks(vpcCidr, azCount).public;
    if (publicMask > ALB_MIN_SUBNET_MASK) {
        problems.push(
            `public subnets would be /${publicMask}: an Application Load Balancer needs subnets of at least /${ALB_MIN_SUBNET_MASK} (ELB docs), so use a larger VPC or fewer AZs`,
        );
    }
    return problems;
}

/** RFC 1918's private IPv4 ranges. */
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/** Why a VPC CIDR is not inside one RFC 1918 private range, or undefined. The CIDR must parse (vpcCidrProblem). */
export function privateRangeProblem(vpcCidr: string): string | undefined {
    const vpc = parseBlock(vpcCidr);
    if (PRIVATE_RANGES.some((range) => contains(parseBlock(range), vpc))) return undefined;
    return `"${vpcCidr}" is not inside an RFC 1918 private range (${PRIVATE_RANGES.join(", ")})`;
}
