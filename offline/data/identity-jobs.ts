/**
 * What each workload identity of the platform is for: the AWS calls its job makes (which its IAM policies must allow)
 * and, for a principal with an EKS access entry, what it must be able to do in Kubernetes. Anything else a dangerous
 * probe finds allowed is a grant outside the job.
 *
 * Resources are ARN templates: {partition} {region} {account} {cluster} {repository} (the app's ECR repository),
 * {deployer} (one need per deployer role in the plan), and {promoteDeployer} / {promoteRepository}, each promotion
 * stage's deployer role and repository that the plan's Jenkins is configured with (none where it promotes nowhere). A job whose `upstream` names a policy document takes every
 * statement of that document as a need: the request the component makes, with the tags the statement's conditions
 * ask for (see `needsOf` in offline/preflight/iam.ts).
 */
import { lbcPolicy } from "../../components/ingress/lbc";
import { PolicyDocument } from "../../components/shared/iam";

export interface Need {
    actions: string[];
    resource: string;
    /** Request context the call carries, e.g. the request tags a controller sets. */
    context?: Record<string, string | string[]>;
    why: string;
}

/** Where a job's needs are stated upstream: an AWS managed policy (from the npm data package) or a document. */
export type Upstream = { managed: string /* ARN */ } | { document: () => PolicyDocument; source: string };

export interface Job {
    name: string;
    /** IRSA service account ("namespace/name") whose role this job is; a renamed role is still found by its trust policy. */
    serviceAccount?: string;
    /** For identities without a service account: a role tag (key=value) or a role-name pattern. */
    tag?: [string, string];
    namePattern?: RegExp;
    upstream?: Upstream;
    needs?: Need[];
    /** Kubernetes: the component type whose Kubernetes resources this identity applies (`pulumi up` of that component). */
    deploys?: string;
    /** Probe ids (PROBES) this job legitimately needs. */
    mayAlso?: string[];
    /** Requests near the job's own that it must not be allowed (another cluster's instance, another role). */
    probes?: Probe[];
    source: string;
}

/** The requests of a push to an ECR repository (docker/crane: layer upload, then the manifest). */
export const ECR_PUSH = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
];

/** Tag (or name suffix) by which a deployer role is recognised; issue 11's app deployer only adds a role with it. */
export const DEPLOYER_TAG: [string, string] = ["platform/identity", "deployer"];

/** The tags Karpenter puts on everything it launches (pkg/utils/utils.go GetTags), as request tags and as resource tags. */
const karpenterTags = (kind: "Request" | "Resource", cluster = "{cluster}") => ({
    [`aws:${kind}Tag/kubernetes.io/cluster/${cluster}`]: "owned",
    [`aws:${kind}Tag/karpenter.sh/nodepool`]: "general",
    [`aws:${kind}Tag/eks:eks-cluster-name`]: cluster,
    [`aws:${kind}Tag/karpenter.k8s.aws/ec2nodeclass`]: "default",
});
const ec2Arn = (resource: string) => `arn:{partition}:ec2:{region}:{account}:${resource}`;
const inRegion = { "aws:RequestedRegion": "{region}" };
/** pkg/apis/v1/ec2nodeclass.go InstanceProfileTags. */
const profileTags = (kind: "Request" | "Resource") => ({
    [`aws:${kind}Tag/kubernetes.io/cluster/{cluster}`]: "owned",
    [`aws:${kind}Tag/eks:eks-cluster-name`]: "{cluster}",
    [`aws:${kind}Tag/karpenter.k8s.aws/ec2nodeclass`]: "default",
    [`aws:${kind}Tag/topology.kubernetes.io/region`]: "{region}",
});
const PROFILE = "arn:{partition}:iam::{account}:instance-profile/{cluster}_123";

/**
 * The Karpenter controller's requests (aws/karpenter-provider-aws v1.14.1): launch (pkg/providers/launchtemplate
 * CreateLaunchTemplate, pkg/providers/instance CreateFleet with GetTags' tags, which EC2 also authorizes as
 * RunInstances and CreateTags with ec2:CreateAction, then CreateTags of Name/karpenter.sh/nodeclaim), the node's
 * instance profile (pkg/providers/instanceprofile, tags from InstanceProfileTags, iam:PassRole of the node role to
 * EC2), terminate (TerminateInstances; DeleteLaunchTemplate), the interruption queue (pkg/providers/sqs), and
 * discovery (pkg/providers/{subnet,securitygroup,amifamily,instancetype,capacityreservation,pricing,ssm,version}).
 */
const KARPENTER_NEEDS: Need[] = [
    ...[
        "launch-template/lt-0karpenter",
        "fleet/fleet-0karpenter",
        "instance/i-0karpenter",
        "volume/vol-0karpenter",
        "network-interface/eni-0karpenter",
        "spot-instances-request/sir-0karpenter",
    ].map((r) => ({
        actions: r.startsWith("launch-template") ? ["ec2:CreateLaunchTemplate", "ec2:CreateTags"] : ["ec2:CreateFleet", "ec2:RunInstances", "ec2:CreateTags"],
        resource: ec2Arn(r),
        context: { ...karpenterTags("Request"), "ec2:CreateAction": r.startsWith("launch-template") ? "CreateLaunchTemplate" : "CreateFleet" },
        why: `launch a node: create ${r.split("/")[0]} tagged for the cluster and pool`,
    })),
    {
        actions: ["ec2:CreateFleet", "ec2:RunInstances"],
        resource: ec2Arn("launch-template/lt-0karpenter"),
        context: karpenterTags("Resource"),
        why: "launch from its own launch template",
    },
    ...["subnet/subnet-0a", "security-group/sg-0a"].map((r) => ({
        actions: ["ec2:CreateFleet", "ec2:RunInstances"],
        resource: ec2Arn(r),
        why: "launch into the discovered subnet and security group",
    })),
    { actions: ["ec2:CreateFleet", "ec2:RunInstances"], resource: "arn:{partition}:ec2:{region}::image/ami-0a", why: "launch the AL2023 AMI" },
    {
        actions: ["ec2:CreateTags"],
        resource: ec2Arn("instance/i-0karpenter"),
        context: {
            ...karpenterTags("Resource"),
            "aws:RequestTag/eks:eks-cluster-name": "{cluster}",
            "aws:TagKeys": ["Name", "karpenter.sh/nodeclaim", "eks:eks-cluster-name"],
        },
        why: "name the launched instance after its NodeClaim",
    },
    { actions: ["iam:PassRole"], resource: "{nodeRole}", context: { "iam:PassedToService": "ec2.amazonaws.com" }, why: "give the node the node role" },
    { actions: ["iam:CreateInstanceProfile"], resource: PROFILE, context: profileTags("Request"), why: "create the node class's instance profile" },
    {
        actions: ["iam:TagInstanceProfile"],
        resource: PROFILE,
        context: { ...profileTags("Request"), ...profileTags("Resource") },
        why: "tag the instance profile",
    },
    {
        actions: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
        resource: PROFILE,
        context: profileTags("Resource"),
        why: "put the node role in the profile; remove it with the node class",
    },
    { actions: ["iam:GetInstanceProfile"], resource: PROFILE, why: "read the profile" },
    { actions: ["iam:ListInstanceProfiles"], resource: "*", why: "find profiles left by an old node class" },
    {
        actions: ["ec2:TerminateInstances"],
        resource: ec2Arn("instance/i-0karpenter"),
        context: karpenterTags("Resource"),
        why: "terminate a node it launched (consolidation, interruption, NodePool deletion)",
    },
    {
        actions: ["ec2:DeleteLaunchTemplate"],
        resource: ec2Arn("launch-template/lt-0karpenter"),
        context: karpenterTags("Resource"),
        why: "delete its launch templates",
    },
    {
        actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueUrl"],
        resource: "arn:{partition}:sqs:{region}:{account}:{cluster}",
        why: "handle spot interruption, rebalance, state-change and health messages",
    },
    {
        actions: [
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeImages",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeInstanceTypeOfferings",
            "ec2:DescribeSpotPriceHistory",
            "ec2:DescribeLaunchTemplates",
            "ec2:DescribeInstances",
            "ec2:DescribeCapacityReservations",
        ],
        resource: "*",
        context: inRegion,
        why: "discover subnets, security groups, AMIs, offerings and prices; find its instances",
    },
    {
        actions: ["ssm:GetParameter"],
        resource: "arn:{partition}:ssm:{region}::parameter/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/image_id",
        why: "resolve the AL2023 AMI alias",
    },
    { actions: ["pricing:GetProducts"], resource: "*", why: "on-demand prices" },
    { actions: ["eks:DescribeCluster"], resource: "arn:{partition}:eks:{region}:{account}:cluster/{cluster}", why: "the API endpoint and service CIDR" },
];

export const JOBS: Job[] = [
    {
        name: "load balancer controller",
        serviceAccount: "kube-system/aws-load-balancer-controller",
        upstream: {
            document: () => lbcPolicy(),
            source: "aws-load-balancer-controller v3.5.0 docs/install/iam_policy.json (components/ingress/lbc.ts, compared with shared/reference by its tests)",
        },
        source: "the controller's own statement of the calls it makes",
    },
    {
        name: "EBS CSI driver",
        serviceAccount: "kube-system/ebs-csi-controller-sa",
        upstream: { managed: "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy" },
        source: "AWS managed policy the EBS CSI driver docs name (docs/install.md, kubernetes-sigs/aws-ebs-csi-driver)",
    },
    {
        name: "VPC CNI",
        serviceAccount: "kube-system/aws-node",
        upstream: { managed: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy" },
        source: "AWS managed policy for the IPv4 VPC CNI (EKS user guide cni-iam-role)",
    },
    {
        // Branch and pull-request builds (jenkins/jenkins-agent) have no AWS identity; only the deploy cloud's pods do.
        name: "Jenkins deploy agents",
        serviceAccount: "jenkins-deploy/jenkins-deploy",
        needs: [
            { actions: ["ecr:GetAuthorizationToken"], resource: "*", why: "docker login to ECR" },
            { actions: ECR_PUSH, resource: "{repository}", why: "push the app image" },
            { actions: ["sts:AssumeRole"], resource: "{deployer}", why: "run the deploy as the deployer role" },
            {
                actions: ["sts:AssumeRole"],
                resource: "{promoteDeployer}",
                why: "promote: run each stage's deploy as its deployer (cicd:promoteTo[].deployRoleArn)",
            },
            {
                actions: ECR_PUSH,
                resource: "{promoteRepository}",
                why: "promote: copy the tested image from stage to stage's repository (no deployer has ECR rights)",
            },
        ],
        source: "the pipeline: build, push to the app repository, deploy as the deployer, promote (components/cicd/index.ts, Jenkinsfile.promote)",
    },
    {
        // Every branch and pull request, reviewed or not: tests and offline plans need no AWS call at all.
        name: "Jenkins build agents",
        serviceAccount: "jenkins-builds/jenkins-agent",
        needs: [],
        source: "the Jenkinsfile's CI stage: npm ci, tsc, mocha, offline plans",
    },
    {
        name: "Karpenter controller",
        serviceAccount: "kube-system/karpenter",
        needs: KARPENTER_NEEDS,
        probes: [
            {
                id: "terminate-other-cluster",
                action: "ec2:TerminateInstances",
                resource: ec2Arn("instance/i-0other"),
                context: karpenterTags("Resource", "other-cluster"),
                why: "can terminate another cluster's Karpenter node",
            },
            {
                id: "terminate-unpooled",
                action: "ec2:TerminateInstances",
                resource: ec2Arn("instance/i-0system"),
                context: { "aws:ResourceTag/kubernetes.io/cluster/{cluster}": "owned" },
                why: "can terminate a node of this cluster that no NodePool launched (the system group's)",
            },
            {
                id: "pass-other-role",
                action: "iam:PassRole",
                resource: "arn:{partition}:iam::{account}:role/{cluster}-other",
                context: { "iam:PassedToService": "ec2.amazonaws.com" },
                why: "can give an instance a role other than the node role",
            },
            {
                id: "fleet-untagged",
                action: "ec2:CreateFleet",
                resource: ec2Arn("instance/i-0untagged"),
                why: "can launch instances not tagged for the cluster",
            },
        ],
        source: "aws/karpenter-provider-aws v1.14.1 pkg/providers/* (see KARPENTER_NEEDS); conditions as in shared/reference/karpenter/cloudformation.yaml",
    },
    {
        // The system group's role and Karpenter's node role: kubelet joins the cluster and pulls images.
        name: "worker node",
        namePattern: /-node$/,
        upstream: { managed: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy" },
        needs: [
            { actions: ["ecr:GetAuthorizationToken"], resource: "*", why: "kubelet's ECR credential provider" },
            { actions: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], resource: "{repository}", why: "pull the app image" },
        ],
        source: "AWS managed policy the EKS user guide names for nodes (create-node-role), and image pulls from ECR",
    },
    {
        name: "deployer",
        tag: DEPLOYER_TAG,
        namePattern: /-deploy$/,
        // The app stack builds its kubeconfig from the platform's outputs (no eks:DescribeCluster) and `aws eks get-token`
        // only presigns sts:GetCallerIdentity. Its state, secrets-key and Route53 needs depend on stack config the plan
        // does not hold; tests/appstack/deployer.test.ts simulates them against components/cicd/app-deployer.ts.
        needs: [
            {
                actions: ["sts:GetCallerIdentity"],
                resource: "*",
                why: "Pulumi reads the caller's account (IAM needs no grant for it, only the absence of a Deny)",
            },
        ],
        deploys: "platform:app:WebApp",
        source: "`pulumi up` of the app stack (appstack/): the WebApp's Kubernetes objects in the app namespace",
    },
];

export interface Probe {
    id: string;
    action: string;
    resource: string;
    why: string;
    context?: Record<string, string | string[]>;
}

/** Requests no platform identity needs; each one allowed (without tags: a resource nobody tagged for the job) is reported. */
export const PROBES: Probe[] = [
    { id: "create-role", action: "iam:CreateRole", resource: "arn:{partition}:iam::{account}:role/probe", why: "can create roles (privilege escalation)" },
    { id: "attach-policy", action: "iam:AttachRolePolicy", resource: "arn:{partition}:iam::{account}:role/probe", why: "can attach policies to roles" },
    {
        id: "pass-role",
        action: "iam:PassRole",
        resource: "arn:{partition}:iam::{account}:role/probe-admin",
        why: "can pass any role to a service (iam:PassRole on *)",
    },
    { id: "assume-role", action: "sts:AssumeRole", resource: "arn:{partition}:iam::{account}:role/probe-admin", why: "can assume any role" },
    {
        id: "terminate",
        action: "ec2:TerminateInstances",
        resource: "arn:{partition}:ec2:{region}:{account}:instance/i-0probe",
        why: "can terminate any instance",
    },
    {
        id: "delete-volume",
        action: "ec2:DeleteVolume",
        resource: "arn:{partition}:ec2:{region}:{account}:volume/vol-0probe",
        why: "can delete volumes it did not create",
    },
    {
        id: "delete-sg",
        action: "ec2:DeleteSecurityGroup",
        resource: "arn:{partition}:ec2:{region}:{account}:security-group/sg-0probe",
        why: "can delete security groups it did not create",
    },
    {
        id: "delete-lb",
        action: "elasticloadbalancing:DeleteLoadBalancer",
        resource: "arn:{partition}:elasticloadbalancing:{region}:{account}:loadbalancer/app/probe/0",
        why: "can delete load balancers it did not create",
    },
    { id: "s3-read", action: "s3:GetObject", resource: "arn:{partition}:s3:::probe-bucket/key", why: "can read any S3 object" },
    { id: "s3-write", action: "s3:PutObject", resource: "arn:{partition}:s3:::probe-bucket/key", why: "can write any S3 object" },
    { id: "kms-decrypt", action: "kms:Decrypt", resource: "arn:{partition}:kms:{region}:{account}:key/probe", why: "can decrypt with any KMS key" },
    {
        id: "secrets",
        action: "secretsmanager:GetSecretValue",
        resource: "arn:{partition}:secretsmanager:{region}:{account}:secret:probe",
        why: "can read any secret",
    },
    {
        id: "other-cluster",
        action: "eks:CreateAccessEntry",
        resource: "arn:{partition}:eks:{region}:{account}:cluster/probe-other",
        why: "can grant access to other clusters",
    },
    { id: "delete-cluster", action: "eks:DeleteCluster", resource: "arn:{partition}:eks:{region}:{account}:cluster/{cluster}", why: "can delete the cluster" },
    {
        id: "other-repository",
        action: "ecr:PutImage",
        resource: "arn:{partition}:ecr:{region}:{account}:repository/probe-other",
        why: "can push to other repositories",
    },
];
