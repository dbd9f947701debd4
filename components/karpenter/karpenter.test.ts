import * as assert from "assert";
import * as fs from "fs";
import * as aws from "@pulumi/aws";
import * as YAML from "yaml";
import { agentPodTemplate } from "../cicd/jenkins";
import { controllerPolicies, INTERRUPTION_RULES, Karpenter, karpenterValues, nodePool } from ".";
import { AGENT_STAGE_TIMEOUT_MINUTES, durationSeconds, nodeClassRestrictedTags } from "../../config/karpenter";
import { parseConfig } from "../../config";
import { customResourceProblem, readinessWait } from "../../offline/models/custom-resources";
import { ignoredValues, SCALARS, WHOLE_MAPS } from "../../offline/models/karpenter-chart";
import { nodesOfPool, SchedulingNode, unschedulableReason } from "../../offline/models/scheduling";
import { ACCOUNT_ID } from "../../offline/mocks";
import { Plan } from "../../offline/plan";
import { DeployGraph } from "../../offline/preflight/graph";
import { nodePools } from "../../offline/preflight/nodes";
import { drainProblems, KARPENTER_ORDER_RULES, orderProblems, POOL_ORDER_RULE } from "../../offline/preflight/order";
import { RecordedResource } from "../../offline/recorder";
import { all, attempt, buildBase, buildGateway, json, one, rawConfig, REGION, referenceFile } from "../../tests/helpers/harness";
import { planFor } from "../../tests/helpers/plans";
import { foreignMetrics, kpsValuesOf, monitorsOf, upstreamSource } from "../../tests/helpers/monitoring";
import { karpenterMetricsService, scrapes } from "../../offline/models/chart-metrics";
import { KARPENTER_METRICS, karpenterMonitoring } from "./monitoring";

const NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool";
const NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";

const pools = (plan: Plan) => Object.fromEntries(all(plan.resources, NODE_POOL).map((p) => [(p.inputs as any).metadata.name, p.inputs as any]));
/** A node of the plan's managed system group, with the labels and taints EKS gives it (offline/preflight/nodes.ts). */
function systemNodeOf(plan: Plan): SchedulingNode {
    const group = nodePools(plan.resources).find((g) => g.kind === "node group")!;
    return { labels: group.labels, taints: group.taints };
}

/** CloudFormation's short-form tags, as plain data. */
const CFN_TAGS = ["!Sub", "!GetAtt", "!Ref"].map((tag) => ({ tag, resolve: (v: string) => ({ [tag.slice(1)]: v }) }));
function upstreamTemplate(ctx: Mocha.Context): any {
    return YAML.parse(fs.readFileSync(referenceFile(ctx, "karpenter", "cloudformation.yaml"), "utf8"), { customTags: CFN_TAGS });
}

/** A CRD's openAPIV3Schema of `spec`, from shared/reference/karpenter/crds (the release's CRDs). */
function crdSpecSchema(ctx: Mocha.Context, file: string): any {
    return YAML.parse(fs.readFileSync(referenceFile(ctx, "karpenter", "crds", file), "utf8")).spec.versions[0].schema.openAPIV3Schema.properties.spec;
}

/**
 * The EC2NodeClass's spec.tags rules (x-kubernetes-validations), which are all of the forms `self.all(k, k != 'X')`
 * and `self.all(k, !k.startsWith('X'))`: as predicates over a key, with a key each rule refuses.
 */
function nodeClassTagRules(ctx: Mocha.Context): { rule: string; allows: (key: string) => boolean; sample?: string }[] {
    const rules: { rule: string }[] = crdSpecSchema(ctx, "karpenter.k8s.aws_ec2nodeclasses.yaml").properties.tags["x-kubernetes-validations"];
    return rules.map(({ rule }) => {
        const not = /k\s*!=\s*'([^']*)'/.exec(rule);
        const prefix = /!k\.startsWith\('([^']*)'\)/.exec(rule);
        if (prefix) return { rule, allows: (k: string) => !k.startsWith(prefix[1]), sample: `${prefix[1]}/eks-platform-dev` };
        if (not) return { rule, allows: (k: string) => k !== not[1], sample: not[1] || undefined };
        throw new Error(`an EC2NodeClass tags rule this test cannot read: ${rule}`);
    });
}

/** Where a spec breaks its CRD schema: unknown fields, pattern, enum, bounds, and the node class's tag rules. */
function schemaProblems(ctx: Mocha.Context, file: string, spec: unknown): string[] {
    const problems: string[] = [];
    const tagRules = file.startsWith("karpenter.k8s.aws_ec2nodeclasses") ? nodeClassTagRules(ctx) : [];
    const walk = (value: any, schema: any, at: string): void => {
        if (schema === undefined) {
            problems.push(`${at}: not in the CRD schema`);
            return;
        }
        if (typeof value === "string") {
            if (schema.pattern && !new RegExp(schema.pattern).test(value)) problems.push(`${at}: "${value}" does not match ${schema.pattern}`);
            if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${at}: longer than ${schema.maxLength}`);
        }
        if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(", ")}`);
        if (typeof value === "number" && ((schema.maximum !== undefined && value > schema.maximum) || (schema.minimum !== undefined && value < schema.minimum)))
            problems.push(`${at}: ${value} out of bounds`);
        if (value === null || typeof value !== "object" || schema["x-kubernetes-preserve-unknown-fields"]) return;
        if (Array.isArray(value)) {
            value.forEach((v, i) => walk(v, schema.items, `${at}[${i}]`));
            return;
        }
        if (at === "spec.tags")
            for (const r of tagRules) for (const k of Object.keys(value).filter((key) => !r.allows(key))) problems.push(`${at}: tag ${k} breaks ${r.rule}`);
        for (const [k, v] of Object.entries(value))
            walk(v, schema.properties?.[k] ?? (schema.additionalProperties === true ? {} : schema.additionalProperties), `${at}.${k}`);
    };
    walk(spec, crdSpecSchema(ctx, file), "spec");
    return problems;
}

describe("Karpenter: pools per environment (committed stacks)", () => {
    it("dev: general takes spot and on-demand, ci spot only and tainted; both have cpu and memory limits", async () => {
        const p = pools(await planFor("dev"));
        assert.deepStrictEqual(Object.keys(p).sort(), ["ci", "general"]);
        const capacity = (pool: any) => pool.spec.template.spec.requirements.find((r: any) => r.key === "karpenter.sh/capacity-type");
        assert.deepStrictEqual(capacity(p.general), { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot", "on-demand"] });
        assert.deepStrictEqual(capacity(p.ci), { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] });
        assert.deepStrictEqual(p.general.spec.limits, { cpu: "16", memory: "64Gi" });
        assert.deepStrictEqual(p.ci.spec.limits, { cpu: "16", memory: "64Gi" });
        assert.deepStrictEqual(p.ci.spec.template.spec.taints, [{ key: "platform/pool", value: "ci", effect: "NoSchedule" }]);
        assert.deepStrictEqual(p.general.spec.template.spec.taints, []);
        // ci empties between builds: consolidated quickly, every empty node at once.
        assert.deepStrictEqual(p.ci.spec.disruption, { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: "1m", budgets: [{ nodes: "100%" }] });
        // No node between builds (the capacity preflight's steady state), so the cost counts none.
        assert.strictEqual(p.ci.metadata.annotations["platform/expected-nodes"], "0");
    });

    it("prod: general on-demand only, no ci pool without Jenkins; the system group on-demand", async () => {
        const plan = await planFor("prod");
        const p = pools(plan);
        assert.deepStrictEqual(Object.keys(p), ["general"]);
        assert.deepStrictEqual(p.general.spec.template.spec.requirements[1].values, ["on-demand"]);
        assert.deepStrictEqual(p.general.spec.limits, { cpu: "48", memory: "192Gi" });
        assert.strictEqual(p.general.spec.disruption.budgets[0].nodes, "1");
        assert.strictEqual((one(plan.resources, "eks:index:ManagedNodeGroup").inputs as any).capacityType, "ON_DEMAND");
    });

    it("prod takes spot on general only when config allows it, and refuses a spot system group", () => {
        const spot = parseConfig(rawConfig("prod", { "karpenter:general": JSON.stringify({ spot: true }) }), "eks-platform", "prod");
        assert.deepStrictEqual(spot.karpenter.pools[0].capacityTypes, ["spot", "on-demand"]);
        assert.throws(
            () => parseConfig(rawConfig("prod", { "cluster:capacityType": "SPOT" }), "eks-platform", "prod"),
            /cluster:capacityType: prod's system node group .* must be ON_DEMAND/,
        );
    });
});

describe("Karpenter: where the agents and the app run (scheduler model)", () => {
    let p: Record<string, any>;
    let systemNode: SchedulingNode;
    before(async () => {
        const plan = await planFor("dev");
        p = pools(plan);
        systemNode = systemNodeOf(plan);
    });

    it("build agents tolerate the ci taint and run on ci nodes only, protected from consolidation", () => {
        const template = YAML.parse(agentPodTemplate("build", "docker-config"))[0];
        // The kubernetes plugin merges the template's `yaml` into the pod it builds (PodTemplateBuilder).
        const pod = YAML.parse(template.yaml ?? "{}");
        for (const node of nodesOfPool(p.ci)) assert.strictEqual(unschedulableReason(pod.spec, node), undefined);
        for (const node of nodesOfPool(p.general)) assert.match(unschedulableReason(pod.spec, node) ?? "", /node affinity/);
        assert.match(unschedulableReason(pod.spec, systemNode) ?? "", /untolerated taint CriticalAddonsOnly=true:NoSchedule/);
        assert.strictEqual(pod.metadata.annotations["karpenter.sh/do-not-disrupt"], "true");
    });

    it("deploy agents run `pulumi up` on general's on-demand nodes only: never on spot, where a reclaim leaves the stack locked", () => {
        const pod = YAML.parse(YAML.parse(agentPodTemplate("deploy", "docker-config"))[0].yaml);
        // nodesOfPool gives one node per capacity type the pool allows, labelled karpenter.sh/capacity-type as Karpenter does.
        const verdicts = Object.fromEntries(nodesOfPool(p.general).map((n) => [n.labels["karpenter.sh/capacity-type"], unschedulableReason(pod.spec, n)]));
        assert.deepStrictEqual(Object.keys(verdicts).sort(), ["on-demand", "spot"]);
        assert.strictEqual(verdicts["on-demand"], undefined);
        assert.match(verdicts.spot ?? "", /nodeSelector karpenter\.sh\/capacity-type=on-demand/);
        for (const node of nodesOfPool(p.ci)) assert.ok(unschedulableReason(pod.spec, node), "no deploy on ci's spot nodes");
        assert.ok(unschedulableReason(pod.spec, systemNode));
        assert.strictEqual(pod.metadata.annotations["karpenter.sh/do-not-disrupt"], "true");
    });

    it("the app runs on the general pool, not on ci's tainted nodes nor the system group", async () => {
        const { WebApp } = await import("../../components/webapp");
        const { buildGateway } = await import("../../tests/helpers/harness");
        const { records } = await attempt(() => {
            const { ingress } = buildGateway();
            new WebApp("app", {
                namespace: "app",
                repositoryUrl: "r",
                imageTag: "1",
                host: "app.dev.example.com",
                minReplicas: 2,
                maxReplicas: 4,
                logLevel: "info",
                gateway: ingress,
            });
        });
        const spec = (one(records, "kubernetes:apps/v1:Deployment").inputs as any).spec.template.spec;
        for (const node of nodesOfPool(p.general)) assert.strictEqual(unschedulableReason(spec, node), undefined);
        for (const node of nodesOfPool(p.ci)) assert.match(unschedulableReason(spec, node) ?? "", /untolerated taint platform\/pool=ci:NoSchedule/);
        assert.match(unschedulableReason(spec, systemNode) ?? "", /untolerated taint CriticalAddonsOnly=true:NoSchedule/);
    });
});

describe("Karpenter: the node class", () => {
    it("requires IMDSv2 with hop limit 1, boots the pinned AL2023 alias on an encrypted gp3 root", async () => {
        const spec = (one((await planFor("dev")).resources, NODE_CLASS).inputs as any).spec;
        assert.deepStrictEqual(spec.metadataOptions, {
            httpEndpoint: "enabled",
            httpProtocolIPv6: "disabled",
            httpPutResponseHopLimit: 1,
            httpTokens: "required",
        });
        assert.deepStrictEqual(spec.amiSelectorTerms, [{ alias: "al2023@v20260724" }]);
        assert.deepStrictEqual(spec.blockDeviceMappings, [
            { deviceName: "/dev/xvda", ebs: { volumeSize: "50Gi", volumeType: "gp3", encrypted: true, deleteOnTermination: true } },
        ]);
    });

    it("selects subnets and security groups by the discovery tag Network and Cluster set", async () => {
        const plan = await planFor("dev");
        const spec = (one(plan.resources, NODE_CLASS).inputs as any).spec;
        const selector = { tags: { "karpenter.sh/discovery": "eks-platform-dev" } };
        assert.deepStrictEqual(spec.subnetSelectorTerms, [selector]);
        assert.deepStrictEqual(spec.securityGroupSelectorTerms, [selector]);
        const privateSubnets = all(plan.resources, "aws:ec2/subnet:Subnet").filter((s) => (s.inputs as any).tags.SubnetType === "Private");
        assert.ok(privateSubnets.length >= 2 && privateSubnets.every((s) => (s.inputs as any).tags["karpenter.sh/discovery"] === "eks-platform-dev"));
        const tag = one(plan.resources, "aws:ec2/tag:Tag", "karpenter-discovery").inputs as any;
        assert.deepStrictEqual([tag.key, tag.value], ["karpenter.sh/discovery", "eks-platform-dev"]);
        assert.match(String(tag.resourceId), /^sg-/);
    });

    it("uses only fields of the upstream EC2NodeClass and NodePool schemas, within their patterns, enums, bounds and tag rules", async function () {
        const plan = await planFor("dev");
        for (const pool of all(plan.resources, NODE_POOL))
            assert.deepStrictEqual(schemaProblems(this, "karpenter.sh_nodepools.yaml", (pool.inputs as any).spec), []);
        assert.deepStrictEqual(schemaProblems(this, "karpenter.k8s.aws_ec2nodeclasses.yaml", (one(plan.resources, NODE_CLASS).inputs as any).spec), []);
        // The walk itself refuses what the API server would.
        const bad = schemaProblems(this, "karpenter.sh_nodepools.yaml", {
            template: {
                spec: {
                    nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
                    requirements: [],
                    expireAfter: "30d",
                    terminationGracePeriod: "Never",
                },
            },
            disruption: { consolidationPolicy: "WhenIdle" },
        });
        assert.deepStrictEqual(bad.map((p) => p.split(":")[0]).sort(), [
            "spec.disruption.consolidationPolicy",
            "spec.template.spec.expireAfter",
            "spec.template.spec.terminationGracePeriod",
        ]);
    });

    it("config refuses every platform:tags key the EC2NodeClass's spec.tags rules reject (the stack's tags reach the node class)", function () {
        const keys = nodeClassTagRules(this)
            .map((r) => r.sample)
            .filter((k): k is string => k !== undefined);
        assert.ok(keys.length >= 5, keys.join(", "));
        for (const key of keys) {
            assert.throws(
                () => parseConfig(rawConfig("dev", { "platform:tags": JSON.stringify({ [key]: "x" }) }), "eks-platform", "dev"),
                new RegExp(`platform:tags: tag ${JSON.stringify(key).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: the EC2NodeClass refuses it`),
                key,
            );
        }
        // The plan's node class tags (the stack's) pass the same rules.
        assert.deepStrictEqual(nodeClassRestrictedTags({ Team: "platform", "karpenter.sh/discovery": "x" }), []);
    });
});

describe("Karpenter: interruption queue and controller IAM against the upstream CloudFormation", () => {
    it("has the template's five EventBridge rules with the same event patterns, each targeting the queue", async function () {
        const cfn = upstreamTemplate(this);
        const upstream = Object.fromEntries(
            Object.entries<any>(cfn.Resources)
                .filter(([, r]) => r.Type === "AWS::Events::Rule")
                .map(([k, r]) => [k, r.Properties.EventPattern]),
        );
        assert.deepStrictEqual(INTERRUPTION_RULES, upstream);
        const plan = await planFor("dev");
        const queue = one(plan.resources, "aws:sqs/queue:Queue", "karpenter");
        const rules = all(plan.resources, "aws:cloudwatch/eventRule:EventRule").filter((r) => r.name.includes("karpenter"));
        assert.deepStrictEqual(
            rules.map((r) => json((r.inputs as any).eventPattern)).sort((a, b) => a["detail-type"][0].localeCompare(b["detail-type"][0])),
            Object.values(upstream).sort((a: any, b: any) => a["detail-type"][0].localeCompare(b["detail-type"][0])),
        );
        const targets = all(plan.resources, "aws:cloudwatch/eventTarget:EventTarget").filter((t) => t.name.includes("karpenter"));
        assert.strictEqual(targets.length, 5);
        for (const t of targets) assert.strictEqual((t.inputs as any).arn, queue.outputs.arn ?? (queue.inputs as any).arn);
    });

    it("the queue and its policy are the template's: name = cluster, 300 s retention, SSE, EventBridge may send, no plain HTTP", async function () {
        const cfn = upstreamTemplate(this);
        const plan = await planFor("dev");
        const queue = one(plan.resources, "aws:sqs/queue:Queue", "karpenter").inputs as any;
        const q = cfn.Resources.KarpenterInterruptionQueue.Properties;
        assert.deepStrictEqual(
            [queue.name, queue.messageRetentionSeconds, queue.sqsManagedSseEnabled],
            ["eks-platform-dev", q.MessageRetentionPeriod, q.SqsManagedSseEnabled],
        );
        const policy = json((one(plan.resources, "aws:sqs/queuePolicy:QueuePolicy", "karpenter").inputs as any).policy);
        const upstreamStatements = cfn.Resources.KarpenterInterruptionQueuePolicy.Properties.PolicyDocument.Statement;
        const arn = policy.Statement[0].Resource;
        assert.deepStrictEqual(
            policy.Statement,
            JSON.parse(JSON.stringify(upstreamStatements).replace(/\{"GetAtt":"KarpenterInterruptionQueue.Arn"\}/g, JSON.stringify(arn))),
        );
    });

    it("the controller's six policies equal the template's, with its parameters substituted", async function () {
        const cfn = upstreamTemplate(this);
        const p = {
            partition: "aws",
            region: REGION,
            accountId: ACCOUNT_ID,
            clusterName: "eks-platform-dev",
            nodeRoleArn: "arn:aws:iam::123456789012:role/node",
            queueArn: "arn:aws:sqs:ap-northeast-2:123456789012:eks-platform-dev",
        };
        const substitute = (text: string) =>
            text
                .replace(/\$\{AWS::Partition\}/g, p.partition)
                .replace(/\$\{AWS::Region\}/g, p.region)
                .replace(/\$\{AWS::AccountId\}/g, p.accountId)
                .replace(/\$\{ClusterName\}/g, p.clusterName)
                .replace(/\$\{KarpenterNodeRole\.Arn\}/g, p.nodeRoleArn)
                .replace(/\$\{KarpenterInterruptionQueue\.Arn\}/g, p.queueArn);
        const upstream = Object.fromEntries(
            Object.entries<any>(cfn.Resources)
                .filter(([, r]) => r.Type === "AWS::IAM::ManagedPolicy")
                .map(([k, r]) => [k, JSON.parse(substitute(r.Properties.PolicyDocument.Sub))]),
        );
        assert.deepStrictEqual(controllerPolicies(p), upstream);
        // The plan attaches exactly these six to the controller's IRSA role, which only kube-system/karpenter may assume.
        const plan = await planFor("dev");
        const role = plan.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === "eks-platform-dev-karpenter")!;
        const trust = json((role.inputs as any).assumeRolePolicy).Statement[0].Condition.StringEquals;
        assert.ok(Object.entries(trust).some(([k, v]) => k.endsWith(":sub") && v === "system:serviceaccount:kube-system:karpenter"));
        const attached = all(plan.resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => (a.inputs as any).role === role.name);
        assert.strictEqual(attached.length, 6);
    });
});

describe("Karpenter: chart values (charts/karpenter at v1.14.1)", () => {
    it("sets only values the chart reads, and the ones it requires", () => {
        const values = karpenterValues({ clusterName: "c", queueName: "c", roleArn: "arn:aws:iam::1:role/r" });
        assert.deepStrictEqual(ignoredValues(values), []);
        assert.deepStrictEqual(ignoredValues({ ...values, settings: { clusterName: "c", aws: { clusterName: "c" } } }), ["settings.aws.clusterName"]);
    });

    it("every path the model accepts is in the release's values.yaml", function () {
        const defaults = YAML.parse(fs.readFileSync(referenceFile(this, "karpenter", "charts", "karpenter", "values.yaml"), "utf8"));
        const has = (path: string) =>
            path.split(".").reduce<any>((v, k) => (v && typeof v === "object" && k in v ? v[k] : undefined), defaults) !== undefined ||
            path.split(".").reduce<any>((v, k) => (v && typeof v === "object" ? v[k] : undefined), defaults) === null;
        const missing = [...SCALARS, ...WHOLE_MAPS].filter(
            (p) =>
                !has(p) &&
                !Object.prototype.hasOwnProperty.call(
                    p
                        .split(".")
                        .slice(0, -1)
                        .reduce<any>((v, k) => v?.[k], defaults) ?? {},
                    p.split(".").pop()!,
                ),
        );
        assert.deepStrictEqual(missing, []);
    });

    it("a release without settings.clusterName is refused as Helm's `required` would", async () => {
        const { failures } = await attempt(() => {
            const { cluster } = buildBase();
            new (require("@pulumi/kubernetes").helm.v3.Release)(
                "k",
                { chart: "oci://public.ecr.aws/karpenter/karpenter", version: "1.14.1", namespace: "kube-system", values: {} },
                { provider: cluster.provider },
            );
        });
        assert.match(failures.map((f) => f.message).join("\n"), /Chart cannot be installed without a valid settings\.clusterName/);
    });
});

describe("Karpenter: CRDs and access entries as EKS and pulumi-kubernetes enforce them", () => {
    const build =
        (pools = parseConfig(rawConfig("dev"), "eks-platform", "dev").karpenter.pools) =>
        () => {
            const { cluster, ingress } = buildGateway();
            new Karpenter("k", {
                clusterName: "eks-platform-test",
                region: REGION,
                oidc: cluster.oidc,
                cluster: ingress.cluster,
                pools,
                diskSizeGiB: 50,
                tags: {},
            });
        };

    it("the component deploys: its custom resources wait for the CRD release, its access entry is the only one of its role", async () => {
        const { records, failures } = await attempt(build());
        assert.deepStrictEqual(failures, []);
        const entry = one(records, "aws:eks/accessEntry:AccessEntry", "karpenter").inputs as any;
        assert.strictEqual(entry.type, "EC2_LINUX");
        const releases = all(records, "kubernetes:helm.sh/v3:Release").filter((r) => String((r.inputs as any).chart).includes("karpenter"));
        assert.deepStrictEqual(
            releases
                .map((r) => [(r.inputs as any).chart, (r.inputs as any).version, (r.inputs as any).repositoryOpts, (r.inputs as any).skipCrds ?? false])
                .sort(),
            [
                ["oci://public.ecr.aws/karpenter/karpenter", "1.14.1", undefined, true],
                ["oci://public.ecr.aws/karpenter/karpenter-crd", "1.14.1", undefined, false],
            ],
        );
    });

    it("a NodePool created without waiting for the CRD release fails at `up` but previews", async () => {
        const { records } = await attempt(build());
        const pool = records.find((r) => r.type === NODE_POOL)!;
        const crd = records.find((r) => (r.inputs as any).chart === "oci://public.ecr.aws/karpenter/karpenter-crd")!;
        const controller = records.find((r) => (r.inputs as any).chart === "oci://public.ecr.aws/karpenter/karpenter")!;
        const detached: RecordedResource = {
            ...pool,
            dependencies: pool.dependencies.filter((d) => d !== crd.urn && d !== controller.urn && !d.includes("nodeclass")),
        };
        assert.match(customResourceProblem(detached, records, { preview: false }) ?? "", /no matches for kind "NodePool" in version "karpenter\.sh\/v1"/);
        assert.strictEqual(customResourceProblem(detached, records, { preview: true }), undefined);
        assert.strictEqual(customResourceProblem(detached, records, { preview: false, clusterKinds: ["karpenter.sh/NodePool"] }), undefined);
    });

    it("a second access entry for the system group's role is refused (EKS made one for the managed node group)", async () => {
        const { failures } = await attempt(() => {
            const { cluster } = buildBase();
            new aws.eks.AccessEntry(
                "dup",
                { clusterName: "eks-platform-test", principalArn: cluster.nodeRoleArn, type: "EC2_LINUX" },
                { dependsOn: cluster.handle.ready(["nodes"]) },
            );
        });
        assert.match(failures.map((f) => f.message).join("\n"), /ResourceInUseException: an access entry for arn:aws:iam::\d+:role\/base-node already exists/);
    });
});

describe("Karpenter: destroy order", () => {
    it("pools and node class go first, while the controller, its queue, node access and permissions still exist; the cluster last", async () => {
        const plan = await planFor("dev");
        assert.deepStrictEqual(orderProblems(plan.resources, KARPENTER_ORDER_RULES).problems, []);
        const graph = new DeployGraph(plan.resources);
        const controller = plan.resources.find((r) => (r.inputs as any).chart === "oci://public.ecr.aws/karpenter/karpenter")!;
        const cluster = one(plan.resources, "eks:index:Cluster");
        // Destroy deletes a resource only after everything that waits for it.
        for (const cr of [...all(plan.resources, NODE_POOL), one(plan.resources, NODE_CLASS)])
            assert.ok(graph.waitsFor(cr).has(controller.urn), `${cr.name} must be deleted before the controller`);
        for (const dep of [
            one(plan.resources, "aws:sqs/queue:Queue", "karpenter"),
            one(plan.resources, "aws:eks/accessEntry:AccessEntry", "karpenter"),
            one(plan.resources, "aws:iam/role:Role", "dev-karpenter-node"),
        ]) {
            assert.ok(graph.waitsFor(controller).has(dep.urn), `the controller must be deleted before ${dep.name}`);
        }
        assert.ok(graph.waitsFor(controller).has(cluster.urn), "the cluster goes after the controller");
    });

    it("fails a plan whose pools do not wait for the controller (destroy would remove the controller first)", async () => {
        const plan = await planFor("dev");
        const controller = plan.resources.find((r) => (r.inputs as any).chart === "oci://public.ecr.aws/karpenter/karpenter")!;
        const rewired = plan.resources.map((r) =>
            r.type === NODE_POOL ? { ...r, dependencies: r.dependencies.filter((d) => d !== controller.urn && !d.includes("nodeclass")) } : r,
        );
        assert.match(
            orderProblems(rewired, KARPENTER_ORDER_RULES).problems.join("\n"),
            /NodePool eks-platform-dev-pool-general does not wait for Karpenter controller on destroy/,
        );
    });
});

describe("Karpenter: a destroy's drain is bounded (pulumi-kubernetes await.go Delete; NodePool CRD terminationGracePeriod)", () => {
    const stripped = (resources: RecordedResource[], change: (r: RecordedResource) => RecordedResource) =>
        resources.map((r) => (r.type === NODE_POOL || r.type === NODE_CLASS ? change(r) : r));

    it("the committed stacks pass: every pool holding do-not-disrupt or PDB-guarded pods drains for a bounded time its deletes outlast", async () => {
        for (const stack of ["dev", "prod"] as const) assert.deepStrictEqual(drainProblems((await planFor(stack)).resources).problems, []);
        const lines = drainProblems((await planFor("dev")).resources).lines.join("\n");
        assert.match(
            lines,
            /NodePool ci holds Jenkins agent pod template platform-ci \(karpenter\.sh\/do-not-disrupt: "true"\): drain bounded by 70m; deletes wait 85 min, 85 min/,
        );
        assert.match(lines, /NodePool general holds Jenkins agent pod template platform-deploy/);
    });

    it("fails a pool without terminationGracePeriod (the controller waits indefinitely) and a delete that gives up before the drain ends", async () => {
        const plan = await planFor("dev");
        const noGrace = stripped(plan.resources, (r) => {
            const inputs = json(JSON.stringify(r.inputs));
            if (r.type === NODE_POOL) delete inputs.spec.template.spec.terminationGracePeriod;
            return { ...r, inputs };
        });
        assert.match(
            drainProblems(noGrace).problems.join("\n"),
            /NodePool ci holds Jenkins agent pod template platform-ci .* has no terminationGracePeriod: deleting it waits for them forever/,
        );
        // Without customTimeouts pulumi-kubernetes waits 10 minutes.
        const defaultTimeouts = stripped(plan.resources, (r) => ({ ...r, customTimeouts: undefined }));
        assert.match(
            drainProblems(defaultTimeouts).problems.join("\n"),
            /terminationGracePeriod 70m, but the delete of NodePool eks-platform-dev-pool-ci gives up after 10 min/,
        );
        assert.match(drainProblems(defaultTimeouts).problems.join("\n"), /the delete of EC2NodeClass eks-platform-dev-nodeclass gives up after 10 min/);
    });

    it("ci and general drain longer than any Jenkinsfile stage that holds an agent, and config refuses a shorter one", function () {
        const stageMinutes = ["Jenkinsfile", "Jenkinsfile.promote"].flatMap((f) =>
            [...fs.readFileSync(`${__dirname}/../../${f}`, "utf8").matchAll(/timeout\(time: (\d+), unit: 'MINUTES'\)/g)].map((m) => Number(m[1])),
        );
        assert.ok(stageMinutes.length >= 3);
        assert.strictEqual(Math.max(...stageMinutes), AGENT_STAGE_TIMEOUT_MINUTES);
        const dev = parseConfig(rawConfig("dev"), "eks-platform", "dev").karpenter.pools;
        for (const pool of dev)
            assert.ok(durationSeconds(pool.terminationGracePeriod) > AGENT_STAGE_TIMEOUT_MINUTES * 60, `${pool.name}: ${pool.terminationGracePeriod}`);
        assert.throws(
            () => parseConfig(rawConfig("dev", { "karpenter:ci": JSON.stringify({ terminationGracePeriod: "30m" }) }), "eks-platform", "dev"),
            /karpenter:ci\.terminationGracePeriod: 30m ends a drain before a Jenkins stage's 60-minute limit/,
        );
        assert.throws(
            () => parseConfig(rawConfig("dev", { "karpenter:general": JSON.stringify({ terminationGracePeriod: "Never" }) }), "eks-platform", "dev"),
            /karpenter:general\.terminationGracePeriod: "Never" is not a duration/,
        );
    });

    it("expireAfter comes from config per pool (forceful: budgets do not hold it back), default 720h", async () => {
        assert.deepStrictEqual(
            Object.values(pools(await planFor("dev"))).map((p: any) => p.spec.template.spec.expireAfter),
            ["720h", "720h"],
        );
        const never = parseConfig(rawConfig("prod", { "karpenter:general": JSON.stringify({ expireAfter: "Never" }) }), "eks-platform", "prod").karpenter
            .pools[0];
        assert.strictEqual((nodePool(never).spec as any).template.spec.expireAfter, "Never");
        assert.throws(
            () => parseConfig(rawConfig("prod", { "karpenter:general": JSON.stringify({ expireAfter: "30d" }) }), "eks-platform", "prod"),
            /karpenter:general\.expireAfter: "30d" is not a duration/,
        );
    });
});

describe("Karpenter: `up` waits for the node class and the pools to be Ready (pulumi-kubernetes overrides.go ReadyCondition)", () => {
    it("every EC2NodeClass and NodePool of the plan carries a waitFor the provider parses, on a condition its kind reports", async () => {
        const plan = await planFor("dev");
        const crs = [...all(plan.resources, NODE_POOL), ...all(plan.resources, NODE_CLASS)];
        assert.strictEqual(crs.length, 3);
        for (const cr of crs) assert.deepStrictEqual(readinessWait(cr), { waits: ["condition=Ready"] }, cr.name);
    });

    it("without the annotation `up` succeeds as soon as the object is stored; a malformed one fails the create; an unknown condition never comes", () => {
        const pool = (annotations: Record<string, string>) => ({ type: NODE_POOL, inputs: { metadata: { name: "p", annotations } } });
        assert.deepStrictEqual(readinessWait(pool({})), { waits: [] });
        assert.match(readinessWait(pool({ "pulumi.com/waitFor": "Ready" })).problem ?? "", /expected a "jsonpath=" or "condition=" prefix, got "Ready"/);
        assert.match(readinessWait(pool({ "pulumi.com/waitFor": "condition=Healthy" })).problem ?? "", /NodePool never reports condition Healthy/);
        assert.deepStrictEqual(readinessWait(pool({ "pulumi.com/waitFor": JSON.stringify(["condition=Ready", "condition=NodeClassReady=True"]) })), {
            waits: ["condition=Ready", "condition=NodeClassReady=True"],
        });
    });
});

describe("Karpenter: what runs on the pools is created after them and deleted before them", () => {
    it("Jenkins, its agent namespaces, the app's namespace and monitoring wait for the pools (create and destroy order)", async () => {
        const plan = await planFor("dev");
        assert.deepStrictEqual(orderProblems(plan.resources, [POOL_ORDER_RULE]).problems, []);
        const graph = new DeployGraph(plan.resources);
        const poolUrns = all(plan.resources, NODE_POOL).map((p) => p.urn);
        const onPools = [
            ...plan.resources.filter(
                (r) =>
                    r.type === "kubernetes:core/v1:Namespace" &&
                    ["jenkins", "jenkins-builds", "jenkins-deploy", "app", "monitoring"].includes((r.inputs as any).metadata.name),
            ),
            ...plan.resources.filter(
                (r) => r.type === "kubernetes:helm.sh/v3:Release" && ["jenkins", "kube-prometheus-stack"].includes(String((r.inputs as any).chart)),
            ),
        ];
        assert.strictEqual(onPools.length, 7);
        // Destroy deletes a resource before everything it waits for: these go while the pools (and their nodes) still exist.
        for (const r of onPools)
            assert.ok(
                poolUrns.every((u) => graph.waitsFor(r).has(u)),
                `${r.name} must wait for every pool`,
            );
    });

    it("fails a plan whose Jenkins does not wait for the pools", async () => {
        const plan = await planFor("dev");
        const poolUrns = new Set(all(plan.resources, NODE_POOL).map((p) => p.urn));
        const rewired = plan.resources.map((r) =>
            String((r.inputs as any).chart) === "jenkins" || (r.inputs as any).metadata?.name === "jenkins"
                ? { ...r, dependencies: r.dependencies.filter((d) => !poolUrns.has(d)) }
                : r,
        );
        assert.match(orderProblems(rewired, [POOL_ORDER_RULE]).problems.join("\n"), /eks-platform-dev-jenkins does not wait for Karpenter pools/);
    });
});

describe("Karpenter: its monitoring, rendered by Observability (chart service.yaml at v1.14.1, metrics reference v1.14)", () => {
    const karpenterRelease = (plan: Plan) =>
        plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && /(^|\/)karpenter$/.test((r.inputs as any).chart))!;

    for (const stack of ["dev", "prod"])
        it(`${stack}: a ServiceMonitor of the kube-prometheus-stack release reaches the Service the karpenter chart renders`, async () => {
            const plan = await planFor(stack);
            const release = karpenterRelease(plan).inputs as any;
            const service = karpenterMetricsService(release.name, release.namespace, release.values, release.version);
            const reaching = monitorsOf(plan).filter((m) => m.kind === "ServiceMonitor" && scrapes(m, service));
            assert.deepStrictEqual(
                reaching.map((m) => [m.name, m.path]),
                [["karpenter", "/metrics"]],
            );
            // The rules select the series by `job`, which a ServiceMonitor sets to the Service's name.
            assert.ok(
                karpenterMonitoring().ruleGroups!.every((g) => g.rules.every((r) => r.expr.includes(`job="${service.name}"`))),
                "every rule selects job=<the Service's name>",
            );
        });

    it("dev: its rules are in the release's PrometheusRule and its dashboard is a ConfigMap the Grafana sidecar loads", async () => {
        const plan = await planFor("dev");
        const groups = kpsValuesOf(plan).additionalPrometheusRulesMap.platform.groups;
        assert.deepStrictEqual(
            groups.find((g: any) => g.name === "platform-karpenter")?.rules.map((r: any) => r.alert),
            karpenterMonitoring().ruleGroups![0].rules.map((r) => r.alert),
        );
        const board = plan.resources.find(
            (r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.inputs as any).metadata.name === "dashboard-platform-karpenter",
        );
        assert.ok(board, "dashboard ConfigMap");
        assert.strictEqual((board.inputs as any).metadata.labels.grafana_dashboard, "1");
    });

    it("rules and panels read only metrics Karpenter exports", () => {
        assert.deepStrictEqual(foreignMetrics(karpenterMonitoring(), Object.values(KARPENTER_METRICS)), []);
        assert.ok(karpenterMonitoring().ruleGroups![0].rules.length >= 5);
    });

    it("the metric names are those of Karpenter 1.14.1's metrics reference", function () {
        const doc = upstreamSource(
            this,
            "aws/karpenter-provider-aws",
            "c88abbbad455186e69e30296c595e474123e9bc1",
            "website/content/en/v1.14/reference/metrics.md",
        );
        const documented = [...doc.matchAll(/^### `(\w+)`/gm)].map((m) => m[1]);
        assert.ok(documented.length > 50, "the reference lists the metrics");
        assert.deepStrictEqual(
            Object.values(KARPENTER_METRICS).filter((n) => !documented.includes(n)),
            [],
        );
    });
});
