/**
 * The AWS Load Balancer Controller: chart, image and IAM policy pinned to one release, so the policy can never be
 * older than the controller that uses it (the old setup's `UnauthorizedOperation` on ec2:DescribeRouteTables).
 * To upgrade: bump LBC, replace the policy below with docs/install/iam_policy.json of the same tag, and run the
 * tests (they compare it with shared/reference/aws-load-balancer-controller for that tag).
 */
import { PolicyDocument, PolicyStatement } from "../shared/iam";
import { systemPlacement } from "../cluster";

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
    };
}
