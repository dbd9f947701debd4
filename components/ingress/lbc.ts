/**
 * The AWS Load Balancer Controller: chart, image and IAM policy pinned to one release, so the policy can never be
 * older than the controller that uses it (the old setup's `UnauthorizedOperation` on ec2:DescribeRouteTables).
 * To upgrade: bump LBC, replace the policy below with docs/install/iam_policy.json of the same tag, and run the
 * tests (they compare it with shared/reference/aws-load-balancer-controller for that tag).
 */
import { PolicyDocument, PolicyStatement } from "../shared/iam";
import { systemPlacement } from "../cluster";
import { alertRule, dashboard, MonitoringContribution, panel, RuleGroup, ScrapeTarget } from "../observability/monitoring";

export const LBC = {
    chart: "aws-load-balancer-controller",
    repo: "https://aws.github.io/eks-charts",
    chartVersion: "3.5.0",
    /** Controller release whose image the chart runs and whose IAM policy `lbcPolicy` reproduces. */
    appVersion: "v3.5.0",
    namespace: "kube-system",
    serviceAccount: "aws-load-balancer-controller",
    ingressClass: "alb",
} as const;

/**
 * Namespace labels under which the controller's pod webhook (mpod.elbv2.k8s.aws) injects target-health readiness
 * gates, so a rollout waits until the ALB has registered each new pod (docs/deploy/pod_readiness_gate.md at v3.5.0).
 */
export const READINESS_GATE_LABELS = { "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" } as const;

const ALL = "*";
const TAGGED_BY_CLUSTER = { Null: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" } };
const TAGGING_OWN_RESOURCE = { Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "true", "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" } };
const CREATING_FOR_CLUSTER = { Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" } };

const ELB_DESCRIBE = [
    "DescribeLoadBalancers",
    "DescribeLoadBalancerAttributes",
    "DescribeListeners",
    "DescribeListenerCertificates",
    "DescribeSSLPolicies",
    "DescribeRules",
    "DescribeTargetGroups",
    "DescribeTargetGroupAttributes",
    "DescribeTargetHealth",
    "DescribeTags",
    "DescribeTrustStores",
    "DescribeListenerAttributes",
    "DescribeCapacityReservation",
].map((a) => `elasticloadbalancing:${a}`);

const EC2_DESCRIBE = [
    "DescribeAccountAttributes",
    "DescribeAddresses",
    "DescribeAvailabilityZones",
    "DescribeInternetGateways",
    "DescribeVpcs",
    "DescribeVpcPeeringConnections",
    "DescribeSubnets",
    "DescribeSecurityGroups",
    "DescribeInstances",
    "DescribeNetworkInterfaces",
    "DescribeTags",
    "GetCoipPoolUsage",
    "DescribeCoipPools",
    "GetSecurityGroupsForVpc",
    "DescribeIpamPools",
    "DescribeRouteTables",
].map((a) => `ec2:${a}`);

/** The controller's IAM policy for LBC.appVersion, in the given partition (aws, aws-cn, aws-us-gov). */
export function lbcPolicy(partition = "aws"): PolicyDocument {
    const elb = (resource: string) => `arn:${partition}:elasticloadbalancing:*:*:${resource}`;
    const lbAndTargetGroups = [elb("targetgroup/*/*"), elb("loadbalancer/net/*/*"), elb("loadbalancer/app/*/*")];
    const statements: PolicyStatement[] = [
        {
            Effect: "Allow",
            Action: ["iam:CreateServiceLinkedRole"],
            Resource: ALL,
            Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
        },
        // Discovery: subnets, route tables (to tell public from private subnets), security groups, existing LBs.
        { Effect: "Allow", Action: [...EC2_DESCRIBE, ...ELB_DESCRIBE], Resource: ALL },
        {
            Effect: "Allow",
            Action: [
                "cognito-idp:DescribeUserPoolClient",
                "acm:ListCertificates",
                "acm:DescribeCertificate",
                "iam:ListServerCertificates",
                "iam:GetServerCertificate",
                "waf-regional:GetWebACL",
                "waf-regional:GetWebACLForResource",
                "waf-regional:AssociateWebACL",
                "waf-regional:DisassociateWebACL",
                "wafv2:GetWebACL",
                "wafv2:GetWebACLForResource",
                "wafv2:AssociateWebACL",
                "wafv2:DisassociateWebACL",
                "shield:GetSubscriptionState",
                "shield:DescribeProtection",
                "shield:CreateProtection",
                "shield:DeleteProtection",
            ],
            Resource: ALL,
        },
        { Effect: "Allow", Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"], Resource: ALL },
        { Effect: "Allow", Action: ["ec2:CreateSecurityGroup"], Resource: ALL },
        // Security groups: the controller may only tag and delete the ones it created for this cluster.
        {
            Effect: "Allow",
            Action: ["ec2:CreateTags"],
            Resource: `arn:${partition}:ec2:*:*:security-group/*`,
            Condition: { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" }, ...CREATING_FOR_CLUSTER },
        },
        {
            Effect: "Allow",
            Action: ["ec2:CreateTags", "ec2:DeleteTags"],
            Resource: `arn:${partition}:ec2:*:*:security-group/*`,
            Condition: TAGGING_OWN_RESOURCE,
        },
        {
            Effect: "Allow",
            Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"],
            Resource: ALL,
            Condition: TAGGED_BY_CLUSTER,
        },
        // Load balancers and target groups: created only with the cluster tag, changed only when they carry it.
        {
            Effect: "Allow",
            Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
            Resource: ALL,
            Condition: CREATING_FOR_CLUSTER,
        },
        {
            Effect: "Allow",
            Action: [
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule",
            ],
            Resource: ALL,
        },
        {
            Effect: "Allow",
            Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            Resource: lbAndTargetGroups,
            Condition: TAGGING_OWN_RESOURCE,
        },
        {
            Effect: "Allow",
            Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            Resource: [elb("listener/net/*/*/*"), elb("listener/app/*/*/*"), elb("listener-rule/net/*/*/*"), elb("listener-rule/app/*/*/*")],
        },
        {
            Effect: "Allow",
            Action: [
                "ModifyLoadBalancerAttributes",
                "SetIpAddressType",
                "SetSecurityGroups",
                "SetSubnets",
                "DeleteLoadBalancer",
                "ModifyTargetGroup",
                "ModifyTargetGroupAttributes",
                "DeleteTargetGroup",
                "ModifyListenerAttributes",
                "ModifyCapacityReservation",
                "ModifyIpPools",
            ].map((a) => `elasticloadbalancing:${a}`),
            Resource: ALL,
            Condition: TAGGED_BY_CLUSTER,
        },
        {
            Effect: "Allow",
            Action: ["elasticloadbalancing:AddTags"],
            Resource: lbAndTargetGroups,
            Condition: { StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] }, ...CREATING_FOR_CLUSTER },
        },
        { Effect: "Allow", Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"], Resource: elb("targetgroup/*/*") },
        {
            Effect: "Allow",
            Action: [
                "elasticloadbalancing:SetWebAcl",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:SetRulePriorities",
            ],
            Resource: ALL,
        },
    ];
    return { Version: "2012-10-17", Statement: statements };
}

export interface LbcValuesArgs {
    clusterName: string;
    region: string;
    vpcId: string;
    roleArn: string;
    /** Applied to the ALB's TLS listener when an Ingress names none. */
    defaultSslPolicy: string;
    /** Tags on every AWS resource the controller creates (ALBs, target groups, security groups), which the provider's default tags never reach. */
    resourceTags: Record<string, string>;
}

/** Helm values: cluster, region and VPC always set explicitly, so the controller never guesses them from IMDS. */
export function lbcValues(a: LbcValuesArgs): Record<string, unknown> {
    return {
        clusterName: a.clusterName,
        region: a.region,
        vpcId: a.vpcId,
        image: { tag: LBC.appVersion },
        replicaCount: 2,
        // The chart sets none; without requests the scheduler (and the capacity preflight) counts the controller as free.
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        podDisruptionBudget: { maxUnavailable: 1 },
        // On the system nodes: the chart renders nodeSelector and tolerations as given (templates/deployment.yaml).
        ...systemPlacement(),
        serviceAccount: {
            create: true,
            name: LBC.serviceAccount,
            annotations: { "eks.amazonaws.com/role-arn": a.roleArn },
        },
        ingressClass: LBC.ingressClass,
        createIngressClassResource: true,
        defaultSSLPolicy: a.defaultSslPolicy,
        defaultTargetType: "ip",
        defaultTags: a.resourceTags,
        // Off: the chart's mservice webhook (templates/webhook.yaml, rendered only with this value) admits every Service
        // on CREATE with failurePolicy Fail, so any Service anywhere (Helm upgrades, app deploys, add-ons) would fail
        // while the controller is down, yet it only changes type LoadBalancer Services, of which the platform has none
        // (it takes the in-tree default then, so an NLB must name loadBalancerClass service.k8s.aws/nlb).
        enableServiceMutatorWebhook: false,
    };
}

/**
 * The controller's pods, scraped on their `metrics-server` container port (8080, templates/deployment.yaml at
 * v3.5.0), selected by aws-load-balancer-controller.selectorLabels (_helpers.tpl; the Ingress component releases the
 * chart under its own name). Pods, not a Service: the chart makes its metrics Service only with
 * `serviceMonitor.enabled`, and then also a ServiceMonitor (templates/service.yaml, servicemonitor.yaml) with no
 * check that the CRD exists: on a cold deploy, where the controller comes before kube-prometheus-stack, the release
 * would fail with "no matches for kind ServiceMonitor".
 */
export const LBC_SCRAPE_TARGET: ScrapeTarget = {
    name: LBC.chart,
    namespace: LBC.namespace,
    matchLabels: { "app.kubernetes.io/name": LBC.chart, "app.kubernetes.io/instance": LBC.chart },
    port: "metrics-server",
    path: "/metrics",
    interval: "30s",
    pods: { jobLabel: "app.kubernetes.io/name" },
};

const JOB = `job="${LBC.chart}"`;

/**
 * Metric names the controller exports at v3.5.0, from its source (kubernetes-sigs/aws-load-balancer-controller
 * pkg/metrics/lbc/instruments.go, subsystem `awslbc`; pkg/metrics/aws/instruments.go, subsystem `aws`). Its docs
 * (docs/guide/metrics/prometheus/index.md) list other names for some (awslbc_reconcile_errors_total,
 * awslbc_webhook_mutation_failures_total): the source is what is served.
 */
export const LBC_METRICS = {
    /** controller (ingress, service, targetGroupBinding, ...), error_category. */
    reconcileErrors: "awslbc_controller_reconcile_errors_total",
    /** controller, reconcile_stage. */
    reconcileStageDuration: "awslbc_controller_reconcile_stage_duration",
    /** webhook_name, error_category: the pod readiness gate and service mutators. */
    webhookMutationFailures: "awslbc_webhook_mutation_failure_total",
    /** namespace, name (the TargetGroupBinding). */
    readinessGateReady: "awslbc_readiness_gate_ready_seconds",
    /** service, operation, status_code, error_code. */
    awsApiCalls: "aws_api_calls_total",
    awsPermissionErrors: "aws_api_call_permission_errors_total",
    awsThrottled: "aws_api_call_throttled_errors_total",
} as const;

export function lbcDashboard(): object {
    const m = LBC_METRICS;
    return dashboard("platform-lbc", "AWS Load Balancer Controller", [
        panel(1, "Reconcile errors by controller", "short", [
            [`sum by (controller, error_category) (increase(${m.reconcileErrors}{${JOB}}[1h]))`, "{{controller}} {{error_category}}"],
        ]),
        panel(2, "AWS API calls by service", "reqps", [[`sum by (service) (rate(${m.awsApiCalls}{${JOB}}[5m]))`, "{{service}}"]]),
        panel(3, "AWS API permission and throttling errors", "short", [
            [`sum by (service, operation) (increase(${m.awsPermissionErrors}{${JOB}}[1h]))`, "denied {{service}} {{operation}}"],
            [`sum by (service, operation) (increase(${m.awsThrottled}{${JOB}}[1h]))`, "throttled {{service}} {{operation}}"],
        ]),
        panel(4, "Readiness gate flip p90", "s", [[`histogram_quantile(0.9, sum by (le) (rate(${m.readinessGateReady}_bucket{${JOB}}[15m])))`, "p90"]]),
    ]);
}

export function lbcRules(): RuleGroup {
    const m = LBC_METRICS;
    return {
        name: "platform-lbc",
        rules: [
            alertRule(
                "LoadBalancerControllerDown",
                `absent(up{${JOB}} == 1)`,
                "10m",
                "critical",
                "The AWS Load Balancer Controller is not scraped",
                "No controller pod answers on /metrics: Ingresses are not reconciled and its webhooks may block Services and pods.",
            ),
            alertRule(
                "LoadBalancerControllerAwsPermissionDenied",
                `sum by (service, operation, error_code) (increase(${m.awsPermissionErrors}{${JOB}}[10m])) > 0`,
                "5m",
                "critical",
                "The AWS Load Balancer Controller is denied an AWS call",
                "{{ $labels.service }}:{{ $labels.operation }} fails with {{ $labels.error_code }}: its IAM policy lacks what this controller version calls.",
            ),
            alertRule(
                "LoadBalancerControllerReconcileErrors",
                `sum by (controller, error_category) (rate(${m.reconcileErrors}{${JOB}}[10m])) > 0`,
                "15m",
                "warning",
                "The AWS Load Balancer Controller keeps failing to reconcile",
                "Controller {{ $labels.controller }} fails ({{ $labels.error_category }}): load balancers lag behind their Ingresses or Services.",
            ),
            alertRule(
                "LoadBalancerControllerWebhookMutationFailures",
                `sum by (webhook_name) (rate(${m.webhookMutationFailures}{${JOB}}[10m])) > 0`,
                "10m",
                "warning",
                "The controller's mutating webhook fails",
                "{{ $labels.webhook_name }} fails: pods may start without their target-health readiness gate.",
            ),
        ],
    };
}

/** The controller's scrape target, dashboard and rules. */
export function lbcMonitoring(): MonitoringContribution {
    return {
        scrapeTargets: [LBC_SCRAPE_TARGET],
        dashboards: { "platform-lbc": lbcDashboard() },
        ruleGroups: [lbcRules()],
    };
}
