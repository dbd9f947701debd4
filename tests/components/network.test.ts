import * as assert from "assert";
import { Network, subnetMasks, subnetTags } from "../../components/network";
import { one, record, valueOf } from "../helpers/harness";

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

    it("sizes private subnets for pod IPs and keeps six AZs inside the VPC", () => {
        assert.deepStrictEqual(subnetMasks("10.0.0.0/16"), { private: 19, public: 22 });
        for (const prefix of [16, 18, 20]) {
            const m = subnetMasks(`10.0.0.0/${prefix}`);
            const used = 6 * 2 ** (32 - m.private) + 6 * 2 ** (32 - m.public);
            assert.ok(used <= 2 ** (32 - prefix), `/${prefix}: six AZs need ${used} addresses`);
        }
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
