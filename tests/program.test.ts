/** The whole program (index.ts) evaluated per stack, the way `npm run plan` does it. */
import * as assert from "assert";
import { RULES } from "../policy/rules";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { evaluate, PLACEHOLDER_SECRET, Plan, PROJECT_DIR, readStackConfig } from "../offline/plan";
import { DeployGraph } from "../offline/preflight/graph";
import { RecordedResource } from "./helpers/harness";
import { planFor, runPlanCli } from "./helpers/plans";

function byType(plan: Plan, type: string): RecordedResource[] {
    return plan.resources.filter((r) => r.type === type);
}

/** Succeeded, or failed only on preflight findings (tests/preflight covers those; the committed stacks still have some). */
function assertPlannedExceptPreflight(res: ReturnType<typeof runPlanCli>): void {
    assert.ok(res.status === 0 || (res.status === 1 && /\npreflight problems \(\d+\):\n/.test(res.stderr)), res.stderr);
    assert.doesNotMatch(res.stderr, /policy violations|plan failed/);
}

describe("program (index.ts) per stack", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: evaluates offline with no default provider anywhere`, async () => {
            const plan = await planFor(stack);
            assert.ok(plan.resources.length > 10);
            const defaults = plan.resources.filter((r) => r.type.startsWith("pulumi:providers:") && r.name.startsWith("default"));
            assert.deepStrictEqual(
                defaults.map((r) => r.urn),
                [],
            );
            const implicit = plan.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:") && !r.provider);
            assert.deepStrictEqual(
                implicit.map((r) => r.urn),
                [],
                "custom resources without an explicit provider",
            );
        });

        it(`${stack}: every Kubernetes resource uses the one provider built from the cluster`, async () => {
            const plan = await planFor(stack);
            const providers = byType(plan, "pulumi:providers:kubernetes");
            assert.strictEqual(providers.length, 1);
            const k8s = plan.resources.filter((r) => r.type.startsWith("kubernetes:"));
            assert.ok(k8s.length > 0);
            for (const r of k8s) assert.ok(r.provider.startsWith(`${providers[0].urn}::`), `${r.urn} uses ${r.provider || "the default provider"}`);
        });

        it(`${stack}: the kubeconfig output is redacted as a secret`, async () => {
            const plan = await planFor(stack);
            assert.strictEqual(plan.outputs.kubeconfig, "[secret]");
        });
    }

    it("prod plans the whole platform: every component", async () => {
        const plan = await planFor("prod");
        const components = new Set(plan.resources.filter((r) => r.type.startsWith("platform:")).map((r) => r.type));
        assert.deepStrictEqual([...components].sort(), [
            "platform:backup:Backup",
            "platform:cicd:CiCd",
            "platform:cluster:Cluster",
            "platform:ingress:Ingress",
            "platform:karpenter:Karpenter",
            "platform:logs:ContainerLogs",
            "platform:network:Network",
            "platform:observability:Observability",
            "platform:registry:Registry",
        ]);
        assert.strictEqual(plan.outputs.grafanaUrl, "https://grafana.platform.example.com");
    });

    it("writes no secret value into the plan, placeholders included", async () => {
        for (const stack of ["dev", "prod"] as const) {
            const text = JSON.stringify(await planFor(stack));
            assert.ok(!text.includes(PLACEHOLDER_SECRET), `${stack}: a secret reached the plan in clear`);
            assert.ok(text.includes("[secret]"));
        }
    });

    it("dev and prod differ as their config says", async () => {
        const [dev, prod] = await Promise.all([planFor("dev"), planFor("prod")]);
        const vpc = (p: Plan) => byType(p, "awsx:ec2:Vpc")[0].inputs as any;
        assert.deepStrictEqual([vpc(dev).natGateways.strategy, vpc(dev).numberOfAvailabilityZones], ["Single", 2]);
        assert.deepStrictEqual([vpc(prod).natGateways.strategy, vpc(prod).numberOfAvailabilityZones], ["OnePerAz", 3]);
        const ng = (p: Plan) => byType(p, "eks:index:ManagedNodeGroup")[0].inputs as any;
        assert.strictEqual(ng(dev).capacityType, "SPOT");
        assert.strictEqual(ng(prod).capacityType, "ON_DEMAND");
        assert.strictEqual((dev.outputs.privateSubnetIds as string[]).length, 2);
        assert.strictEqual((prod.outputs.privateSubnetIds as string[]).length, 3);
        assert.strictEqual(dev.outputs.clusterName, "eks-platform-dev");
        assert.strictEqual(prod.outputs.clusterName, "eks-platform-prod");
    });

    it("the cluster is built after the network and in its VPC", async () => {
        const plan = await planFor("dev");
        const vpc = byType(plan, "awsx:ec2:Vpc")[0];
        const eks = byType(plan, "eks:index:Cluster")[0];
        assert.ok(eks.dependencies.includes(vpc.urn));
        assert.strictEqual(eks.inputs.vpcId, plan.outputs.vpcId);
        assert.deepStrictEqual(eks.inputs.privateSubnetIds, plan.outputs.privateSubnetIds);
    });

    describe("npm run plan (the CLI)", function () {
        this.timeout(120000);
        let tmp: string;
        before(() => {
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
        });
        after(() => fs.rmSync(tmp, { recursive: true, force: true }));

        it("writes plan/<stack>.json (type, parent, dependencies, provider, inputs) and plan/<stack>.md, and prints the cost", () => {
            const res = runPlanCli(["prod", "--out", tmp, "--quiet"]);
            assertPlannedExceptPreflight(res);
            assert.match(res.stdout, /stack prod: \d+ resources/);
            assert.match(res.stdout, /estimated monthly cost \(USD, ap-northeast-2[\s\S]*NAT gateways: 3 \(one per AZ\)[\s\S]*total\s+\d+\.\d\d/);
            const diagram = fs.readFileSync(path.join(tmp, "prod.md"), "utf8");
            assert.match(diagram, /```mermaid\n[\s\S]*subgraph c\d+\["Cluster \(\d+\)"\]/);
            assert.match(fs.readFileSync(path.join(tmp, "prod", "cluster.md"), "utf8"), /```mermaid\n[\s\S]*ManagedNodeGroup<br\/>nodes"/);
            const plan = JSON.parse(fs.readFileSync(path.join(tmp, "prod.json"), "utf8"));
            assert.strictEqual(plan.stack, "prod");
            for (const r of plan.resources) {
                for (const key of ["type", "name", "parent", "dependencies", "provider", "inputs"]) assert.ok(key in r, `${r.urn} lacks ${key}`);
            }
        });

        it("fails with the config error, non-zero, and writes nothing for a bad stack file", () => {
            const dir = fs.mkdtempSync(path.join(tmp, "bad-"));
            const good = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8");
            fs.writeFileSync(
                path.join(dir, "Pulumi.broken.yaml"),
                good.replace("platform:environment: prod", "platform:environment: prod\n  network:vpcCidr2: x\n  network:azCount: 2\n  cluster:minSize: 12"),
            );
            const res = runPlanCli(["--stack-file", path.join(dir, "Pulumi.broken.yaml"), "--out", dir]);
            assert.notStrictEqual(res.status, 0);
            assert.match(res.stderr, /invalid configuration for stack "broken"/);
            assert.match(res.stderr, /network:azCount: 2 AZs is below the 3/);
            assert.match(res.stderr, /cluster:minSize\/desiredSize\/maxSize/);
            assert.match(res.stderr, /network:vpcCidr2: is not a setting/);
            assert.ok(!fs.existsSync(path.join(dir, "broken.json")));
        });

        it("checks the policies: all pass on the committed stacks", () => {
            const res = runPlanCli(["dev", "--out", tmp, "--quiet"]);
            assertPlannedExceptPreflight(res);
            assert.match(res.stdout, new RegExp(`policies: ${RULES.length} passed`));
        });

        it("fails with the policy's message when a stack file breaks a policy (prod API open to the internet)", () => {
            const dir = fs.mkdtempSync(path.join(tmp, "open-"));
            const good = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8");
            assert.match(good, /cluster:publicAccessCidrs: \["203\.0\.113\.0\/24"\]/);
            fs.writeFileSync(
                path.join(dir, "Pulumi.prod.yaml"),
                good.replace('cluster:publicAccessCidrs: ["203.0.113.0/24"]', 'cluster:publicAccessCidrs: ["0.0.0.0/0"]'),
            );
            const res = runPlanCli(["--stack-file", path.join(dir, "Pulumi.prod.yaml"), "--out", dir, "--quiet"]);
            assert.strictEqual(res.status, 1);
            assert.match(
                res.stderr,
                /\[eks-public-endpoint-restricted-in-prod\] eks-platform-prod-eks \(eks:index:Cluster\): public endpoint open to 0\.0\.0\.0\/0/,
            );
        });

        it("names the stacks there are when asked for one that does not exist", () => {
            // staging is a committed stack now (Pulumi.staging.yaml); qa is not.
            const res = runPlanCli(["qa", "--out", tmp]);
            assert.notStrictEqual(res.status, 0);
            assert.match(res.stderr, /no stack file .*Pulumi\.qa\.yaml.*dev.*prod/);
        });
    });
});

describe("program wiring of the app", () => {
    it("plans the same platform whether or not an image tag is set: a person's up never touches the app", async () => {
        const untagged = await evaluate("dev", readStackConfig("dev"));
        const tagged = await planFor("dev");
        assert.deepStrictEqual(
            untagged.resources.map((r) => r.urn),
            tagged.resources.map((r) => r.urn),
        );
        assert.strictEqual(tagged.resources.filter((r) => r.type === "aws:ecr/repository:Repository").length, 1);
        assert.strictEqual(untagged.outputs.appUrl, "https://app.dev.platform.example.com");
    });

    it("every Ingress in the program depends on the load balancer controller", async () => {
        for (const stack of ["dev", "prod"] as const) {
            const plan = await planFor(stack);
            const controller = plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name.endsWith("-lbc"))!;
            const ingresses = plan.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress");
            assert.ok(ingresses.length >= 1);
            for (const ing of ingresses) assert.ok(ing.dependencies.includes(controller.urn), `${stack}: ${ing.name}`);
        }
    });
});

describe("program: destroy leaves no volumes behind (issue 10 item 12)", () => {
    it("deletes every namespace that holds claims before the EBS CSI driver that deletes their volumes", async () => {
        for (const stack of ["dev", "prod"] as const) {
            const plan = await planFor(stack);
            const csi = plan.resources.find((r) => r.type === "aws:eks/addon:Addon" && r.inputs.addonName === "aws-ebs-csi-driver")!;
            const claimNamespaces = ["monitoring", ...(stack === "dev" ? ["jenkins"] : [])];
            for (const name of claimNamespaces) {
                const ns = plan.resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && (r.inputs.metadata as any)?.name === name);
                assert.ok(ns, `${stack}: no namespace ${name}`);
                assert.ok(
                    new DeployGraph(plan.resources).waitsFor(ns).has(csi.urn),
                    `${stack}: namespace ${name} does not wait for the CSI driver, so destroy may delete the driver first`,
                );
            }
        }
    });
});

describe("program wiring of the shared ALB", () => {
    it("hands the controller the VPC id, region and cluster name the other components created", async () => {
        for (const stack of ["dev", "prod"] as const) {
            const plan = await planFor(stack);
            const release = plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name.endsWith("-lbc"))!;
            const values = release.inputs.values as any;
            assert.strictEqual(values.vpcId, plan.outputs.vpcId);
            assert.strictEqual(values.clusterName, plan.outputs.clusterName);
            assert.strictEqual(values.region, plan.outputs.region);
        }
    });

    it("plans the controller, its IAM role and policy, the certificate and its validation records", async () => {
        const plan = await planFor("dev");
        const names = (type: string) => plan.resources.filter((r) => r.type === type).map((r) => r.name);
        assert.ok(names("aws:iam/role:Role").some((n) => n.endsWith("-lbc")));
        assert.ok(names("aws:iam/policy:Policy").some((n) => n.endsWith("-lbc")));
        assert.strictEqual(names("aws:acm/certificate:Certificate").length, 1);
        assert.strictEqual(names("aws:acm/certificateValidation:CertificateValidation").length, 1);
        assert.ok(names("aws:route53/record:Record").filter((n) => n.includes("cert-validation")).length >= 4);
        const cert = plan.resources.find((r) => r.type === "aws:acm/certificate:Certificate")!;
        assert.strictEqual(cert.inputs.domainName, "dev.platform.example.com");
    });
});
