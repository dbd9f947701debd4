/**
 * What each workload identity of the platform is for: the AWS calls its job makes (which its IAM policies must allow)
 * and, for a principal with an EKS access entry, what it must be able to do in Kubernetes. Anything else a dangerous
 * probe finds allowed is a grant outside the job.
 *
 * Resources are ARN templates: {partition} {region} {account} {cluster} {repository} (the app's ECR repository),
 * {deployer} (one need per deployer role in the plan), and {promoteDeployer} / {promoteRepository}, the promoted-to
 * stack's deployer role and repository that the plan's Jenkins is configured with (none where it promotes nowhere). A job whose `upstream` names a policy document takes every
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
    source: string;
}

const ECR_PUSH = [
    "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart",
];

/** Tag (or name suffix) by which a deployer role is recognised; issue 11's app deployer only adds a role with it. */
export const DEPLOYER_TAG: [string, string] = ["platform/identity", "deployer"];

export const JOBS: Job[] = [
    {
        name: "load balancer controller",
        serviceAccount: "kube-system/aws-load-balancer-controller",
        upstream: { document: () => lbcPolicy(), source: "aws-load-balancer-controller v3.5.0 docs/install/iam_policy.json (components/ingress/lbc.ts, compared with shared/reference by its tests)" },
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
            { actions: ["sts:AssumeRole"], resource: "{promoteDeployer}", why: "promote: run the next stack's deploy as its deployer (cicd:promoteTo.deployRoleArn)" },
            { actions: ECR_PUSH, resource: "{promoteRepository}", why: "promote: copy the tested image into the next stack's repository (its deployer has no ECR rights)" },
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
        name: "deployer",
        tag: DEPLOYER_TAG,
        namePattern: /-deploy$/,
        // The app stack builds its kubeconfig from the platform's outputs (no eks:DescribeCluster) and `aws eks get-token`
        // only presigns sts:GetCallerIdentity. Its state, secrets-key and Route53 needs depend on stack config the plan
        // does not hold; tests/appstack/deployer.test.ts simulates them against components/cicd/app-deployer.ts.
        needs: [
            { actions: ["sts:GetCallerIdentity"], resource: "*", why: "Pulumi reads the caller's account (IAM needs no grant for it, only the absence of a Deny)" },
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
}

/** Requests no platform identity needs; each one allowed (without tags: a resource nobody tagged for the job) is reported. */
export const PROBES: Probe[] = [
    { id: "create-role", action: "iam:CreateRole", resource: "arn:{partition}:iam::{account}:role/probe", why: "can create roles (privilege escalation)" },
    { id: "attach-policy", action: "iam:AttachRolePolicy", resource: "arn:{partition}:iam::{account}:role/probe", why: "can attach policies to roles" },
    { id: "pass-role", action: "iam:PassRole", resource: "arn:{partition}:iam::{account}:role/probe-admin", why: "can pass any role to a service (iam:PassRole on *)" },
    { id: "assume-role", action: "sts:AssumeRole", resource: "arn:{partition}:iam::{account}:role/probe-admin", why: "can assume any role" },
    { id: "terminate", action: "ec2:TerminateInstances", resource: "arn:{partition}:ec2:{region}:{account}:instance/i-0probe", why: "can terminate any instance" },
    { id: "delete-volume", action: "ec2:DeleteVolume", resource: "arn:{partition}:ec2:{region}:{account}:volume/vol-0probe", why: "can delete volumes it did not create" },
    { id: "delete-sg", action: "ec2:DeleteSecurityGroup", resource: "arn:{partition}:ec2:{region}:{account}:security-group/sg-0probe", why: "can delete security groups it did not create" },
    { id: "delete-lb", action: "elasticloadbalancing:DeleteLoadBalancer", resource: "arn:{partition}:elasticloadbalancing:{region}:{account}:loadbalancer/app/probe/0", why: "can delete load balancers it did not create" },
    { id: "s3-read", action: "s3:GetObject", resource: "arn:{partition}:s3:::probe-bucket/key", why: "can read any S3 object" },
    { id: "s3-write", action: "s3:PutObject", resource: "arn:{partition}:s3:::probe-bucket/key", why: "can write any S3 object" },
    { id: "kms-decrypt", action: "kms:Decrypt", resource: "arn:{partition}:kms:{region}:{account}:key/probe", why: "can decrypt with any KMS key" },
    { id: "secrets", action: "secretsmanager:GetSecretValue", resource: "arn:{partition}:secretsmanager:{region}:{account}:secret:probe", why: "can read any secret" },
    { id: "other-cluster", action: "eks:CreateAccessEntry", resource: "arn:{partition}:eks:{region}:{account}:cluster/probe-other", why: "can grant access to other clusters" },
    { id: "delete-cluster", action: "eks:DeleteCluster", resource: "arn:{partition}:eks:{region}:{account}:cluster/{cluster}", why: "can delete the cluster" },
    { id: "other-repository", action: "ecr:PutImage", resource: "arn:{partition}:ecr:{region}:{account}:repository/probe-other", why: "can push to other repositories" },
];
