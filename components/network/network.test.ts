import * as assert from "assert";
import * as awsx from "@pulumi/awsx";
import { Network, networkProblems, subnetMasks, subnetTags } from ".";
import { ALB_MIN_SUBNET_MASK, awsxSubnetLayout } from "./vpc-layout";
import { all, attempt, mockRuntime, one, record, RecordedResource, valueOf } from "../../tests/helpers/harness";
import { planFor } from "../../tests/helpers/plans";

describe("Network", () => {
    const build = (natStrategy: "single" | "onePerAz", azCount: number) => {
        let network!: Network;
        const records = record(() => {
            network = new Network("net", { vpcCidr: "10.10.0.0/16", azCount, natStrategy, clusterName: "eks-platform-dev" });
        });
        return records.then((r) => ({ records: r, network }));
    };

    it("dev: one NAT gateway for the VPC", async () => {
        const { records } = await build("single", 2);
        const vpc = one(records, "awsx:ec2:Vpc");
        assert.deepStrictEqual(vpc.inputs.natGateways, { strategy: "Single" });
        assert.strictEqual(vpc.inputs.numberOfAvailabilityZones, 2);
    });

    it("prod: one NAT gateway per AZ", async () => {
        const { records } = await build("onePerAz", 3);
        const vpc = one(records, "awsx:ec2:Vpc");
        assert.deepStrictEqual(vpc.inputs.natGateways, { strategy: "OnePerAz" });
        assert.strictEqual(vpc.inputs.numberOfAvailabilityZones, 3);
    });

    it("tags public subnets for internet-facing ALBs and private ones for internal LBs, both with the cluster tag", async () => {
        const { records } = await build("single", 2);
        const specs = one(records, "awsx:ec2:Vpc").inputs.subnetSpecs as any[];
        const pub = specs.find((s) => s.type === "Public");
        const priv = specs.find((s) => s.type === "Private");
        assert.strictEqual(pub.tags["kubernetes.io/role/elb"], "1");
        assert.strictEqual(pub.tags["kubernetes.io/role/internal-elb"], undefined);
        assert.strictEqual(priv.tags["kubernetes.io/role/internal-elb"], "1");
        assert.strictEqual(priv.tags["kubernetes.io/role/elb"], undefined);
        for (const s of [pub, priv]) assert.strictEqual(s.tags["kubernetes.io/cluster/eks-platform-dev"], "shared");
        assert.deepStrictEqual(subnetTags("public", "c"), { "kubernetes.io/role/elb": "1", "kubernetes.io/cluster/c": "shared" });
    });

    it("tags only the private subnets for Karpenter's node class to find (its nodes get no public subnet)", async () => {
        const { records } = await build("single", 2);
        const specs = one(records, "awsx:ec2:Vpc").inputs.subnetSpecs as any[];
        assert.strictEqual(specs.find((s) => s.type === "Private").tags["karpenter.sh/discovery"], "eks-platform-dev");
        assert.strictEqual(specs.find((s) => s.type === "Public").tags["karpenter.sh/discovery"], undefined);
    });

    it("exposes the VPC's id and subnet ids as outputs", async () => {
        const { network } = await build("onePerAz", 3);
        assert.match(await valueOf(network.vpcId), /^vpc-0[0-9a-f]{16}$/);
        const [pub, priv] = await Promise.all([valueOf(network.publicSubnetIds), valueOf(network.privateSubnetIds)]);
        assert.strictEqual(pub.length, 3);
        assert.strictEqual(priv.length, 3);
        assert.strictEqual(new Set([...pub, ...priv]).size, 6);
    });
});

/** Like the harness's attempt, with the stack's aws:region set: awsx picks its AZs from that region. */
async function attemptIn(region: string, build: () => void) {
    const r = await mockRuntime({ "aws:region": region });
    build();
    await r.settle();
    return { records: [...r.records], failures: [...r.failures] };
}

/** The awsx:ec2:Vpc subnets of a recorded plan: name -> [cidr, AZ]. */
function subnetsOf(records: RecordedResource[]): Record<string, [string, string]> {
    return Object.fromEntries(all(records, "aws:ec2/subnet:Subnet").map((s) => [s.name, [s.inputs.cidrBlock as string, s.inputs.availabilityZone as string]]));
}

describe("awsx:ec2:Vpc as awsx 3.9.0 allocates it (offline model)", () => {
    // awsx (subnetStrategy Auto) cuts the VPC into 2^ceil(log2(AZs)) equal AZ blocks; in each it puts the specs in
    // order, the first at the block's start and each next one at the first boundary of its own size after the last
    // usable address of the previous. So public /22 then private /19 in the /17 block 10.10.0.0 gives 10.10.0.0/22 and
    // 10.10.32.0/19 (10.10.4.0-10.10.31.255 stay unused).
    it("dev (10.10.0.0/16, 2 AZs): the subnet CIDRs awsx computes, in ap-northeast-2's first two zones", async () => {
        const plan = await planFor("dev");
        assert.deepStrictEqual(subnetsOf(plan.resources), {
            "eks-platform-dev-vpc-public-1": ["10.10.0.0/22", "ap-northeast-2a"],
            "eks-platform-dev-vpc-private-1": ["10.10.32.0/19", "ap-northeast-2a"],
            "eks-platform-dev-vpc-public-2": ["10.10.128.0/22", "ap-northeast-2b"],
            "eks-platform-dev-vpc-private-2": ["10.10.160.0/19", "ap-northeast-2b"],
        });
    });

    it("prod (10.20.0.0/16, 3 AZs): /18 AZ blocks", async () => {
        const plan = await planFor("prod");
        assert.deepStrictEqual(subnetsOf(plan.resources), {
            "eks-platform-prod-vpc-public-1": ["10.20.0.0/22", "ap-northeast-2a"],
            "eks-platform-prod-vpc-private-1": ["10.20.32.0/19", "ap-northeast-2a"],
            "eks-platform-prod-vpc-public-2": ["10.20.64.0/22", "ap-northeast-2b"],
            "eks-platform-prod-vpc-private-2": ["10.20.96.0/19", "ap-northeast-2b"],
            "eks-platform-prod-vpc-public-3": ["10.20.128.0/22", "ap-northeast-2c"],
            "eks-platform-prod-vpc-private-3": ["10.20.160.0/19", "ap-northeast-2c"],
        });
        const vpc = one(plan.resources, "awsx:ec2:Vpc");
        // the subnet ids awsx reports are those of the subnets it created, in AZ order
        const routeIds = (kind: string) =>
            all(plan.resources, "aws:ec2/routeTableAssociation:RouteTableAssociation")
                .filter((a) => a.name.includes(`-${kind}-`))
                .map((a) => a.inputs.subnetId);
        assert.deepStrictEqual(vpc.outputs.publicSubnetIds, routeIds("public"));
        assert.deepStrictEqual(vpc.outputs.privateSubnetIds, routeIds("private"));
        assert.deepStrictEqual(
            all(plan.resources, "aws:ec2/subnet:Subnet").map((s) => s.inputs.mapPublicIpOnLaunch),
            [true, false, true, false, true, false],
        );
        assert.deepStrictEqual(
            (vpc.outputs.subnetLayout as any[]).map((l) => [l.type, l.cidrMask, l.size]),
            [
                ["Public", 22, 1024],
                ["Private", 19, 8192],
            ],
        );
        assert.deepStrictEqual(
            (vpc.outputs.subnets as any[]).map((s) => s.cidrBlock),
            Object.values(subnetsOf(plan.resources)).map(([cidr]) => cidr),
        );
    });

    it("creates what awsx creates, named as awsx names them: NAT and EIP in AZ 1 only for Single, one per AZ for OnePerAz", async () => {
        for (const [stack, azs, nats] of [
            ["dev", 2, 1],
            ["prod", 3, 3],
        ] as const) {
            const plan = await planFor(stack);
            const vpcName = `eks-platform-${stack}-vpc`;
            const names = (type: string) =>
                all(plan.resources, type)
                    .map((r) => r.name)
                    .sort();
            const perSubnet = Array.from({ length: azs }, (_, i) => [`${vpcName}-private-${i + 1}`, `${vpcName}-public-${i + 1}`])
                .flat()
                .sort();
            const perNat = Array.from({ length: nats }, (_, i) => `${vpcName}-${i + 1}`);
            assert.deepStrictEqual(names("aws:ec2/vpc:Vpc"), [vpcName]);
            assert.deepStrictEqual(names("aws:ec2/internetGateway:InternetGateway"), [vpcName]);
            for (const type of ["aws:ec2/routeTable:RouteTable", "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/route:Route"]) {
                assert.deepStrictEqual(names(type), perSubnet, type);
            }
            assert.deepStrictEqual(names("aws:ec2/natGateway:NatGateway"), perNat);
            assert.deepStrictEqual(names("aws:ec2/eip:Eip"), perNat);
            const publicSubnetIds = one(plan.resources, "awsx:ec2:Vpc").outputs.publicSubnetIds as string[];
            for (const nat of all(plan.resources, "aws:ec2/natGateway:NatGateway"))
                assert.ok(publicSubnetIds.includes(nat.inputs.subnetId as string), `${nat.name} is not in a public subnet`);
            // public subnets route to the internet gateway, private ones to their NAT (the only one, in dev)
            const routes = all(plan.resources, "aws:ec2/route:Route");
            for (const r of routes.filter((x) => x.name.includes("-public-"))) assert.match(String(r.inputs.gatewayId), /^igw-/);
            const natOfRoute = routes.filter((x) => x.name.includes("-private-")).map((r) => r.inputs.natGatewayId);
            assert.strictEqual(new Set(natOfRoute).size, nats);
            // inside the component, on the stack's explicit AWS provider
            const vpcUrn = one(plan.resources, "awsx:ec2:Vpc").urn;
            assert.strictEqual(
                plan.resources.filter((x) => x.modeled && x.parent === vpcUrn).length,
                names("aws:ec2/subnet:Subnet").length * 4 + perNat.length * 2 + 2,
            );
            const provider = one(plan.resources, "pulumi:providers:aws").urn;
            for (const r of plan.resources.filter((x) => x.modeled && x.parent === vpcUrn)) {
                assert.ok(r.provider.startsWith(`${provider}::`), `${r.type} ${r.name} uses ${r.provider || "the default provider"}`);
            }
        }
    });

    it("tags each subnet with the VPC's tags, its spec's tags, awsx's Name and SubnetType", async () => {
        const plan = await planFor("dev");
        const subnet = plan.resources.find((r) => r.type === "aws:ec2/subnet:Subnet" && r.name === "eks-platform-dev-vpc-private-2")!;
        assert.deepStrictEqual(subnet.inputs.tags, {
            Name: "eks-platform-dev-vpc-private-2",
            SubnetType: "Private",
            "kubernetes.io/role/internal-elb": "1",
            "kubernetes.io/cluster/eks-platform-dev": "shared",
            "karpenter.sh/discovery": "eks-platform-dev",
        });
        const vpcUrn = plan.resources.find((r) => r.type === "aws:ec2/vpc:Vpc")!.urn;
        assert.ok(subnet.dependencies.includes(vpcUrn), "a subnet waits for its VPC");
    });

    it("refuses the old masks (public /22 + private /19 of a /16) in 5 and 6 AZs with awsx's message", async () => {
        for (const [azs, size] of [
            [5, 8192],
            [6, 8192],
        ]) {
            const { failures } = await attemptIn(
                "us-east-1",
                () =>
                    new awsx.ec2.Vpc("old", {
                        cidrBlock: "10.0.0.0/16",
                        numberOfAvailabilityZones: azs,
                        subnetStrategy: "Auto",
                        natGateways: { strategy: "OnePerAz" },
                        subnetSpecs: [
                            { type: "Public", cidrMask: 22 },
                            { type: "Private", cidrMask: 19 },
                        ],
                    }),
            );
            assert.deepStrictEqual(
                failures.map((f) => f.message),
                [`Subnets are too large for VPC. VPC has ${size} addresses, but subnets require 9216 addresses.`],
            );
        }
        // the smallest VPC the old config allowed: /20 with public /26 + private /23
        const { failures } = await attemptIn(
            "us-east-1",
            () =>
                new awsx.ec2.Vpc("old20", {
                    cidrBlock: "10.0.0.0/20",
                    numberOfAvailabilityZones: 6,
                    subnetStrategy: "Auto",
                    subnetSpecs: [
                        { type: "Public", cidrMask: 26 },
                        { type: "Private", cidrMask: 23 },
                    ],
                }),
        );
        assert.deepStrictEqual(
            failures.map((f) => f.message),
            ["Subnets are too large for VPC. VPC has 512 addresses, but subnets require 576 addresses."],
        );
    });

    it("refuses more AZs than the region has, as awsx's AZ lookup does (ap-northeast-2 has 4)", async () => {
        const { failures } = await attempt(() => new Network("wide", { vpcCidr: "10.0.0.0/16", azCount: 5, natStrategy: "onePerAz", clusterName: "c" }));
        assert.deepStrictEqual(
            failures.map((f) => f.message),
            [
                "The configured region for this provider does not have at least 5 Availability Zones. Either specify an explicit list of zones in availabilityZoneNames or choose a region with at least 5 AZs.",
            ],
        );
    });

    it("follows awsx's own test vectors (awsx/ec2/subnetDistributorNew.test.ts)", () => {
        const layout = (cidr: string, specs?: any[], azCidrMask?: number) =>
            awsxSubnetLayout({
                vpcName: "vpcName",
                vpcCidr: cidr,
                azNames: ["us-east-1a"],
                subnetSpecs: specs,
                natStrategy: "None",
                availabilityZoneCidrMask: azCidrMask,
            });
        // "can override az cidr mask"
        assert.strictEqual(layout("10.0.0.0/16", [{ type: "Public" }], 19)[0].cidrBlock, "10.0.0.0/19");
        // "/%i AZ creates single private & public with staggered sizes" (listed public first, as awsx creates them)
        for (const prefix of [16, 20, 24]) {
            assert.deepStrictEqual(
                layout(`10.0.0.0/${prefix}`).map((s) => [s.type, Number(s.cidrBlock.split("/")[1])]),
                [
                    ["Public", prefix + 2],
                    ["Private", prefix + 1],
                ],
            );
        }
        // "should use whole space if there's only one subnet and VPC is small"
        assert.strictEqual(layout("10.0.0.0/26", [{ type: "Private" }])[0].cidrBlock, "10.0.0.0/26");
        // "fails for larger than /26" (the default layout)
        assert.throws(
            () => layout("10.0.0.0/27"),
            /Automatic subnet creation requires a VPC with at least \/26 available per AZ, but only \/27 is available\./,
        );
    });
});

describe("Network subnet masks", () => {
    it("fit awsx's allocation for every VPC prefix and AZ count the config accepts, and keep dev's and prod's layout", () => {
        assert.deepStrictEqual(subnetMasks("10.10.0.0/16", 2), { private: 19, public: 22 });
        assert.deepStrictEqual(subnetMasks("10.20.0.0/16", 3), { private: 19, public: 22 });
        for (let prefix = 16; prefix <= 28; prefix++) {
            for (let azs = 1; azs <= 6; azs++) {
                const cidr = `10.0.0.0/${prefix}`;
                if (networkProblems(cidr, azs).length > 0) continue;
                const masks = subnetMasks(cidr, azs);
                assert.ok(masks.public <= ALB_MIN_SUBNET_MASK, `${cidr} x ${azs}: public /${masks.public}`);
                const subnets = awsxSubnetLayout({
                    vpcName: "v",
                    vpcCidr: cidr,
                    azNames: Array.from({ length: azs }, (_, i) => `az${i}`),
                    subnetSpecs: [
                        { type: "Public", cidrMask: masks.public },
                        { type: "Private", cidrMask: masks.private },
                    ],
                });
                assert.strictEqual(subnets.length, 2 * azs);
            }
        }
    });

    it("the accepted range: /16-/20 with up to 6 AZs, /21 with up to 4; the ALB or EC2 refuses what is smaller", () => {
        const accepted = (prefix: number) => [1, 2, 3, 4, 5, 6].filter((azs) => networkProblems(`10.0.0.0/${prefix}`, azs).length === 0);
        for (const prefix of [16, 17, 18, 19, 20]) assert.deepStrictEqual(accepted(prefix), [1, 2, 3, 4, 5, 6], `/${prefix}`);
        assert.deepStrictEqual(accepted(21), [1, 2, 3, 4]);
        assert.deepStrictEqual(accepted(22), []);
        assert.match(networkProblems("10.0.0.0/21", 5)[0], /public subnets would be \/28: an Application Load Balancer needs subnets of at least \/27/);
        assert.match(networkProblems("10.0.0.0/23", 2)[0], /EC2 refuses subnet vpc-public-1: InvalidSubnet\.Range: The CIDR '10\.0\.0\.0\/29' is invalid\./);
        assert.match(networkProblems("10.0.0.0/26", 6)[0], /awsx refuses public \/33 \+ private \/30 subnets in 6 AZs: Invalid mask for ip4: 33/);
        assert.match(networkProblems("10.0.0.0/15", 2)[0], /InvalidVpc\.Range: The CIDR '10\.0\.0\.0\/15' is invalid/);
    });

    it("the model refuses exactly where networkProblems says awsx or EC2 would", async () => {
        // (an ALB that does not fit is the load balancer controller's failure later, not the Vpc's)
        const anyVpcName = (message: string) => message.replace(/subnet \S+-public-1:/, "subnet <vpc>-public-1:");
        for (const [cidr, azs] of [
            ["10.0.0.0/16", 6],
            ["10.0.0.0/20", 6],
            ["10.0.0.0/21", 5],
            ["10.0.0.0/23", 2],
            ["10.0.0.0/26", 4],
            ["10.0.0.0/26", 6],
        ] as const) {
            const { failures } = await attemptIn(
                "us-east-1",
                () => new Network("n", { vpcCidr: cidr, azCount: azs, natStrategy: "onePerAz", clusterName: "c" }),
            );
            const upstream = networkProblems(cidr, azs)
                .filter((p) => !p.includes("Application Load Balancer"))
                .map(anyVpcName);
            assert.strictEqual(failures.length, upstream.length, `${cidr} x ${azs}: ${failures.map((f) => f.message).join(", ")} vs ${upstream.join(", ")}`);
            for (const f of failures) assert.ok(upstream[0].endsWith(anyVpcName(f.message)), `${cidr} x ${azs}: ${f.message} vs ${upstream[0]}`);
        }
    });
});
