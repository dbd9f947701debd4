import * as assert from "assert";
import { PolicyDocument } from "../../components/shared/iam";
import { irsaTrustPolicy } from "../../components/shared/irsa";
import { lbcPolicy } from "../../components/ingress/lbc";
import { pipelineEnvScript, promotionEnv, promotionStages } from "../../components/cicd/jenkins";
import { ECR_PUSH } from "../../offline/data/identity-jobs";
import { permissions } from "../../offline/preflight/permissions";
import { RecordedResource } from "../../offline/recorder";
import { planFor } from "../helpers/plans";
import { res, TODAY } from "./fixtures";

const ACCOUNT = "123456789012";
const OIDC = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.ap-northeast-2.amazonaws.com/id/EXAMPLE`;
const ISSUER = "https://oidc.eks.ap-northeast-2.amazonaws.com/id/EXAMPLE";
const REPO = `arn:aws:ecr:ap-northeast-2:${ACCOUNT}:repository/p-dev/app`;
const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/p-dev-deploy`;
const POLICY_PREFIX = "arn:aws:eks::aws:cluster-access-policy/";

function role(name: string, trust: PolicyDocument, tags?: Record<string, string>): RecordedResource {
    const r = res("aws:iam/role:Role", name, { name, assumeRolePolicy: JSON.stringify(trust), ...(tags ? { tags } : {}) });
    r.outputs = { arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, name };
    return r;
}

const irsa = (name: string, namespace: string, sa: string) => role(name, irsaTrustPolicy(OIDC, ISSUER, namespace, sa));
const inline = (name: string, roleName: string, policy: PolicyDocument) =>
    res("aws:iam/rolePolicy:RolePolicy", name, { role: roleName, policy: JSON.stringify(policy) });
const attach = (name: string, roleName: string, policyArn: string) =>
    res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", name, { role: roleName, policyArn });
const allow = (Action: string[], Resource: string | string[]): PolicyDocument => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action, Resource }],
});

function lbc(policy: PolicyDocument = lbcPolicy(), roleName = "p-dev-lbc"): RecordedResource[] {
    const p = res("aws:iam/policy:Policy", "p-dev-lbc", { policy: JSON.stringify(policy) });
    p.outputs = { arn: `arn:aws:iam::${ACCOUNT}:policy/p-dev-lbc` };
    return [p, irsa(roleName, "kube-system", "aws-load-balancer-controller"), attach("lbc", roleName, p.outputs.arn as string)];
}

function access(principalArn: string, policy: string, namespaces?: string[]): RecordedResource[] {
    return [
        res("aws:eks/accessEntry:AccessEntry", `${policy}-entry`, { principalArn, type: "STANDARD" }),
        res("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", `${policy}-${namespaces?.join("-") ?? "cluster"}`, {
            principalArn,
            policyArn: `${POLICY_PREFIX}${policy}`,
            accessScope: namespaces ? { type: "namespace", namespaces } : { type: "cluster" },
        }),
    ];
}

/** The platform's identities as components/ builds them: all have exactly what their job needs. */
function identities(o: { lbcPolicy?: PolicyDocument; deployerAccess?: RecordedResource[]; appNamespace?: boolean } = {}): RecordedResource[] {
    const cluster = res("eks:index:Cluster", "eks", { name: "p-dev", version: "1.35" });
    const repo = res("aws:ecr/repository:Repository", "app", { name: "p-dev/app" });
    repo.outputs = { arn: REPO };
    const deployer = role("p-dev-deploy", {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:role/p-dev-jenkins-deploy`] }, Action: "sts:AssumeRole" }],
    });
    const app = res("platform:app:WebApp", "app", {});
    return [
        cluster,
        repo,
        ...lbc(o.lbcPolicy),
        irsa("p-dev-ebs-csi", "kube-system", "ebs-csi-controller-sa"),
        attach("ebs-csi", "p-dev-ebs-csi", "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"),
        irsa("p-dev-vpc-cni", "kube-system", "aws-node"),
        attach("vpc-cni", "p-dev-vpc-cni", "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"),
        irsa("p-dev-jenkins-deploy", "jenkins-deploy", "jenkins-deploy"),
        inline("agent", "p-dev-jenkins-deploy", {
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                {
                    Effect: "Allow",
                    Action: ECR_PUSH,
                    Resource: REPO,
                },
                { Effect: "Allow", Action: "sts:AssumeRole", Resource: DEPLOY },
            ],
        }),
        deployer,
        inline("deploy", "p-dev-deploy", {
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Action: ["sts:GetCallerIdentity", "eks:Describe*", "ecr:GetAuthorizationToken"], Resource: "*" },
                { Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:PutImage"], Resource: REPO },
            ],
        }),
        ...(o.deployerAccess ?? [...access(DEPLOY, "AmazonEKSAdminViewPolicy"), ...access(DEPLOY, "AmazonEKSEditPolicy", ["app"])]),
        app,
        ...(o.appNamespace ? [res("kubernetes:core/v1:Namespace", "app-ns", { metadata: { name: "app" } }, { parent: app })] : []),
        res("kubernetes:apps/v1:Deployment", "app-deploy", { metadata: { name: "app", namespace: "app" } }, { parent: app }),
    ];
}

const run = (resources: RecordedResource[]) => permissions({ resources, date: TODAY });

const PROMOTE_DEPLOYER = "arn:aws:iam::111122223333:role/eks-platform-prod-deploy";
const PROMOTE_REPO = "arn:aws:ecr:ap-northeast-2:111122223333:repository/eks-platform-prod/app";
const STAGING_DEPLOYER = "arn:aws:iam::111122223333:role/eks-platform-staging-deploy";
const STAGING_REPO = "arn:aws:ecr:ap-northeast-2:111122223333:repository/eks-platform-staging/app";

/** Jenkins as components/cicd/jenkins.ts configures it when it promotes to staging, then prod: each stage's deployer and repository in its jobs' environment. */
const promotingJenkins = () =>
    res("kubernetes:helm.sh/v3:Release", "p-dev-jenkins", {
        chart: "jenkins",
        values: {
            controller: {
                JCasC: {
                    configScripts: {
                        "platform-env": pipelineEnvScript({
                            AWS_REGION: "ap-northeast-2",
                            ECR_REPOSITORY_URL: "x",
                            DEPLOY_ROLE_ARN: DEPLOY,
                            PULUMI_BACKEND_URL: "s3://b",
                            PLATFORM_STACK: "dev",
                            APP_STACK: "dev",
                            APP_URL: "https://a",
                            DEPLOY_JOB: "deploy/x",
                            DEPLOY_BRANCH: "main",
                            ...promotionEnv(
                                promotionStages(
                                    [
                                        {
                                            stack: "staging",
                                            deployRoleArn: STAGING_DEPLOYER,
                                            repositoryUrl: "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/eks-platform-staging/app",
                                            appUrl: "https://s",
                                            approvers: ["team"],
                                        },
                                        {
                                            stack: "prod",
                                            deployRoleArn: PROMOTE_DEPLOYER,
                                            repositoryUrl: "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/eks-platform-prod/app",
                                            appUrl: "https://p",
                                            approvers: ["leads"],
                                        },
                                    ],
                                    "deploy/x",
                                    "x",
                                ),
                            ),
                        }),
                    },
                },
            },
        },
    });

describe("preflight: permissions", function () {
    this.timeout(60000);

    it("passes identities whose policies allow their job and nothing outside it; AWS managed policies come from the data package", () => {
        const result = run(identities());
        assert.deepStrictEqual(result.problems, []);
        const lines = result.lines.join("\n");
        assert.match(lines, /Role p-dev-lbc \(load balancer controller\): (\d+) of \1 requests of its job allowed; 0 of \d+ probes/);
        assert.match(lines, /Role p-dev-ebs-csi \(EBS CSI driver\): (\d+) of \1 requests/);
        assert.match(lines, /Role p-dev-vpc-cni \(VPC CNI\): (\d+) of \1 requests/);
        assert.match(lines, /Role p-dev-jenkins-deploy \(Jenkins deploy agents\): 9 of 9 requests/);
        assert.match(lines, /Role p-dev-deploy \(deployer\): 1 of 1 requests/);
    });

    it("fails a load balancer controller policy without elasticloadbalancing:AddTags or ec2:DescribeAvailabilityZones (upstream iam_policy.json v3.5.0 needs both)", () => {
        const policy = lbcPolicy();
        for (const s of policy.Statement) {
            s.Action = (Array.isArray(s.Action) ? s.Action : [s.Action]).filter(
                (a) => a !== "elasticloadbalancing:AddTags" && a !== "ec2:DescribeAvailabilityZones",
            );
        }
        const problems = run(identities({ lbcPolicy: policy })).problems.join("\n");
        assert.match(problems, /Role p-dev-lbc \(load balancer controller\): its job needs ec2:DescribeAvailabilityZones on \*/);
        // The controller tags the target groups it creates: the request carries the create action and cluster tag the statement's conditions ask for.
        assert.match(
            problems,
            /its job needs elasticloadbalancing:AddTags on arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup\/x\/x with elasticloadbalancing:CreateAction="CreateTargetGroup", aws:RequestTag\/elbv2\.k8s\.aws\/cluster="x"/,
        );
    });

    it("finds a renamed role by the service account its trust policy admits", () => {
        const resources = identities().filter((r) => r.type !== "aws:iam/role:Role" || r.name !== "p-dev-lbc");
        resources.push(irsa("ingress-controller-role", "kube-system", "aws-load-balancer-controller"));
        for (const r of resources.filter((x) => x.name === "lbc")) r.inputs.role = "ingress-controller-role";
        assert.match(run(resources).lines.join("\n"), /Role ingress-controller-role \(load balancer controller\): (\d+) of \1 requests/);
    });

    it("reports iam:PassRole on * as a grant outside the job", () => {
        const resources = identities();
        resources.push(inline("extra", "p-dev-ebs-csi", allow(["iam:PassRole"], "*")));
        const problems = run(resources).problems;
        assert.deepStrictEqual(problems, [
            "Role p-dev-ebs-csi (EBS CSI driver): grant outside its job: can pass any role to a service (iam:PassRole on *): iam:PassRole on arn:aws:iam::123456789012:role/probe-admin",
        ]);
    });

    it("reports s3:* on * and ec2:TerminateInstances on *, but not a grant scoped to the job's own resources", () => {
        const resources = identities();
        resources.push(inline("wide", "p-dev-jenkins-deploy", allow(["s3:*", "ec2:TerminateInstances"], "*")));
        const problems = run(resources).problems.join("\n");
        assert.match(problems, /Jenkins deploy agents\): grant outside its job: can read any S3 object/);
        assert.match(problems, /Jenkins deploy agents\): grant outside its job: can terminate any instance/);
        const scoped = identities();
        scoped.push(inline("scoped", "p-dev-jenkins-deploy", allow(["ecr:DescribeImages"], REPO)));
        assert.deepStrictEqual(run(scoped).problems, []);
    });

    it("fails a deployer without namespace rights whose app creates a namespace; cluster admin may", () => {
        const problems = run(identities({ appNamespace: true })).problems;
        assert.strictEqual(problems.length, 1, problems.join("\n"));
        assert.match(
            problems[0],
            /^Role p-dev-deploy \(deployer\) cannot create namespaces, which Namespace app-ns needs; its EKS access: policies AmazonEKSAdminViewPolicy \(cluster\), AmazonEKSEditPolicy \(namespaces app\); create namespaces: no/,
        );
        assert.deepStrictEqual(run(identities({ appNamespace: true, deployerAccess: access(DEPLOY, "AmazonEKSClusterAdminPolicy") })).problems, []);
    });

    // Issue 11's deployer: an access entry mapping it to a group, a Role in the app namespace bound to that group.
    it("follows an access entry's Kubernetes groups to the Roles bound to them, kind by kind", () => {
        const grouped = (verbs: string[]) => [
            res("aws:eks/accessEntry:AccessEntry", "deployer-entry", { principalArn: DEPLOY, type: "STANDARD", kubernetesGroups: ["app-deployers"] }),
            res("kubernetes:rbac.authorization.k8s.io/v1:Role", "app-deployer", {
                metadata: { name: "app-deployer", namespace: "app" },
                rules: [
                    { apiGroups: ["apps"], resources: ["deployments"], verbs },
                    { apiGroups: [""], resources: ["services", "serviceaccounts"], verbs },
                    { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs },
                    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs },
                    { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs },
                ],
            }),
            res("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "app-deployer-binding", {
                metadata: { name: "app-deployer", namespace: "app" },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "app-deployer" },
                subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "app-deployers" }],
            }),
        ];
        const ok = run(identities({ deployerAccess: grouped(["get", "list", "watch", "create", "patch", "delete"]), appNamespace: false }));
        assert.deepStrictEqual(ok.problems, []);
        assert.ok(
            ok.lines.some((l) =>
                l.startsWith(
                    `access entry ${DEPLOY}: policies Role app-deployer (namespaces app); create namespaces: no; read secrets cluster-wide: no; edit in: app`,
                ),
            ),
            ok.lines.join("\n"),
        );
        const readOnly = run(identities({ deployerAccess: grouped(["get", "list", "watch"]), appNamespace: false })).problems;
        assert.match(readOnly.join("\n"), /Role p-dev-deploy \(deployer\) cannot create workloads in app, which Deployment app-deploy needs/);
    });

    it("honours namespace scope: edit in another namespace does not let the deployer apply the app's Deployment", () => {
        const problems = run(identities({ deployerAccess: access(DEPLOY, "AmazonEKSEditPolicy", ["other"]) })).problems;
        assert.deepStrictEqual(
            problems.map((p) => p.replace(/;.*/, "")),
            ["Role p-dev-deploy (deployer) cannot create workloads in app, which Deployment app-deploy needs"],
        );
    });

    it("applies the deployer's job to a role tagged platform/identity=deployer (issue 11's app deployer) and checks custom resources", () => {
        const resources = identities();
        const app = resources.find((r) => r.type === "platform:app:WebApp")!;
        const tagged = role("app-pipeline", { Version: "2012-10-17", Statement: [] }, { "platform/identity": "deployer" });
        resources.push(
            tagged,
            ...access(tagged.outputs.arn as string, "AmazonEKSEditPolicy", ["app"]),
            res("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "app-monitor", { metadata: { name: "app", namespace: "app" } }, { parent: app }),
        );
        const problems = run(resources).problems.join("\n");
        assert.match(
            problems,
            /Role p-dev-jenkins-deploy \(Jenkins deploy agents\): its job needs sts:AssumeRole on arn:aws:iam::123456789012:role\/app-pipeline/,
        );
        assert.match(problems, /Role app-pipeline \(deployer\) cannot create custom in app, which ServiceMonitor app-monitor needs/);
    });

    it("reports for each access entry whether it can create namespaces, read secrets cluster-wide and where it can edit", () => {
        const lines = run([...identities(), ...access("arn:aws:iam::111122223333:role/Viewer", "AmazonEKSViewPolicy")]).lines;
        assert.ok(
            lines.includes(
                `access entry ${DEPLOY}: policies AmazonEKSAdminViewPolicy (cluster), AmazonEKSEditPolicy (namespaces app); create namespaces: no; read secrets cluster-wide: yes; edit in: app`,
            ),
            lines.join("\n"),
        );
        assert.ok(
            lines.includes(
                "access entry arn:aws:iam::111122223333:role/Viewer: policies AmazonEKSViewPolicy (cluster); create namespaces: no; read secrets cluster-wide: no; edit in: none",
            ),
            lines.join("\n"),
        );
    });

    it("fails a role with an attached policy whose document is neither in the plan nor an AWS managed policy", () => {
        const resources = identities();
        resources.push(attach("ghost", "p-dev-vpc-cni", "arn:aws:iam::aws:policy/NoSuchManagedPolicy"));
        assert.match(run(resources).problems.join("\n"), /Role p-dev-vpc-cni \(VPC CNI\): no document for arn:aws:iam::aws:policy\/NoSuchManagedPolicy/);
    });

    describe("the promotion path", () => {
        it("the deploy pods' role must be allowed to assume every stage's deployer and push into every stage's repository", () => {
            const problems = run([...identities(), promotingJenkins()]).problems.join("\n");
            for (const [deployer, repository] of [
                [STAGING_DEPLOYER, STAGING_REPO],
                [PROMOTE_DEPLOYER, PROMOTE_REPO],
            ]) {
                assert.match(
                    problems,
                    new RegExp(`Role p-dev-jenkins-deploy \\(Jenkins deploy agents\\): its job needs sts:AssumeRole on ${deployer} \\(promote`),
                );
                assert.match(
                    problems,
                    new RegExp(`Role p-dev-jenkins-deploy \\(Jenkins deploy agents\\): its job needs ecr:PutImage on ${repository} \\(promote`),
                );
            }
            const grant = (deployers: string[], repositories: string[]) =>
                inline("promote", "p-dev-jenkins-deploy", {
                    Version: "2012-10-17",
                    Statement: [
                        { Effect: "Allow", Action: "sts:AssumeRole", Resource: deployers },
                        { Effect: "Allow", Action: ECR_PUSH, Resource: repositories },
                    ],
                });
            // The grant of the single-target pipeline: prod alone. Staging, a stage before it, is refused.
            const prodOnly = run([...identities(), promotingJenkins(), grant([PROMOTE_DEPLOYER], [PROMOTE_REPO])]).problems.join("\n");
            assert.match(prodOnly, new RegExp(`its job needs sts:AssumeRole on ${STAGING_DEPLOYER}`));
            assert.doesNotMatch(prodOnly, new RegExp(`its job needs sts:AssumeRole on ${PROMOTE_DEPLOYER}`));
            const result = run([...identities(), promotingJenkins(), grant([STAGING_DEPLOYER, PROMOTE_DEPLOYER], [STAGING_REPO, PROMOTE_REPO])]);
            assert.deepStrictEqual(result.problems, []);
            assert.match(result.lines.join("\n"), /Role p-dev-jenkins-deploy \(Jenkins deploy agents\): 25 of 25 requests/);
            assert.match(
                result.lines.join("\n"),
                /deploy boundary: 5 deployer\/promotion grants, held by Role p-dev-jenkins-deploy; branch and pull-request builds \(jenkins-builds\/jenkins-agent\) have no IAM role/,
            );
        });

        it("fails any other identity that may assume a deployer or push into a stage's repository: a role branch builds run as, the nodes' role", () => {
            const builds = irsa("p-dev-builds", "jenkins-builds", "jenkins-agent");
            const node = role("p-dev-node", {
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
            });
            const problems = run([
                ...identities(),
                promotingJenkins(),
                builds,
                inline("builds", "p-dev-builds", allow(["sts:AssumeRole"], "*")),
                node,
                inline("node", "p-dev-node", allow(["ecr:PutImage"], STAGING_REPO)),
            ]).problems.join("\n");
            assert.match(
                problems,
                new RegExp(
                    `Role p-dev-builds, which branch and pull-request builds run as, may sts:AssumeRole on ${PROMOTE_DEPLOYER}: only the deploy cloud's pods`,
                ),
            );
            assert.match(
                problems,
                /Role p-dev-builds, which branch and pull-request builds run as, may sts:AssumeRole on arn:aws:iam::123456789012:role\/p-dev-deploy/,
            );
            assert.match(problems, new RegExp(`Role p-dev-node may ecr:PutImage on ${STAGING_REPO}`));
        });
    });

    for (const stack of ["dev", "prod"] as const) {
        it(`passes the committed ${stack} stack's identities`, async () => {
            const plan = await planFor(stack);
            const result = run(plan.resources);
            // Known, reported to the CI helper (issue 11): the app's first deploy creates Namespace app as the deploy
            // role, whose access (AdminView + Edit in app) cannot create namespaces.
            assert.deepStrictEqual(
                result.problems.filter((p) => !/\(deployer\) cannot create namespaces, which Namespace \S*app-ns needs/.test(p)),
                [],
            );
            assert.match(
                result.lines.join("\n"),
                new RegExp(`Role eks-platform-${stack}-lbc \\(load balancer controller\\): (\\d+) of \\1 requests of its job allowed; 0 of`),
            );
            // dev promotes to staging, then prod: its deploy pods alone may assume the three deployers and push to both stages' repositories.
            const boundary =
                stack === "dev"
                    ? /deploy boundary: 5 deployer\/promotion grants, held by Role eks-platform-dev-jenkins-deploy; branch and pull-request builds \(jenkins-builds\/jenkins-agent\) have no IAM role/
                    : /deploy boundary: 1 deployer\/promotion grants, held by nobody;/;
            assert.match(result.lines.join("\n"), boundary);
        });
    }

    describe("the Karpenter controller (karpenter-provider-aws v1.14.1 pkg/providers/*)", () => {
        it("checks the committed stack's controller role against its job: launch, terminate, interruption queue, discovery", async () => {
            const plan = await planFor("dev");
            const lines = run(plan.resources).lines.join("\n");
            assert.match(
                lines,
                /Role eks-platform-dev-karpenter \(Karpenter controller\): (\d+) of \1 requests of its job allowed; 0 of \d+ probes outside its job allowed/,
            );
            assert.doesNotMatch(lines, /Role eks-platform-dev-karpenter: no job/);
        });

        it("checks both node roles (system group, Karpenter's) against a node's job, and reports a node role that can terminate instances", async () => {
            const plan = await planFor("dev");
            const lines = run(plan.resources).lines.join("\n");
            for (const role of ["eks-platform-dev-node", "eks-platform-dev-karpenter-node"]) {
                assert.match(lines, new RegExp(`Role ${role} \\(worker node\\): (\\d+) of \\1 requests of its job allowed; 0 of`));
            }
            const widened = [...plan.resources, inline("node-extra", "eks-platform-dev-karpenter-node", allow(["ec2:TerminateInstances"], "*"))];
            assert.match(
                run(widened).problems.join("\n"),
                /eks-platform-dev-karpenter-node \(worker node\): grant outside its job: can terminate any instance/,
            );
        });

        it("reports a controller that may terminate any instance or pass any role, and one that cannot read its queue", async () => {
            const plan = await planFor("dev");
            const broadened = plan.resources.map((r) => {
                if (r.type !== "aws:iam/policy:Policy") return r;
                const doc = JSON.parse(String(r.inputs.policy));
                for (const st of doc.Statement) {
                    // Upstream's AllowScopedDeletion and AllowPassingInstanceRole, unscoped.
                    if (st.Sid === "AllowScopedDeletion" || st.Sid === "AllowPassingInstanceRole") {
                        delete st.Condition;
                        st.Resource = "*";
                    }
                    // The queue the controller does not read (settings.interruptionQueue names the cluster's).
                    if (st.Sid === "AllowInterruptionQueueActions") st.Resource = String(st.Resource).replace(/:[^:]+$/, ":another-queue");
                }
                return { ...r, inputs: { ...r.inputs, policy: JSON.stringify(doc) } };
            });
            const problems = run(broadened)
                .problems.filter((p) => p.includes("(Karpenter controller)"))
                .join("\n");
            assert.match(problems, /grant outside its job: can terminate another cluster's Karpenter node/);
            assert.match(problems, /grant outside its job: can terminate a node of this cluster that no NodePool launched/);
            assert.match(problems, /grant outside its job: can give an instance a role other than the node role/);
            assert.match(problems, /its job needs sqs:ReceiveMessage on arn:aws:sqs:ap-northeast-2:123456789012:eks-platform-dev \(/);
        });
    });
});
