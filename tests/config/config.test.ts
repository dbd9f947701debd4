import * as assert from "assert";
import { ConfigError, parseConfig } from "../../config";
import { evaluate, readStackConfig } from "../../offline/plan";
import { captureWarnings, rawConfig } from "../helpers/harness";
import { networkProblems } from "../../components/network";

function problemsOf(raw: Record<string, string>, stack = "dev"): string[] {
    try {
        parseConfig(raw, "eks-platform", stack);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
        return [...err.problems];
    }
    assert.fail("config was accepted");
}

function assertRejected(raw: Record<string, string>, key: string, why: RegExp, stack = "dev"): void {
    const problems = problemsOf(raw, stack);
    assert.ok(
        problems.some((p) => p.startsWith(key) && why.test(p)),
        `no problem for ${key} matching ${why} in:\n${problems.join("\n")}`,
    );
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

        it("prod survives an AZ: three AZs, NAT per AZ, on-demand system nodes, all control-plane logs", () => {
            const prod = parseConfig(rawConfig("prod"), "eks-platform", "prod");
            assert.strictEqual(prod.network.azCount, 3);
            assert.strictEqual(prod.network.natStrategy, "onePerAz");
            assert.strictEqual(prod.cluster.nodeGroup.capacityType, "ON_DEMAND");
            assert.deepStrictEqual([...prod.cluster.logTypes].sort(), ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
        });

        for (const env of ["dev", "prod"] as const) {
            it(`${env}'s node group defaults are the system group its stack file sets (Karpenter runs the rest)`, () => {
                const stackFile = readStackConfig(env).values;
                const defaults = parseConfig(rawConfig(env), "eks-platform", env).cluster.nodeGroup;
                const committed = parseConfig(
                    rawConfig(
                        env,
                        Object.fromEntries(
                            Object.entries(stackFile).filter(([k]) => /^cluster:(instanceTypes|capacityType|minSize|desiredSize|maxSize|diskSizeGiB)$/.test(k)),
                        ),
                    ),
                    "eks-platform",
                    env,
                ).cluster.nodeGroup;
                assert.deepStrictEqual(defaults, committed);
            });
        }

        it("environment defaults to the stack name", () => {
            const c = parseConfig(rawConfig("prod", { "platform:environment": undefined }), "eks-platform", "prod");
            assert.strictEqual(c.environment, "prod");
        });

        it("parses structured values the way Pulumi passes them (JSON strings)", () => {
            const c = parseConfig(
                rawConfig("dev", {
                    "cluster:instanceTypes": '["m6i.large"]',
                    "cluster:minSize": "2",
                    "cluster:desiredSize": "2",
                    "cluster:maxSize": "5",
                    "platform:tags": '{"Team":"core"}',
                }),
                "eks-platform",
                "dev",
            );
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
            assertRejected(
                rawConfig("dev", { "cluster:minSize": "3", "cluster:desiredSize": "2", "cluster:maxSize": "1" }),
                "cluster:minSize/desiredSize/maxSize",
                /3 \/ 2 \/ 1/,
            );
            assertRejected(
                rawConfig("dev", { "cluster:desiredSize": "9", "cluster:maxSize": "4" }),
                "cluster:minSize/desiredSize/maxSize",
                /min <= desired <= max/,
            );
        });

        it("rejects empty or malformed instance types", () => {
            assertRejected(rawConfig("dev", { "cluster:instanceTypes": "[]" }), "cluster:instanceTypes", /empty/);
            assertRejected(rawConfig("dev", { "cluster:instanceTypes": "t3.large" }), "cluster:instanceTypes", /JSON list/);
            assertRejected(rawConfig("dev", { "cluster:instanceTypes": '["large"]' }), "cluster:instanceTypes", /not an EC2 instance type/);
        });

        it("rejects an unknown environment", () => {
            // staging is a profile now (config/profiles.ts); the message lists them.
            assertRejected(
                rawConfig("dev", { "platform:environment": "test" }),
                "platform:environment",
                /unknown environment "test": set it to one of dev, staging, prod/,
            );
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
            // Jenkins' settings are one optional group: present exactly where Jenkins runs.
            assert.strictEqual(prod.cicd.jenkins, undefined);
            assert.strictEqual(
                parseConfig(rawConfig("dev"), "eks-platform", "dev").cicd.jenkins?.gitRepoUrl,
                "https://github.com/example-org/eks-platform.git",
            );
        });

        it("refuses the app stack's keys, saying where they belong, and app:keepImages, saying where it moved", () => {
            for (const key of ["app:imageTag", "app:minReplicas", "app:maxReplicas", "app:logLevel"]) {
                assertRejected(rawConfig("dev", { [key]: "3" }), key, /is the app stack's setting: set it in appstack\/Pulumi\.<stack>\.yaml/);
            }
            assertRejected(rawConfig("dev", { "app:keepImages": "10" }), "app:keepImages", /moved to registry:keepImages/);
            assert.strictEqual(parseConfig(rawConfig("dev", { "registry:keepImages": "10" }), "eks-platform", "dev").registry.keepImages, 10);
        });

        it("rejects a misspelt key instead of ignoring it", () => {
            assertRejected(rawConfig("dev", { "cluster:desiredSzie": "3" }), "cluster:desiredSzie", /not a setting this program reads/);
        });

        it("names every bad key in one message", () => {
            const raw = rawConfig("prod", { "network:vpcCidr": "nope", "network:azCount": "2", "cluster:instanceTypes": "[]", "dns:domain": "x" });
            assert.throws(
                () => parseConfig(raw, "eks-platform", "prod"),
                (err: Error) => {
                    for (const key of ["network:vpcCidr", "network:azCount", "cluster:instanceTypes", "dns:domain"]) {
                        assert.ok(err.message.includes(key), `message does not name ${key}:\n${err.message}`);
                    }
                    assert.match(err.message, /invalid configuration for stack "prod"/);
                    return true;
                },
            );
        });
    });
});

describe("config: network (what awsx and AWS accept)", () => {
    const dev = (overrides: Record<string, string>) => rawConfig("dev", overrides);
    const accepts = (raw: Record<string, string>, stack = "dev") => assert.doesNotThrow(() => parseConfig(raw, "eks-platform", stack));

    it("refuses, under network:vpcCidr/azCount, what awsx, EC2 or the ALB would refuse, with their reason", () => {
        const both = "network:vpcCidr/azCount";
        assertRejected(
            dev({ "network:vpcCidr": "10.0.0.0/22", "network:azCount": "2" }),
            both,
            /public subnets would be \/28: an Application Load Balancer needs subnets of at least \/27/,
        );
        assertRejected(dev({ "network:vpcCidr": "10.0.0.0/23", "network:azCount": "2" }), both, /InvalidSubnet\.Range: The CIDR '10\.0\.0\.0\/29' is invalid/);
        assertRejected(
            dev({ "aws:region": "us-east-1", "network:vpcCidr": "10.0.0.0/26", "network:azCount": "6" }),
            both,
            /awsx refuses public \/33 \+ private \/30 subnets in 6 AZs: Invalid mask for ip4: 33/,
        );
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
                try {
                    parseConfig(raw, "eks-platform", "dev");
                } catch (err) {
                    refused = [...(err as ConfigError).problems];
                }
                assert.deepStrictEqual(
                    refused,
                    networkProblems(cidr, azs).map((p) => `network:vpcCidr/azCount: ${p}`),
                    `${cidr} x ${azs}`,
                );
            }
        }
    });

    it("refuses more AZs than the region has, naming the region's AZs and the table's source", () => {
        assertRejected(
            dev({ "network:azCount": "5" }),
            "network:azCount",
            /ap-northeast-2 has 4 AZs \(ap-northeast-2a, ap-northeast-2b, ap-northeast-2c, ap-northeast-2d; components\/network\/region-azs\.ts/,
        );
        // prod's default of 3 AZs does not fit us-west-1
        assertRejected(rawConfig("prod", { "aws:region": "us-west-1" }), "network:azCount", /us-west-1 has 2 AZs .*fewer than 3/, "prod");
        accepts(dev({ "network:azCount": "4" }));
    });

    it("accepts an AZ count in a region the table does not hold, saying it cannot check it", () => {
        const warned = captureWarnings(() => accepts(dev({ "aws:region": "mx-central-1", "network:azCount": "6" })));
        assert.deepStrictEqual(warned.filter((w) => w.startsWith("network:azCount")).length, 1, warned.join("\n"));
        assert.match(warned[0], /cannot check 6 AZs against mx-central-1/);
    });

    it("refuses a VPC CIDR outside the RFC 1918 private ranges", () => {
        for (const cidr of ["172.32.0.0/16", "100.64.0.0/16", "11.0.0.0/16", "192.169.0.0/16"]) {
            assertRejected(
                dev({ "network:vpcCidr": cidr }),
                "network:vpcCidr",
                /is not inside an RFC 1918 private range \(10\.0\.0\.0\/8, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16\)/,
            );
        }
        for (const cidr of ["10.255.0.0/16", "172.16.0.0/16", "172.31.0.0/16", "192.168.0.0/16"]) accepts(dev({ "network:vpcCidr": cidr }));
    });
});

describe("config hardening: inputs AWS or Pulumi would reject later, or silently misread", () => {
    const tags = (t: Record<string, string>) => rawConfig("dev", { "platform:tags": JSON.stringify(t) });
    const promotion = (p: Partial<Record<"stack" | "deployRoleArn" | "repositoryUrl" | "appUrl", string>>) =>
        rawConfig("dev", {
            "cicd:promoteApprovers": '["admin"]',
            "cicd:promoteTo": JSON.stringify({
                stack: "prod",
                deployRoleArn: "arn:aws:iam::111122223333:role/eks-platform-prod-deploy",
                repositoryUrl: "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/eks-platform-prod/app",
                appUrl: "https://app.platform.example.com",
                ...p,
            }),
        });

    it("refuses an STS assumed-role ARN as admin principal or trusted deployer: access entries and trust policies take the role", () => {
        const session = "arn:aws:sts::111122223333:assumed-role/PlatformAdmin/alice";
        assertRejected(
            rawConfig("dev", { "cluster:adminPrincipalArns": JSON.stringify([session]) }),
            "cluster:adminPrincipalArns",
            /STS session.*arn:aws:iam::111122223333:role\/PlatformAdmin/,
        );
        assertRejected(rawConfig("prod", { "cicd:trustedDeployerArns": JSON.stringify([session]) }), "cicd:trustedDeployerArns", /STS session/, "prod");
    });

    it("refuses a principal from another partition than the stack's region", () => {
        assertRejected(
            rawConfig("dev", { "cluster:adminPrincipalArns": '["arn:aws-cn:iam::111122223333:role/PlatformAdmin"]' }),
            "cluster:adminPrincipalArns",
            /partition aws-cn.*region is in aws/,
        );
        const cn = parseConfig(
            rawConfig("dev", { "aws:region": "cn-north-1", "cluster:adminPrincipalArns": '["arn:aws-cn:iam::111122223333:role/PlatformAdmin"]' }),
            "eks-platform",
            "dev",
        );
        assert.deepStrictEqual(cn.cluster.adminPrincipalArns, ["arn:aws-cn:iam::111122223333:role/PlatformAdmin"]);
    });

    // With matrix-auth every logged-in user is in "authenticated": as a submitter it lets anyone approve a promotion.
    it("refuses Jenkins' built-in groups as promotion approvers", () => {
        for (const group of ["authenticated", "Anonymous"]) {
            assertRejected(
                rawConfig("dev", { "cicd:promoteApprovers": JSON.stringify([group]) }),
                "cicd:promoteApprovers",
                /is a built-in group \(every user or none\)/,
            );
        }
    });

    it("refuses tags with the reserved aws: prefix, in any case", () => {
        assertRejected(tags({ "AWS:team": "core" }), "platform:tags", /"AWS:team": the aws: prefix is reserved/);
    });

    it("refuses tag keys over 128 and values over 256 characters", () => {
        assertRejected(tags({ ["k".repeat(129)]: "v" }), "platform:tags", /keys are 1 to 128 characters/);
        assertRejected(tags({ Team: "v".repeat(257) }), "platform:tags", /257 characters, AWS allows 256/);
        assert.doesNotThrow(() => parseConfig(tags({ ["k".repeat(128)]: "v".repeat(256) }), "eks-platform", "dev"));
    });

    it("refuses characters AWS or the EBS CSI add-on's volume-tag schema does not allow in tags", () => {
        assertRejected(tags({ "team#1": "core" }), "platform:tags", /only ASCII letters, digits, spaces and _ \. : \/ = \+ - @/);
        assertRejected(tags({ Team: "core<script>" }), "platform:tags", /only ASCII letters/);
        // AWS takes Unicode letters, but the tags also become controller.extraVolumeTags, whose schema does not.
        assertRejected(tags({ "cost-center/é": "x" }), "platform:tags", /only ASCII letters/);
        assert.doesNotThrow(() => parseConfig(tags({ "cost-center/e": "a b_c.d:e/f=g+h-i@j" }), "eks-platform", "dev"));
    });

    it("refuses more tags than fit beside the ones the program adds (50 per resource)", () => {
        const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
        assertRejected(tags(many(43)), "platform:tags", /43 tags: AWS allows 50 per resource and the program adds up to 8.*at most 42/);
        assert.doesNotThrow(() => parseConfig(tags(many(42)), "eks-platform", "dev"));
    });

    it("refuses user tags the program would silently replace", () => {
        for (const key of ["Environment", "Project", "Stack", "ManagedBy", "environment", "Name", "SubnetType"]) {
            assertRejected(tags({ [key]: "x" }), "platform:tags", new RegExp(`"${key}": the program sets`));
        }
    });

    it("refuses a typo outside the known namespaces, and a bare key (Pulumi files it under the project)", () => {
        assertRejected(rawConfig("dev", { "clustr:minSize": "2" }), "clustr:minSize", /"clustr" is not a namespace.*did you mean cluster:minSize/);
        assertRejected(rawConfig("dev", { "eks-platform:minSize": "2" }), "eks-platform:minSize", /belongs to the project.*did you mean cluster:minSize/);
    });

    it("knows the AWS provider's keys: a typo is refused, a real key is accepted and handed to the program's provider", () => {
        assertRejected(rawConfig("dev", { "aws:regoin": "ap-northeast-2" }), "aws:regoin", /not a setting of the AWS provider/);
        assertRejected(rawConfig("dev", { "aws:assumeRole": '{"roleArn":"x"}' }), "aws:assumeRole", /not a setting of the AWS provider.*assumeRoles/);
        assertRejected(rawConfig("dev", { "aws:defaultTags": '{"tags":{"a":"b"}}' }), "aws:defaultTags", /platform:tags/);
        assertRejected(rawConfig("dev", { "aws:maxRetries": "many" }), "aws:maxRetries", /a whole number/);
        const c = parseConfig(
            rawConfig("dev", {
                "aws:profile": "platform",
                "aws:allowedAccountIds": '["111122223333"]',
                "aws:assumeRoles": '[{"roleArn":"arn:aws:iam::111122223333:role/deploy"}]',
            }),
            "eks-platform",
            "dev",
        );
        assert.deepStrictEqual(c.awsProvider, {
            profile: "platform",
            allowedAccountIds: ["111122223333"],
            assumeRoles: [{ roleArn: "arn:aws:iam::111122223333:role/deploy" }],
        });
    });

    it("aws: settings in the stack file reach the explicit AWS provider, which reads no stack config itself (pulumi/pulumi-aws#1307)", async () => {
        const config = readStackConfig("dev");
        config.values["aws:profile"] = "platform-dev";
        config.values["aws:allowedAccountIds"] = '["111122223333"]';
        const plan = await evaluate("dev", config);
        const provider = plan.resources.find((r) => r.type === "pulumi:providers:aws")!;
        assert.strictEqual(provider.inputs.profile, "platform-dev");
        assert.deepStrictEqual(JSON.parse(provider.inputs.allowedAccountIds as string), ["111122223333"]);
    });

    it("refuses kubernetes: keys: no default Kubernetes provider exists to read them", () => {
        assertRejected(rawConfig("dev", { "kubernetes:context": "prod" }), "kubernetes:context", /cluster's own provider/);
    });

    it("reads sizes only as plain decimal digits (Number() takes 0x4, 4e0 and spaces)", () => {
        for (const raw of ["0x4", "4e0", " 4", "4.0", "+4"]) {
            assertRejected(rawConfig("dev", { "cluster:maxSize": raw }), "cluster:maxSize", /plain decimal digits/);
        }
        assertRejected(rawConfig("dev", { "observability:errorRatio": "0x0" }), "observability:errorRatio", /decimal digits/);
    });

    it("refuses an explicitly empty value instead of falling back to the default", () => {
        assertRejected(rawConfig("dev", { "cluster:maxSize": "" }), "cluster:maxSize", /set but empty/);
        assertRejected(rawConfig("dev", { "observability:retention": " " }), "observability:retention", /set but empty/);
    });

    it("refuses prod with zero nodes", () => {
        assertRejected(rawConfig("prod", { "cluster:minSize": "0" }), "cluster:minSize", /prod cannot scale to zero/, "prod");
        assertRejected(rawConfig("prod", { "cluster:minSize": "0", "cluster:desiredSize": "0" }), "cluster:desiredSize", /zero nodes/, "prod");
        assert.strictEqual(parseConfig(rawConfig("dev", { "cluster:minSize": "0" }), "eks-platform", "dev").cluster.nodeGroup.minSize, 0);
    });

    it("refuses a retention of zero and beyond the bounds 1d..365d", () => {
        for (const raw of ["0d", "0h", "12h", "366d", "2y", "53w"]) {
            assertRejected(rawConfig("dev", { "observability:retention": raw }), "observability:retention", /outside 1d\.\.365d/);
        }
        for (const ok of ["24h", "1d", "52w", "1y", "365d"])
            assert.doesNotThrow(() => parseConfig(rawConfig("dev", { "observability:retention": ok }), "eks-platform", "dev"), ok);
    });

    it("checks the promotion target's stack name with the deploy CLI's rule", () => {
        assertRejected(promotion({ stack: "../prod" }), "cicd:promoteTo[0].stack", /not a stack name/);
        assertRejected(promotion({ stack: "a/b" }), "cicd:promoteTo[0].stack", /not a stack name/);
        assert.doesNotThrow(() => parseConfig(promotion({ stack: "acme/eks-platform/prod" }), "eks-platform", "dev"));
    });

    it("checks the promotion target's repository URL is an ECR repository of the stack's partition", () => {
        assertRejected(promotion({ repositoryUrl: "docker.io/library/app" }), "cicd:promoteTo[0].repositoryUrl", /not an ECR repository URL/);
        assertRejected(
            promotion({ repositoryUrl: "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/App" }),
            "cicd:promoteTo[0].repositoryUrl",
            /not an ECR repository URL/,
        );
        assertRejected(
            promotion({ repositoryUrl: "111122223333.dkr.ecr.cn-north-1.amazonaws.com/app" }),
            "cicd:promoteTo[0].repositoryUrl",
            /not an ECR repository URL/,
        );
        assertRejected(
            promotion({ repositoryUrl: "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/app" }),
            "cicd:promoteTo[0].repositoryUrl",
            /partition aws-cn/,
        );
        assertRejected(promotion({ deployRoleArn: "arn:aws:iam::111122223333:user/deployer" }), "cicd:promoteTo[0].deployRoleArn", /not an IAM role ARN/);
    });

    it("checks the promotion target's app URL is https with a valid host", () => {
        assertRejected(promotion({ appUrl: "http://app.platform.example.com" }), "cicd:promoteTo[0].appUrl", /not an https:\/\/ URL/);
        assertRejected(promotion({ appUrl: "https://app_platform" }), "cicd:promoteTo[0].appUrl", /not an https:\/\/ URL/);
        assertRejected(promotion({ appUrl: "https://user:pw@app.platform.example.com" }), "cicd:promoteTo[0].appUrl", /not an https:\/\/ URL/);
    });
});

describe("config: the cluster's version and admins (issue 10 items 3 and 7)", () => {
    it("refuses a Kubernetes minor that has no pinned add-on builds, naming where to add them", () => {
        assert.throws(
            () => parseConfig(rawConfig("dev", { "cluster:version": "1.36" }), "eks-platform", "dev"),
            /cluster:version: "1\.36" has no pinned EKS add-on builds \(components\/cluster\/addons\.ts lists 1\.33, 1\.34, 1\.35\)/,
        );
        assert.doesNotThrow(() => parseConfig(rawConfig("dev", { "cluster:version": "1.34" }), "eks-platform", "dev"));
    });

    it("refuses a cluster with no admin principal: with no bootstrap entry nobody could administer it", () => {
        assert.throws(
            () => parseConfig(rawConfig("dev", { "cluster:adminPrincipalArns": "[]" }), "eks-platform", "dev"),
            /cluster:adminPrincipalArns: is empty: list the IAM role or user you run `pulumi up` as/,
        );
    });

    describe("Day 2 settings", () => {
        it("prod refuses a stack whose alerts would reach nobody", () => {
            assertRejected(
                rawConfig("prod", { "observability:alertSlackChannel": undefined }),
                "observability:alertSlackChannel/alertEmailTo",
                /prod needs somewhere to send alerts/,
                "prod",
            );
            const email = {
                "observability:alertSlackChannel": undefined,
                "observability:alertEmailTo": "oncall@example.com",
                "observability:alertEmailFrom": "am@example.com",
                "observability:smtpSmarthost": "smtp.example.com:587",
            };
            assert.deepStrictEqual(parseConfig(rawConfig("prod", email), "eks-platform", "prod").observability.alerts.email, {
                to: "oncall@example.com",
                from: "am@example.com",
                smarthost: "smtp.example.com:587",
                username: undefined,
            });
        });

        it("names the missing email settings and a smarthost without a port", () => {
            assertRejected(
                rawConfig("dev", { "observability:alertEmailTo": "oncall@example.com" }),
                "observability:smtpSmarthost",
                /is required with observability:alertEmailTo/,
            );
            assertRejected(
                rawConfig("dev", {
                    "observability:alertEmailTo": "a@b.c",
                    "observability:alertEmailFrom": "d@e.f",
                    "observability:smtpSmarthost": "smtp.example.com",
                }),
                "observability:smtpSmarthost",
                /not host:port/,
            );
        });

        it("takes log retention only as CloudWatch Logs accepts it, and per-environment defaults", () => {
            assertRejected(rawConfig("dev", { "cluster:logRetentionDays": "10" }), "cluster:logRetentionDays", /not a retention CloudWatch Logs accepts/);
            const [dev, prod] = (["dev", "prod"] as const).map((e) => parseConfig(rawConfig(e), "eks-platform", e));
            assert.deepStrictEqual(
                [dev.cluster.logRetentionDays, prod.cluster.logRetentionDays, dev.backup.retentionDays, prod.backup.retentionDays],
                [14, 90, 7, 35],
            );
        });
    });
});
