import * as pulumi from "@pulumi/pulumi";
import { regionAzNames } from "../../components/network/region-azs";
import {
    AwsxRefusal,
    awsxSubnetLayout,
    NotModeled,
    normalizeSubnetSpecs,
    PlannedSubnet,
    SubnetSpecInput,
    subnetRangeProblem,
    vpcCidrProblem,
} from "../../components/network/vpc-layout";
import { awsId, MockResult, ModeledChild, RejectedByUpstream } from "./ids";

const TYPE = "awsx:ec2:Vpc";

/** The aws.ec2.Vpc arguments awsx hands on (it spreads all of its own args; the aws SDK keeps only these). */
const AWS_VPC_ARGS = [
    "assignGeneratedIpv6CidrBlock",
    "enableDnsHostnames",
    "enableDnsSupport",
    "enableNetworkAddressUsageMetrics",
    "instanceTenancy",
    "ipv4IpamPoolId",
    "ipv4NetmaskLength",
    "ipv6CidrBlock",
    "ipv6CidrBlockNetworkBorderGroup",
    "ipv6IpamPoolId",
    "ipv6NetmaskLength",
    "region",
];

/** An id for a child: seeded with its kind, so a subnet and its route table do not share digits. */
const childId = (prefix: string, name: string) => awsId(prefix, `${prefix}/${name}`);

const refuse = (message: string): never => {
    throw new RejectedByUpstream(TYPE, message);
};

/** Vpc.getDefaultAzs: the region's first N zones from aws.getAvailabilityZones, or its error. */
function defaultAzs(count: number, region: string | undefined): string[] {
    const known = region ? regionAzNames(region) : undefined;
    if (known && known.length < count) {
        refuse(
            `The configured region for this provider does not have at least ${count} Availability Zones. ` +
                `Either specify an explicit list of zones in availabilityZoneNames or choose a region with at least ${count} AZs.`,
        );
    }
    // A region the table does not hold: assume it has the zones, named as AWS names them.
    return known?.slice(0, count) ?? Array.from({ length: count }, (_, i) => `${region ?? "unknown-region-"}${"abcdefghij"[i]}`);
}

/** validateEips (vpc.ts). */
function validateEips(strategy: string, eips: unknown[], azCount: number): void {
    switch (strategy.toLowerCase()) {
        case "none":
            if (eips.length > 0) refuse(`Elastic IP allocation IDs cannot be specified when NAT Gateway strategy is '${strategy}'.`);
            return;
        case "single":
            if (eips.length > 1) refuse(`Exactly one Elastic IP may be specified when NAT Gateway strategy is '${strategy}'.`);
            return;
        case "oneperaz":
            if (eips.length > 0 && eips.length !== azCount) {
                refuse(
                    `The number of Elastic IPs, if specified, must match the number of availability zones for the VPC (${azCount}) when NAT Gateway strategy is '${strategy}'`,
                );
            }
            return;
        default:
            refuse(`Unknown NatGatewayStrategy '${strategy}'`);
    }
}

function assertModeled(inputs: Record<string, any>): void {
    const strategy = inputs.subnetStrategy ?? "Legacy";
    if (strategy !== "Auto") throw new NotModeled(`subnetStrategy "${strategy}" (only "Auto")`);
    if ((inputs.vpcEndpointSpecs ?? []).length > 0) throw new NotModeled("vpcEndpointSpecs");
    if (inputs.ipv4IpamPoolId !== undefined || (inputs.cidrBlock === undefined && inputs.ipv4NetmaskLength !== undefined))
        throw new NotModeled("IPAM-allocated CIDRs");
    if (inputs.assignGeneratedIpv6CidrBlock || inputs.ipv6CidrBlock !== undefined) throw new NotModeled("IPv6 subnets");
    if ((inputs.subnetNameTagStrategy ?? "Legacy") !== "Legacy") throw new NotModeled(`subnetNameTagStrategy "${inputs.subnetNameTagStrategy}"`);
}

/**
 * `awsx:ec2:Vpc` (remote component), after awsx/ec2/vpc.ts (Vpc.initialize) of pulumi-awsx 3.9.0 for
 * subnetStrategy "Auto": the zones it picks, the subnet CIDRs it computes (components/network/vpc-layout.ts) and the
 * resources it creates inside itself, named as it names them; awsx's own error where it refuses the inputs, and
 * EC2's where the VPC or a subnet would be refused at creation.
 */
export function awsxVpc(name: string, inputs: Record<string, any>): MockResult {
    assertModeled(inputs);
    if (inputs.availabilityZoneNames && inputs.numberOfAvailabilityZones) {
        refuse("Only one of [availabilityZoneNames] and [numberOfAvailabilityZones] can be specified");
    }
    // awsx asks the provider it was given; under the offline plan that is the stack's aws:region.
    const region: string | undefined = inputs.region ?? new pulumi.Config("aws").get("region");
    const azNames: string[] = inputs.availabilityZoneNames ?? defaultAzs(inputs.numberOfAvailabilityZones ?? 3, region);
    const natStrategy: string = inputs.natGateways?.strategy ?? "OnePerAz";
    const allocationIds: string[] = inputs.natGateways?.elasticIpAllocationIds ?? [];
    validateEips(natStrategy, allocationIds, azNames.length);

    const cidrBlock: string = inputs.cidrBlock ?? "10.0.0.0/16";
    const cidrProblem = vpcCidrProblem(cidrBlock);
    if (cidrProblem) refuse(cidrProblem);
    const specs: SubnetSpecInput[] | undefined = inputs.subnetSpecs;
    let subnets: PlannedSubnet[];
    try {
        subnets = awsxSubnetLayout({
            vpcName: name,
            vpcCidr: cidrBlock,
            azNames,
            subnetSpecs: specs,
            natStrategy,
            availabilityZoneCidrMask: inputs.availabilityZoneCidrMask,
        });
    } catch (err) {
        throw err instanceof AwsxRefusal ? new RejectedByUpstream(TYPE, err.message) : err;
    }
    for (const s of subnets) {
        const problem = subnetRangeProblem(cidrBlock, s);
        if (problem) throw new RejectedByUpstream("aws:ec2/subnet:Subnet", problem);
    }

    const tags: Record<string, string> = inputs.tags ?? {};
    const sharedTags = { Name: name, ...tags };
    const vpcId = awsId("vpc", name);
    const igwId = childId("igw", name);
    const vpcRef = "aws:ec2/vpc:Vpc::" + name;
    const children: ModeledChild[] = [
        {
            type: "aws:ec2/vpc:Vpc",
            name,
            inputs: { ...Object.fromEntries(AWS_VPC_ARGS.filter((k) => inputs[k] !== undefined).map((k) => [k, inputs[k]])), cidrBlock, tags: sharedTags },
        },
        // Created unconditionally (vpc.ts: AWS does not charge for it).
        { type: "aws:ec2/internetGateway:InternetGateway", name, inputs: { vpcId, tags: sharedTags }, dependsOn: [vpcRef] },
    ];
    const subnetIds = (type: string) => subnets.filter((s) => s.type === type).map((s) => childId("subnet", s.resourceName));
    const natIds: string[] = [];
    for (const s of subnets) {
        const kind = s.type.toLowerCase();
        const ref = (type: string) => `${type}::${s.resourceName}`;
        const subnetRef = ref("aws:ec2/subnet:Subnet");
        const tableRef = ref("aws:ec2/routeTable:RouteTable");
        children.push(
            {
                type: "aws:ec2/subnet:Subnet",
                name: s.resourceName,
                inputs: {
                    vpcId,
                    availabilityZone: s.azName,
                    mapPublicIpOnLaunch: kind === "public",
                    cidrBlock: s.cidrBlock,
                    assignIpv6AddressOnCreation: false,
                    tags: { ...sharedTags, ...s.tags, Name: s.nameTag, SubnetType: s.type },
                },
                dependsOn: [vpcRef],
            },
            {
                type: "aws:ec2/routeTable:RouteTable",
                name: s.resourceName,
                inputs: { vpcId, tags: { ...sharedTags, Name: s.nameTag, SubnetType: s.type } },
                dependsOn: [subnetRef, vpcRef],
            },
            {
                type: "aws:ec2/routeTableAssociation:RouteTableAssociation",
                name: s.resourceName,
                inputs: { routeTableId: childId("rtb", s.resourceName), subnetId: childId("subnet", s.resourceName) },
                dependsOn: [tableRef, subnetRef],
            },
        );
        // shouldCreateNatGateway: the first public subnet of the first AZ (Single) or of every AZ (OnePerAz).
        const natWanted =
            natStrategy.toLowerCase() === "single" ? natIds.length < 1 : natStrategy.toLowerCase() === "oneperaz" && natIds.length < s.azIndex + 1;
        if (kind === "public" && natWanted) {
            const natName = `${name}-${s.azIndex + 1}`;
            const natTags = { ...tags, Name: natName };
            const dependsOn = [subnetRef];
            if (allocationIds.length === 0) {
                children.push({ type: "aws:ec2/eip:Eip", name: natName, inputs: { tags: natTags }, dependsOn: [subnetRef] });
                dependsOn.push(`aws:ec2/eip:Eip::${natName}`);
            }
            const allocationId = allocationIds.length === 0 ? childId("eipalloc", natName) : allocationIds[s.azIndex];
            children.push({
                type: "aws:ec2/natGateway:NatGateway",
                name: natName,
                inputs: { subnetId: childId("subnet", s.resourceName), allocationId, tags: natTags },
                dependsOn,
            });
            natIds.push(childId("nat", natName));
        }
        if (kind === "public") {
            children.push({
                type: "aws:ec2/route:Route",
                name: s.resourceName,
                inputs: { routeTableId: childId("rtb", s.resourceName), gatewayId: igwId, destinationCidrBlock: "0.0.0.0/0" },
                dependsOn: [tableRef, "aws:ec2/internetGateway:InternetGateway::" + name],
            });
        } else if (kind === "private" && natStrategy.toLowerCase() !== "none") {
            const natIndex = natStrategy.toLowerCase() === "single" ? 0 : s.azIndex;
            children.push({
                type: "aws:ec2/route:Route",
                name: s.resourceName,
                inputs: { routeTableId: childId("rtb", s.resourceName), natGatewayId: natIds[natIndex], destinationCidrBlock: "0.0.0.0/0" },
                dependsOn: [tableRef, `aws:ec2/natGateway:NatGateway::${name}-${natIndex + 1}`],
            });
        }
        // Isolated subnets get no route.
    }

    // subnetLayout: awsx reports the normalized specs it was given, or (no specs) the layout of the first AZ.
    const layout: SubnetSpecInput[] = specs
        ? normalizeSubnetSpecs(specs)
        : subnets.filter((s) => s.azIndex === 0).map((s) => ({ type: s.type, cidrMask: Number(s.cidrBlock.split("/")[1]) }));
    return {
        id: undefined,
        state: {
            ...inputs,
            vpcId,
            publicSubnetIds: subnetIds("Public"),
            privateSubnetIds: subnetIds("Private"),
            isolatedSubnetIds: subnetIds("Isolated"),
            subnetLayout: layout.map((s) => ({ type: s.type, name: s.name, cidrMask: s.cidrMask || undefined, size: s.size || undefined })),
            // awsx returns aws.ec2.Subnet resources; under mocks they are plain records of the same fields.
            subnets: subnets.map((s) => ({
                id: childId("subnet", s.resourceName),
                vpcId,
                cidrBlock: s.cidrBlock,
                availabilityZone: s.azName,
                mapPublicIpOnLaunch: s.type === "Public",
                tags: { ...sharedTags, ...s.tags, Name: s.nameTag, SubnetType: s.type },
            })),
        },
        children,
    };
}
