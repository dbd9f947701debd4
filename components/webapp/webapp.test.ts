import * as assert from "assert";
import * as fs from "fs";
import * as YAML from "yaml";
import { APP_PORT, appNamespaceLabels, PRESTOP_SECONDS, WebApp } from ".";
import { DEFAULT_NAMESPACE_REQUIREMENT, readinessGatesInjected } from "../../offline/models/lbc-webhook";
import { buildGateway, DOMAIN, one, record, RecordedResource, referenceFile } from "../../tests/helpers/harness";

describe("WebApp", () => {
    let records: RecordedResource[];
    before(async () => {
        records = await record(() => {
            const { ingress } = buildGateway();
            new WebApp("app", {
                namespace: "app",
                repositoryUrl: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/eks-platform-test/app",
                imageTag: "3f2a9c1",
                host: `app.${DOMAIN}`,
                minReplicas: 3,
                maxReplicas: 9,
                logLevel: "info",
                gateway: ingress,
            });
        });
    });
    const deployment = () => one(records, "kubernetes:apps/v1:Deployment").inputs as any;
    const pod = () => deployment().spec.template.spec;
    const container = () => pod().containers[0];

    it("runs the image from the registry at the configured tag", () => {
        assert.strictEqual(container().image, "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/eks-platform-test/app:3f2a9c1");
        assert.ok(container().env.some((e: any) => e.name === "APP_VERSION" && e.value === "3f2a9c1"));
    });

    it("probes liveness on /healthz and readiness on /readyz", () => {
        assert.strictEqual(container().livenessProbe.httpGet.path, "/healthz");
        assert.strictEqual(container().readinessProbe.httpGet.path, "/readyz");
        assert.strictEqual(container().startupProbe.httpGet.path, "/healthz");
        assert.strictEqual(container().ports[0].containerPort, APP_PORT);
    });

    it("pauses in preStop so the ALB deregisters the pod before SIGTERM, within the grace period", () => {
        assert.deepStrictEqual(container().lifecycle.preStop, { sleep: { seconds: PRESTOP_SECONDS } });
        const appGraceMs = Number(container().env.find((e: any) => e.name === "SHUTDOWN_GRACE_MS").value);
        assert.ok(pod().terminationGracePeriodSeconds > PRESTOP_SECONDS + appGraceMs / 1000, "the kubelet would kill the pod mid-drain");
    });

    it("runs non-root with a read-only root filesystem, no privilege escalation and no capabilities", () => {
        const sc = container().securityContext;
        assert.strictEqual(sc.runAsNonRoot, true);
        assert.notStrictEqual(sc.runAsUser, 0);
        assert.strictEqual(sc.readOnlyRootFilesystem, true);
        assert.strictEqual(sc.allowPrivilegeEscalation, false);
        assert.deepStrictEqual(sc.capabilities.drop, ["ALL"]);
        assert.ok(
            container().volumeMounts.some((m: any) => m.mountPath === "/tmp"),
            "a writable /tmp is needed with a read-only root",
        );
        assert.strictEqual(appNamespaceLabels()["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("sets requests and a memory limit", () => {
        assert.deepStrictEqual(container().resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } });
    });

    it("spreads pods across zones, strictly with three or more replicas", () => {
        const [zone, host] = pod().topologySpreadConstraints;
        assert.strictEqual(zone.topologyKey, "topology.kubernetes.io/zone");
        assert.strictEqual(zone.whenUnsatisfiable, "DoNotSchedule");
        assert.strictEqual(host.topologyKey, "kubernetes.io/hostname");
    });

    it("scales with an HPA and leaves the replica count to it", () => {
        const hpa = one(records, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs as any;
        assert.deepStrictEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [3, 9]);
        assert.strictEqual(hpa.spec.scaleTargetRef.kind, "Deployment");
        assert.strictEqual(hpa.spec.scaleTargetRef.name, deployment().metadata.name);
        assert.strictEqual(deployment().spec.replicas, undefined);
        assert.deepStrictEqual(deployment().spec.strategy.rollingUpdate.maxUnavailable, 0);
    });

    it("keeps pods available through node drains with a PDB over the same pods", () => {
        const pdb = one(records, "kubernetes:policy/v1:PodDisruptionBudget").inputs as any;
        assert.strictEqual(pdb.spec.maxUnavailable, 1);
        assert.deepStrictEqual(pdb.spec.selector.matchLabels, deployment().spec.selector.matchLabels);
    });

    it("is exposed at app.<domain> over the shared ALB, HTTP1 to the backend, health-checked on readiness", () => {
        const ing = one(records, "kubernetes:networking.k8s.io/v1:Ingress", "app");
        const a = (ing.inputs.metadata as any).annotations;
        assert.strictEqual((ing.inputs.spec as any).rules[0].host, `app.${DOMAIN}`);
        assert.strictEqual(a["alb.ingress.kubernetes.io/backend-protocol-version"], "HTTP1");
        assert.strictEqual(a["alb.ingress.kubernetes.io/healthcheck-path"], "/readyz");
        const svc = one(records, "kubernetes:core/v1:Service");
        assert.strictEqual((ing.inputs.spec as any).rules[0].http.paths[0].backend.service.name, (svc.inputs.metadata as any).name);
        assert.ok(ing.dependencies.includes(one(records, "kubernetes:helm.sh/v3:Release", "lbc").urn));
    });

    it("puts every Kubernetes resource in its own namespace on the cluster's provider", () => {
        const provider = one(records, "pulumi:providers:kubernetes");
        for (const r of records.filter((x) => x.type.startsWith("kubernetes:") && x.parent.includes("WebApp"))) {
            assert.ok(r.provider.startsWith(provider.urn + "::"), `${r.name}`);
            if (r.type !== "kubernetes:core/v1:Namespace") assert.strictEqual((r.inputs.metadata as any).namespace, "app", r.name);
        }
    });

    it("creates nothing cluster-scoped: the namespace is the platform's, which the app's deployer cannot create", () => {
        assert.deepStrictEqual(
            records.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => r.name),
            [],
        );
    });

    it("creates its Ingress only once the load balancer controller (and its admission webhook) runs; its Service need not", () => {
        const lbc = one(records, "kubernetes:helm.sh/v3:Release", "lbc").urn;
        assert.ok(one(records, "kubernetes:networking.k8s.io/v1:Ingress", "app").dependencies.includes(lbc));
        // The controller's Service mutator is off (lbc.ts): no webhook stands between a Service and the API server.
        assert.strictEqual((one(records, "kubernetes:helm.sh/v3:Release", "lbc").inputs.values as any).enableServiceMutatorWebhook, false);
    });

    it("waits for nodes before rolling out", () => {
        const d = one(records, "kubernetes:apps/v1:Deployment");
        assert.ok(d.dependencies.includes(one(records, "eks:index:ManagedNodeGroup").urn));
    });

    it("gets ALB readiness gates, so a rollout keeps old pods until the ALB has registered the new ones", () => {
        const ns = appNamespaceLabels();
        const lbcValues = one(records, "kubernetes:helm.sh/v3:Release", "lbc").inputs.values as any;
        const podLabels = deployment().spec.template.metadata.labels;
        assert.strictEqual(deployment().spec.strategy.rollingUpdate.maxUnavailable, 0);
        assert.strictEqual(
            (one(records, "kubernetes:networking.k8s.io/v1:Ingress", "app").inputs.metadata as any).annotations["alb.ingress.kubernetes.io/target-type"],
            "ip",
            "readiness gates only work for target-type ip",
        );
        assert.ok(readinessGatesInjected(lbcValues, ns, podLabels), `the controller's webhook skips pods in a namespace labelled ${JSON.stringify(ns)}`);
    });

    it("models the webhook's default namespace selector as the pinned chart's webhook.yaml renders it", function () {
        const template = fs.readFileSync(referenceFile(this, "charts", "aws-load-balancer-controller", "templates", "webhook.yaml"), "utf8");
        // The first webhook is mpod.elbv2.k8s.aws; its default selector sits between {{ else }} and {{ end }}.
        const mpod = template.slice(0, template.indexOf("name: mpod.elbv2.k8s.aws") + 1000);
        const defaults = /\{\{ else \}\}\n([\s\S]*?)\{\{ end \}\}/.exec(mpod.slice(mpod.indexOf("namespaceSelector:")))![1];
        assert.deepStrictEqual(YAML.parse(defaults.replace(/^ {4}/gm, "")), [DEFAULT_NAMESPACE_REQUIREMENT]);
    });
});
