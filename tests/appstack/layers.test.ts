/** The two layers: the platform stack prepares the app's place; the app stack fills it from what the platform hands over alone (its SSM parameter). */
import * as assert from "assert";
import { evaluateApp, qualifiedStackName, readAppStackConfig } from "../../appstack/plan";
import { APP_PLATFORM_OUTPUT } from "../../appstack/program";
import { parseAppConfig } from "../../config/app";
import { Plan } from "../../offline/plan";
import { RecordedResource } from "../helpers/harness";
import { IMAGE_TAG, planFor } from "../helpers/plans";
import { appPlanFor } from "./plans";

const WORKLOAD_TYPES = [
    "platform:app:WebApp",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:core/v1:Service",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "kubernetes:policy/v1:PodDisruptionBudget",
    "kubernetes:networking.k8s.io/v1:Ingress",
    "kubernetes:core/v1:ServiceAccount",
];
const namespaceOf = (r: RecordedResource) => (r.inputs.metadata as { namespace?: string } | undefined)?.namespace;
const byType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);

describe("layers: the platform stack", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: contains no app workload, only the app's namespace, its deployer and its DNS name`, async () => {
            const plan = await planFor(stack);
            const appPlace = plan.outputs[APP_PLATFORM_OUTPUT] as { namespace: string; host: string };
            const workload = plan.resources.filter(
                (r) => r.type === "platform:app:WebApp" || (WORKLOAD_TYPES.includes(r.type) && namespaceOf(r) === appPlace.namespace),
            );
            assert.deepStrictEqual(
                workload.map((r) => r.urn),
                [],
            );
            const appRecords = byType(plan, "aws:route53/record:Record").filter((r) => r.inputs.name === appPlace.host);
            assert.deepStrictEqual(
                appRecords.map((r) => r.urn),
                [],
                "the app's DNS record belongs to the app stack",
            );
            const ns = byType(plan, "kubernetes:core/v1:Namespace").filter((r) => (r.inputs.metadata as any).name === appPlace.namespace);
            assert.strictEqual(ns.length, 1);
            assert.strictEqual((ns[0].inputs.metadata as any).labels["pod-security.kubernetes.io/enforce"], "restricted");
        });

        it(`${stack}: exports everything the app stack reads, and no secret in it`, async () => {
            const plan = await planFor(stack);
            const out = plan.outputs[APP_PLATFORM_OUTPUT] as any;
            assert.ok(out && typeof out === "object", "no appPlatform output");
            assert.ok(!JSON.stringify(out).includes("[secret]"));
            assert.strictEqual(out.repositoryUrl, plan.outputs.repositoryUrl);
            assert.strictEqual(out.gateway.certificateArn, plan.outputs.certificateArn);
            assert.strictEqual(out.clusterName, plan.outputs.clusterName);
            assert.match(out.clusterEndpoint, /^https:\/\//);
        });

        // The app program of b33836d and before refuses a handoff without guardrails.minReplicas (its appstack/program.ts
        // platformProblems); a promotion or rollback deploys such an older commit's program onto a new platform.
        it(`${stack}: keeps what older app programs require in the handoff (guardrails.minReplicas)`, async () => {
            const out = (await planFor(stack)).outputs[APP_PLATFORM_OUTPUT] as { guardrails?: { minReplicas?: unknown } };
            assert.strictEqual(out.guardrails?.minReplicas, stack === "dev" ? 1 : 2);
        });
    }
});

describe("layers: the app stack", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: builds the workload from the platform's outputs: image, namespace, certificate, zone, group, endpoint`, async () => {
            const { app, platform } = await appPlanFor(stack);
            const p = platform.outputs[APP_PLATFORM_OUTPUT] as any;
            const one = (type: string) => {
                const found = byType(app, type);
                assert.strictEqual(found.length, 1, type);
                return found[0];
            };
            const deployment = one("kubernetes:apps/v1:Deployment");
            assert.strictEqual((deployment.inputs.spec as any).template.spec.containers[0].image, `${p.repositoryUrl}:${IMAGE_TAG}`);
            for (const r of app.resources.filter((x) => x.type.startsWith("kubernetes:") && !x.type.startsWith("pulumi:"))) {
                assert.strictEqual(namespaceOf(r), p.namespace, `${r.name} is outside the app namespace`);
            }
            const annotations = (one("kubernetes:networking.k8s.io/v1:Ingress").inputs.metadata as any).annotations;
            assert.strictEqual(annotations["alb.ingress.kubernetes.io/certificate-arn"], p.gateway.certificateArn);
            assert.strictEqual(annotations["alb.ingress.kubernetes.io/group.name"], p.gateway.groupName);
            const record = one("aws:route53/record:Record");
            assert.deepStrictEqual([record.inputs.zoneId, record.inputs.name], [p.gateway.hostedZoneId, p.host]);
            const kubeconfig = JSON.parse(String(one("pulumi:providers:kubernetes").inputs.kubeconfig));
            assert.strictEqual(kubeconfig.clusters[0].cluster.server, p.clusterEndpoint);
            const providers = byType(app, "pulumi:providers:aws");
            assert.deepStrictEqual(providers.map((r) => [r.name, r.inputs.region]).sort(), [
                ["aws", platform.outputs.region],
                ["platform-handoff", platform.outputs.region],
            ]);
            assert.strictEqual(app.outputs.appUrl, platform.outputs.appUrl);
        });
    }

    it("reads the platform's SSM parameter, which fails with ParameterNotFound where the platform created none", async () => {
        const { app } = await appPlanFor("dev");
        assert.strictEqual(app.outputs.platformStack, qualifiedStackName("eks-platform", "dev"));
        const platform = await planFor("dev");
        const config = (overrides: Record<string, string>) => readAppStackConfig("dev", { "app:imageTag": IMAGE_TAG, ...overrides });
        // A platform stack that was never deployed.
        await assert.rejects(
            evaluateApp("dev", config({ "app:platformStack": "organization/eks-platform/staging" }), platform),
            /reading SSM Parameter \(\/eks-platform\/staging\/app-platform\)[\s\S]*ParameterNotFound/,
        );
        // The right stack, read in another region than the platform's.
        await assert.rejects(evaluateApp("dev", config({ "aws:region": "us-east-1" }), platform), /ParameterNotFound: \(region us-east-1\)/);
        // A platform whose up did not write the parameter (one from before the handoff): its outputs alone are not enough.
        const withoutParameter: Plan = { ...platform, resources: platform.resources.filter((r) => r.type !== "aws:ssm/parameter:Parameter") };
        await assert.rejects(evaluateApp("dev", config({}), withoutParameter), /ParameterNotFound/);
    });

    it("the SSM model reads in the region a call names (pulumi-aws 7's per-call region) before the provider's", async () => {
        const { PlatformMocks, publishParameters, forgetParameters } = await import("../../offline/mocks");
        const platform = await planFor("dev");
        forgetParameters();
        publishParameters(platform.resources, String(platform.outputs.region));
        const read = (region?: string) =>
            new PlatformMocks(String(platform.outputs.region)).call({
                token: "aws:ssm/getParameter:getParameter",
                inputs: { name: "/eks-platform/dev/app-platform", ...(region ? { region } : {}) },
                provider: "",
            });
        assert.strictEqual(read().type, "String");
        assert.throws(() => read("us-east-1"), /ParameterNotFound: \(region us-east-1\)/);
    });

    it("the platform writes its appPlatform output, unchanged and unsecret, to a Standard String parameter named for its stack", async () => {
        for (const stack of ["dev", "prod"] as const) {
            const platform = await planFor(stack);
            const parameters = byType(platform, "aws:ssm/parameter:Parameter");
            assert.deepStrictEqual(
                parameters.map((r) => [r.inputs.name, r.inputs.type, r.inputs.tier]),
                [[`/eks-platform/${stack}/app-platform`, "String", "Standard"]],
            );
            assert.deepStrictEqual(JSON.parse(String(parameters[0].inputs.insecureValue)), platform.outputs[APP_PLATFORM_OUTPUT]);
        }
    });

    it("follows what the platform hands over, not its config: a changed certificate and zone reach the app", async () => {
        const platform = await planFor("dev");
        const p = platform.outputs[APP_PLATFORM_OUTPUT] as any;
        const handedOver = {
            ...p,
            gateway: { ...p.gateway, certificateArn: "arn:aws:acm:ap-northeast-2:123456789012:certificate/other", hostedZoneId: "ZOTHERZONE0123456789" },
        };
        const changed: Plan = {
            ...platform,
            resources: platform.resources.map((r) =>
                r.type === "aws:ssm/parameter:Parameter" ? { ...r, inputs: { ...r.inputs, insecureValue: JSON.stringify(handedOver) } } : r,
            ),
        };
        const app = await evaluateApp("dev", readAppStackConfig("dev", { "app:imageTag": IMAGE_TAG }), changed);
        const ingress = byType(app, "kubernetes:networking.k8s.io/v1:Ingress")[0];
        assert.strictEqual(
            (ingress.inputs.metadata as any).annotations["alb.ingress.kubernetes.io/certificate-arn"],
            "arn:aws:acm:ap-northeast-2:123456789012:certificate/other",
        );
        assert.strictEqual(byType(app, "aws:route53/record:Record")[0].inputs.zoneId, "ZOTHERZONE0123456789");
    });

    it("takes no platform setting from its own config, and refuses an up without an image tag", () => {
        assert.throws(
            () => parseAppConfig({ "app:platformStack": "organization/eks-platform/dev", "app:imageTag": IMAGE_TAG, "dns:domain": "x.example.com" }, "dev"),
            /dns:domain: is not an app stack setting/,
        );
        assert.throws(
            () => parseAppConfig({ "app:platformStack": "organization/eks-platform/dev", "app:imageTag": IMAGE_TAG }, "dev"),
            /aws:region: is required/,
        );
        assert.throws(() => parseAppConfig({ "app:platformStack": "organization/eks-platform/dev" }, "dev"), /app:imageTag: is required/);
        assert.throws(
            () => parseAppConfig({ "app:platformStack": "dev", "app:imageTag": IMAGE_TAG }, "dev"),
            /app:platformStack: "dev" is not org\/project\/stack/,
        );
    });

    it("refuses fewer replicas than its profile's guardrail (two in prod)", async () => {
        const platform = await planFor("prod");
        await assert.rejects(
            evaluateApp("prod", readAppStackConfig("prod", { "app:imageTag": IMAGE_TAG, "app:minReplicas": "1" }), platform),
            /app:minReplicas: 1 breaks profile prod's guardrail minReplicas 2/,
        );
    });

    it("takes its replicas from its profile: prod's HPA runs 3 to 12 with no replica setting in its file", async () => {
        const { app } = await appPlanFor("prod");
        const hpa = byType(app, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")[0];
        assert.deepStrictEqual([(hpa.inputs.spec as any).minReplicas, (hpa.inputs.spec as any).maxReplicas], [3, 12]);
    });

    it("refuses a platform of another environment than its profile's, which the handoff names", async () => {
        const prod = await planFor("prod");
        assert.strictEqual((prod.outputs[APP_PLATFORM_OUTPUT] as { environment: string }).environment, "prod");
        await assert.rejects(
            evaluateApp("dev", readAppStackConfig("dev", { "app:imageTag": IMAGE_TAG, "app:platformStack": "organization/eks-platform/prod" }), prod),
            /cannot run on organization\/eks-platform\/prod:\n {2}- the platform is a prod environment and this app stack's profile is dev/,
        );
    });
});
