import * as assert from "assert";
import { ConfigError, parseConfig } from "../../config";
import { rawConfig } from "../helpers/harness";
import { networkProblems } from "../../components/network";

function problemsOf(raw: Record<string, string>, stack = "dev"): string[] {
    try {
        parseConfig(raw, "eks-platform", stack);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
        return [...err.problems];
    }
    assert.fail("config was accepted");
}

function assertRejected(raw: Record<string, string>, key: string, why: RegExp, stack = "dev"): void {
    const problems = problemsOf(raw, stack);
    assert.ok(problems.some((p) => p.startsWith(key) && why.test(p)), `no problem for ${key} matching ${why} in:\n${problems.join("\n")}`);
}

describe("config", () => {
    describe("defaults per environment", () => {
        it("dev is small: two AZs, one NAT, spot nodes", () => {
            const c = parseConfig(rawConfig("dev"), "eks-platform", "dev");
            assert.strictEqual(c.network.azCount, 2);
            assert.strictEqual(c.network.natStrategy, "single");
            assert.strictEqual(c.cluster.nodeGroup.capacityType, "SPOT");
            assert.strictEqual(c.cluster.name, "eks-platform-dev");
        });

        it("prod survives an AZ: three AZs, NAT per AZ, on-demand, more nodes, all control-plane logs", () => {
            const dev = parseConfig(rawConfig("dev"), "eks-platform", "dev");
            const prod = parseConfig(rawConfig("prod"), "eks-platform", "prod");
            assert.strictEqual(prod.network.azCount, 3);
            assert.strictEqual(prod.network.natStrategy, "onePerAz");
            assert.strictEqual(prod.cluster.nodeGroup.capacityType, "ON_DEMAND");
            assert.ok(prod.cluster.nodeGroup.minSize > dev.cluster.nodeGroup.minSize);
            assert.deepStrictEqual([...prod.cluster.logTypes].sort(), ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
        });

        it("environment defaults to the stack name", () => {
            const c = parseConfig(rawConfig("prod", { "platform:environment": undefined }), "eks-platform", "prod");
            assert.strictEqual(c.environment, "prod");
        });

        it("parses structured values the way Pulumi passes them (JSON strings)", () => {
            const c = parseConfig(rawConfig("dev", {
                "cluster:instanceTypes": '["m6i.large"]',
                "cluster:minSize": "2", "cluster:desiredSize": "2", "cluster:maxSize": "5",
                "platform:tags": '{"Team":"core"}',
            }), "eks-platform", "dev");
            assert.deepStrictEqual(c.cluster.nodeGroup.instanceTypes, ["m6i.large"]);
            assert.strictEqual(c.cluster.nodeGroup.maxSize, 5);
            assert.strictEqual(c.tags.Team, "core");
            assert.strictEqual(c.tags.Environment, "dev");
        });

        it("returns a frozen object", () => {
            const c = parseConfig(rawConfig("dev"), "eks-platform", "dev");
            assert.ok(Object.isFrozen(c) && Object.isFrozen(c.cluster.nodeGroup) && Object.isFrozen(c.cluster.nodeGroup.instanceTypes));
        });
    });

    describe("bad config", () => {
        it("rejects an invalid CIDR and one with host bits set", () => {
            assertRejected(rawConfig("dev", { "network:vpcCidr": "10.0.0.0/33" }), "network:vpcCidr", /not an IPv4 CIDR/);
            assertRejected(rawConfig("dev", { "network:vpcCidr": "300.1.0.0/16" }), "network:vpcCidr", /not an IPv4 CIDR/);
            assertRejected(rawConfig("dev", { "network:vpcCidr": "10.0.1.0/16" }), "network:vpcCidr", /host bits/);
        });

        it("rejects fewer than 2 AZs, and fewer than 3 in prod", () => {
            assertRejected(rawConfig("dev", { "network:azCount": "1" }), "network:azCount", /below the 2/);
            assertRejected(rawConfig("prod", { "network:azCount": "2" }), "network:azCount", /below the 3/, "prod");
        });

        it("rejects a single NAT in prod", () => {
            assertRejected(rawConfig("prod", { "network:natStrategy": "single" }), "network:natStrategy", /onePerAz/, "prod");
        });

        it("rejects node group sizes that are not min <= desired <= max", () => {
            assertRejected(rawConfig("dev", { "cluster:minSize": "3", "cluster:desiredSize": "2", "cluster:maxSize": "1" }), "cluster:minSize/desiredSize/maxSize", /3 \/ 2 \/ 1/);
            assertRejected(rawConfig("dev", { "cluster:desiredSize": "9", "cluster:maxSize": "4" }), "cluster:minSize/desiredSize/maxSize", /min <= desired <= max/);
        });

        it("rejects empty or malformed instance types", () => {
            assertRejected(rawConfig("dev", { "cluster:instanceTypes": "[]" }), "cluster:instanceTypes", /empty/);
            assertRejected(rawConfig("dev", { "cluster:instanceTypes": "t3.large" }), "cluster:instanceTypes", /JSON list/);
            assertRejected(rawConfig("dev", { "cluster:instanceTypes": '["large"]' }), "cluster:instanceTypes", /not an EC2 instance type/);
        });

        it("rejects an unknown environment", () => {
            assertRejected(rawConfig("dev", { "platform:environment": "staging" }), "platform:environment", /unknown environment "staging"/);
            assertRejected(rawConfig("dev", { "platform:environment": undefined }), "platform:environment", /unknown environment "qa"/, "qa");
        });

        it("rejects a domain that is not a domain, and a missing domain or zone", () => {
            assertRejected(rawConfig("dev", { "dns:domain": "not a domain" }), "dns:domain", /not a domain name/);
            assertRejected(rawConfig("dev", { "dns:domain": "localhost" }), "dns:domain", /not a domain name/);
            assertRejected(rawConfig("dev", { "dns:domain": undefined }), "dns:domain", /required/);
            assertRejected(rawConfig("dev", { "dns:hostedZoneId": undefined }), "dns:hostedZoneId", /required/);
            assertRejected(rawConfig("dev", { "dns:hostedZoneId": "example.com" }), "dns:hostedZoneId", /hosted zone id/);
        });

        it("accepts any valid CIDR list for the API endpoint (an open prod endpoint is a policy violation, see tests/policy)", () => {
            assertRejected(rawConfig("dev", { "cluster:publicAccessCidrs": '["203.0.113.0/33"]' }), "cluster:publicAccessCidrs", /not an IPv4 CIDR/);
            const prod = parseConfig(rawConfig("prod", { "cluster:publicAccessCidrs": '["0.0.0.0/0"]' }), "eks-platform", "prod");
            assert.deepStrictEqual(prod.cluster.publicAccessCidrs, ["0.0.0.0/0"]);
        });

        it("rejects an unsupported Kubernetes version, bad ARNs and a missing region", () => {
            assertRejected(rawConfig("dev", { "cluster:version": "1.20" }), "cluster:version", /not a Kubernetes version EKS supports/);
            assertRejected(rawConfig("dev", { "cluster:adminPrincipalArns": '["admin"]' }), "cluster:adminPrincipalArns", /not an IAM role or user ARN/);
            assertRejected(rawConfig("dev", { "aws:region": undefined }), "aws:region", /required/);
        });

        it("needs the CI/CD settings each environment relies on", () => {
            assertRejected(rawConfig("dev", { "cicd:gitRepoUrl": undefined }), "cicd:gitRepoUrl", /required where Jenkins runs/);
            assertRejected(rawConfig("dev", { "cicd:gitRepoUrl": "github.com/x" }), "cicd:gitRepoUrl", /not an https/);
            assertRejected(rawConfig("dev", { "cicd:stateBackendUrl": "file://~" }), "cicd:stateBackendUrl", /not an s3:\/\/bucket URL/);
            assertRejected(rawConfig("prod", { "cicd:trustedDeployerArns": undefined }), "cicd:trustedDeployerArns", /runs no Jenkins/, "prod");
            assertRejected(rawConfig("dev", { "cicd:promoteTo": '{"stack":"prod"}' }), "cicd:promoteTo", /deployRoleArn/);
            const prod = parseConfig(rawConfig("prod"), "eks-platform", "prod");
            assert.strictEqual(prod.cicd.jenkins, false);
            assert.strictEqual(parseConfig(rawConfig("dev"), "eks-platform", "dev").cicd.jenkins, true);
        });

        it("refuses the image tag latest and bad replica bounds", () => {
            assertRejected(rawConfig("dev", { "app:imageTag": "latest" }), "app:imageTag", /immutable/);
            assertRejected(rawConfig("dev", { "app:minReplicas": "5", "app:maxReplicas": "2" }), "app:minReplicas/maxReplicas", /above max/);
            assertRejected(rawConfig("prod", { "app:minReplicas": "1" }), "app:minReplicas", /at least 2/, "prod");
        });

        it("rejects a misspelt key instead of ignoring it", () => {
            assertRejected(rawConfig("dev", { "cluster:desiredSzie": "3" }), "cluster:desiredSzie", /not a setting this program reads/);
        });

        it("names every bad key in one message", () => {
            const raw = rawConfig("prod", { "network:vpcCidr": "nope", "network:azCount": "2", "cluster:instanceTypes": "[]", "dns:domain": "x" });
            assert.throws(() => parseConfig(raw, "eks-platform", "prod"), (err: Error) => {
                for (const key of ["network:vpcCidr", "network:azCount", "cluster:instanceTypes", "dns:domain"]) {
                    assert.ok(err.message.includes(key), `message does not name ${key}:\n${err.message}`);
                }
                assert.match(err.message, /invalid configuration for stack "prod"/);
                return true;
            });
        });
    });
});

describe("config: network (what awsx and AWS accept)", () => {
    const dev = (overrides: Record<string, string>) => rawConfig("dev", overrides);
    const accepts = (raw: Record<string, string>, stack = "dev") => assert.doesNotThrow(() => parseConfig(raw, "eks-platform", stack));

    it("refuses, under network:vpcCidr/azCount, what awsx, EC2 or the ALB would refuse, with their reason", () => {
        const both = "network:vpcCidr/azCount";
        assertRejected(dev({ "network:vpcCidr": "10.0.0.0/22", "network:azCount": "2" }), both, /public subnets would be \/28: an Application Load Balancer needs subnets of at least \/27/);
        assertRejected(dev({ "network:vpcCidr": "10.0.0.0/23", "network:azCount": "2" }), both, /InvalidSubnet\.Range: The CIDR '10\.0\.0\.0\/29' is invalid/);
        assertRejected(dev({ "aws:region": "us-east-1", "network:vpcCidr": "10.0.0.0/26", "network:azCount": "6" }), both, /awsx refuses public \/33 \+ private \/30 subnets in 6 AZs: Invalid mask for ip4: 33/);
        assertRejected(dev({ "aws:region": "us-east-1", "network:vpcCidr": "10.0.0.0/21", "network:azCount": "5" }), both, /Application Load Balancer/);
        assertRejected(dev({ "network:vpcCidr": "10.0.0.0/15" }), "network:vpcCidr", /InvalidVpc\.Range: The CIDR '10\.0\.0\.0\/15' is invalid/);
        assertRejected(dev({ "network:vpcCidr": "010.0.0.0/16" }), "network:vpcCidr", /must be written as 10\.0\.0\.0\/16/);
    });

    it("accepts everything awsx accepts at the boundaries: /21 with 4 AZs, /20 with 6, /16 with 6", () => {
        accepts(dev({ "network:vpcCidr": "10.0.0.0/21", "network:azCount": "4" }));
        accepts(dev({ "network:vpcCidr": "10.0.0.0/16", "network:azCount": "4" }));
        accepts(dev({ "aws:region": "us-east-1", "network:vpcCidr": "10.0.0.0/20", "network:azCount": "6" }));
        accepts(dev({ "aws:region": "us-east-1", "network:vpcCidr": "10.0.0.0/16", "network:azCount": "6" }));
    });

    it("agrees with networkProblems over every prefix and AZ count (the one implementation)", () => {
        for (let prefix = 16; prefix <= 28; prefix++) {
            for (let azs = 2; azs <= 6; azs++) {
                const cidr = `10.0.0.0/${prefix}`;
                const raw = dev({ "aws:region": "us-east-1", "network:vpcCidr": cidr, "network:azCount": String(azs) });
                let refused: string[] = [];
                try { parseConfig(raw, "eks-platform", "dev"); } catch (err) { refused = [...(err as ConfigError).problems]; }
                assert.deepStrictEqual(refused, networkProblems(cidr, azs).map((p) => `network:vpcCidr/azCount: ${p}`), `${cidr} x ${azs}`);
            }
        }
    });

    it("refuses more AZs than the region has, naming the region's AZs and the table's source", () => {
        assertRejected(dev({ "network:azCount": "5" }), "network:azCount", /ap-northeast-2 has 4 AZs \(ap-northeast-2a, ap-northeast-2b, ap-northeast-2c, ap-northeast-2d; components\/region-azs\.ts/);
        // prod's default of 3 AZs does not fit us-west-1
        assertRejected(rawConfig("prod", { "aws:region": "us-west-1" }), "network:azCount", /us-west-1 has 2 AZs .*fewer than 3/, "prod");
        accepts(dev({ "network:azCount": "4" }));
    });

    it("accepts an AZ count in a region the table does not hold, saying it cannot check it", () => {
        const log = require("@pulumi/pulumi/log") as { warn: (msg: string) => Promise<void> };
        const original = log.warn;
        const warned: string[] = [];
        log.warn = (msg: string) => { warned.push(msg); return Promise.resolve(); };
        try {
            accepts(dev({ "aws:region": "mx-central-1", "network:azCount": "6" }));
        } finally {
            log.warn = original;
        }
        assert.deepStrictEqual(warned.filter((w) => w.startsWith("network:azCount")).length, 1, warned.join("\n"));
        assert.match(warned[0], /cannot check 6 AZs against mx-central-1/);
    });

    it("refuses a VPC CIDR outside the RFC 1918 private ranges", () => {
        for (const cidr of ["172.32.0.0/16", "100.64.0.0/16", "11.0.0.0/16", "192.169.0.0/16"]) {
            assertRejected(dev({ "network:vpcCidr": cidr }), "network:vpcCidr", /is not inside an RFC 1918 private range \(10\.0\.0\.0\/8, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16\)/);
        }
        for (const cidr of ["10.255.0.0/16", "172.16.0.0/16", "172.31.0.0/16", "192.168.0.0/16"]) accepts(dev({ "network:vpcCidr": cidr }));
    });
});
