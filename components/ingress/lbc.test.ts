import * as assert from "assert";
import * as fs from "fs";
import * as YAML from "yaml";
import { LBC, LBC_METRICS, lbcMonitoring, lbcPolicy, lbcValues } from "./lbc";
import { PolicyStatement } from "../shared/iam";
import { referenceFile } from "../../tests/helpers/harness";
import { foreignMetrics, kpsValuesOf, monitorsOf, upstreamSource } from "../../tests/helpers/monitoring";
import { planFor } from "../../tests/helpers/plans";
import { lbcMetricsPods, scrapes } from "../../offline/models/chart-metrics";
import { Plan } from "../../offline/plan";

/** A statement in a form where order of actions/resources and single-vs-list spelling do not matter. */
function canonical(st: PolicyStatement): string {
    const list = (v: string | string[] | undefined) => (v === undefined ? [] : [v].flat().sort());
    const cond = Object.fromEntries(
        Object.entries(st.Condition ?? {})
            .sort()
            .map(([op, kv]) => [
                op,
                Object.fromEntries(
                    Object.entries(kv)
                        .sort()
                        .map(([k, v]) => [k, Array.isArray(v) ? [...v].sort() : v]),
                ),
            ]),
    );
    return JSON.stringify({ Effect: st.Effect, Action: list(st.Action), Resource: list(st.Resource), Condition: cond });
}

function actionsOf(statements: PolicyStatement[]): Set<string> {
    return new Set(statements.flatMap((s) => [s.Action].flat()));
}

describe("AWS Load Balancer Controller pins", () => {
    const partitions: [string, string][] = [
        ["aws", "iam_policy.json"],
        ["aws-cn", "iam_policy_cn.json"],
        ["aws-us-gov", "iam_policy_us-gov.json"],
    ];
    for (const [partition, file] of partitions) {
        it(`the ${partition} IAM policy is the upstream ${LBC.appVersion} policy, statement for statement`, function () {
            const upstream = JSON.parse(fs.readFileSync(referenceFile(this, "aws-load-balancer-controller", file), "utf8"));
            const ours = lbcPolicy(partition);
            const missingActions = [...actionsOf(upstream.Statement)].filter((a) => !actionsOf(ours.Statement).has(a));
            assert.deepStrictEqual(missingActions, [], "actions upstream grants that ours does not");
            assert.deepStrictEqual(ours.Statement.map(canonical).sort(), upstream.Statement.map(canonical).sort());
        });
    }

    it("grants the discovery calls whose absence broke the old setup", () => {
        const actions = actionsOf(lbcPolicy().Statement);
        for (const a of [
            "ec2:DescribeRouteTables",
            "elasticloadbalancing:DescribeListenerAttributes",
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeTargetHealth",
        ]) {
            assert.ok(actions.has(a), `${a} missing`);
        }
    });

    it("scopes destructive load balancer calls to resources tagged for the cluster", () => {
        const deleting = lbcPolicy().Statement.filter((s) => [s.Action].flat().includes("elasticloadbalancing:DeleteLoadBalancer"));
        assert.strictEqual(deleting.length, 1);
        assert.deepStrictEqual(deleting[0].Condition, { Null: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" } });
    });

    it("pins the chart to the same release as the policy and image, matching the upstream chart", function () {
        const chart = YAML.parse(fs.readFileSync(referenceFile(this, "charts", "aws-load-balancer-controller", "Chart.yaml"), "utf8"));
        assert.strictEqual(chart.version, LBC.chartVersion);
        assert.strictEqual(chart.appVersion, LBC.appVersion);
        const values = lbcValues({ clusterName: "c", region: "r", vpcId: "v", roleArn: "a", defaultSslPolicy: "p", resourceTags: {} }) as any;
        assert.strictEqual(values.image.tag, LBC.appVersion);
    });

    it("sets every value the chart needs to find its cluster without IMDS", function () {
        const upstream = YAML.parse(fs.readFileSync(referenceFile(this, "charts", "aws-load-balancer-controller", "values.yaml"), "utf8"));
        const values = lbcValues({
            clusterName: "eks-platform-dev",
            region: "ap-northeast-2",
            vpcId: "vpc-1",
            roleArn: "arn:aws:iam::1:role/x",
            defaultSslPolicy: "p",
            resourceTags: { Project: "eks-platform" },
        }) as any;
        for (const key of Object.keys(values)) assert.ok(key in upstream, `${key} is not a value of chart ${LBC.chartVersion}`);
        assert.deepStrictEqual([values.clusterName, values.region, values.vpcId], ["eks-platform-dev", "ap-northeast-2", "vpc-1"]);
        assert.strictEqual(values.serviceAccount.name, LBC.serviceAccount);
        assert.strictEqual(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::1:role/x");
        // The chart's own default is resources: {}, which the scheduler and the capacity preflight count as free.
        assert.deepStrictEqual(upstream.resources, {});
        assert.deepStrictEqual(values.resources.requests, { cpu: "50m", memory: "128Mi" });
    });

    // Issue 10 item 12: what the controller creates is tagged, so an ALB left behind by a destroy is found and costed.
    it("tags every AWS resource the controller creates through the chart's defaultTags (its --default-tags flag)", function () {
        const upstream = YAML.parse(fs.readFileSync(referenceFile(this, "charts", "aws-load-balancer-controller", "values.yaml"), "utf8"));
        assert.deepStrictEqual(upstream.defaultTags, {}, "the chart's value the controller's --default-tags comes from");
        const values = lbcValues({
            clusterName: "c",
            region: "r",
            vpcId: "v",
            roleArn: "a",
            defaultSslPolicy: "p",
            resourceTags: { Project: "eks-platform", Stack: "dev" },
        }) as any;
        assert.deepStrictEqual(values.defaultTags, { Project: "eks-platform", Stack: "dev" });
    });
});

describe("AWS Load Balancer Controller: its monitoring, rendered by Observability (chart and source at v3.5.0)", () => {
    const lbcRelease = (plan: Plan) => plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as any).chart === LBC.chart)!;

    for (const stack of ["dev", "prod"])
        it(`${stack}: a PodMonitor of the kube-prometheus-stack release reaches the controller's pods, whose name label becomes the rules' job`, async () => {
            const plan = await planFor(stack);
            const release = lbcRelease(plan).inputs as any;
            const pods = lbcMetricsPods(release.name, release.namespace, release.values);
            const reaching = monitorsOf(plan).filter((m) => m.kind === "PodMonitor" && scrapes(m, pods));
            assert.deepStrictEqual(
                reaching.map((m) => [m.name, m.path]),
                [[LBC.chart, "/metrics"]],
            );
            const job = pods.labels[reaching[0].jobLabel!];
            assert.ok(job, "the pods carry the job label");
            assert.ok(lbcMonitoring().ruleGroups!.every((g) => g.rules.every((r) => r.expr.includes(`job="${job}"`))));
        });

    it("dev: its rules are in the release's PrometheusRule and its dashboard is a ConfigMap", async () => {
        const plan = await planFor("dev");
        const groups = kpsValuesOf(plan).additionalPrometheusRulesMap.platform.groups;
        assert.deepStrictEqual(
            groups.find((g: any) => g.name === "platform-lbc")?.rules.map((r: any) => r.alert),
            lbcMonitoring().ruleGroups![0].rules.map((r) => r.alert),
        );
        assert.ok(plan.resources.some((r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.inputs as any).metadata.name === "dashboard-platform-lbc"));
    });

    it("rules and panels read only metrics the controller exports", () => {
        assert.deepStrictEqual(foreignMetrics(lbcMonitoring(), Object.values(LBC_METRICS)), []);
    });

    it("the metric names are those the controller's source registers at v3.5.0 (not its docs' spelling)", function () {
        const repo = "kubernetes-sigs/aws-load-balancer-controller";
        const registered = [
            ["awslbc", upstreamSource(this, repo, LBC.appVersion, "pkg/metrics/lbc/instruments.go")],
            ["aws", upstreamSource(this, repo, LBC.appVersion, "pkg/metrics/aws/instruments.go")],
        ].flatMap(([subsystem, src]) => [...src.matchAll(/^\s+(?:metric)?\w+\s*=\s*"(\w+)"$/gm)].map((m) => `${subsystem}_${m[1]}`));
        assert.deepStrictEqual(
            Object.values(LBC_METRICS).filter((n) => !registered.includes(n)),
            [],
        );
    });
});
