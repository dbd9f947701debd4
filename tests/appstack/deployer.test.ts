/**
 * The app deployer's rights against what the app stack's `up` needs: the needs are looked up, type by type, for
 * the resources the app plan really contains (APP_DEPLOYER_NEEDS cites the source of each), and the IAM document
 * is evaluated with @cloud-copilot/iam-simulate, a maintained IAM policy simulator.
 */
import * as assert from "assert";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import * as YAML from "yaml";
import { APP_DEPLOYER_GROUP, APP_DEPLOYER_NEEDS, diyStackPaths, kubernetesRules, normalizedRecordName } from "../../components/cicd/app-deployer";
import { JENKINS } from "../../components/cicd/jenkins";
import { ACCOUNT_ID } from "../../offline/mocks";
import { Plan } from "../../offline/plan";
import { RecordedResource } from "../helpers/harness";
import { appPlanFor } from "./plans";

const DEPLOY_ROLE = (p: Plan) => p.resources.find((r) => r.type === "aws:iam/role:Role" && r.name.endsWith("-deploy") && !r.name.includes("jenkins"))!;
const policyOf = (p: Plan) =>
    JSON.parse(String(p.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === DEPLOY_ROLE(p).name)!.inputs.policy));
const STATE_BUCKET = "arn:aws:s3:::example-org-pulumi-state";
const STATE = `${STATE_BUCKET}/eks-platform/.pulumi`;
const STATE_ROOT = `${STATE_BUCKET}/eks-platform`;
const KEY = `arn:aws:kms:ap-northeast-2:${ACCOUNT_ID}:key/11111111-2222-3333-4444-555555555555`;
// The key policy AWS gives a new key: it lets IAM policies of the account grant use of the key (KMS developer guide, "Default key policy").
const DEFAULT_KEY_POLICY = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` }, Action: "kms:*", Resource: "*" }],
};

/**
 * What an app stack's `up` touches: its resources, its providers, the stack itself, its secrets provider, and the
 * data source it reads the platform's handoff with (the recorder keeps registrations, not invokes).
 */
function typesOfUp(app: Plan): string[] {
    const types = new Set(app.resources.filter((r) => r.custom || r.type.startsWith("pulumi:providers:")).map((r) => r.type));
    return [...types, "pulumi:pulumi:Stack", "aws:ssm/getParameter:getParameter", "pulumi:secrets:awskms"].sort();
}

async function allowed(
    policy: unknown,
    action: string,
    resource: string,
    context: Record<string, string | string[]> = {},
    resourcePolicy?: unknown,
): Promise<boolean> {
    const result = await runSimulation(
        {
            request: {
                principal: `arn:aws:iam::${ACCOUNT_ID}:role/eks-platform-dev-deploy`,
                action,
                resource: { resource, accountId: ACCOUNT_ID },
                contextVariables: context,
            },
            identityPolicies: [{ name: "deployer", policy }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy,
        },
        {},
    );
    assert.notStrictEqual(result.resultType, "error", JSON.stringify(result));
    return (result as { overallResult: string }).overallResult === "Allowed";
}

describe("the app deployer's rights are exactly what the app stack's up needs", () => {
    let app: Plan;
    let platform: Plan;
    before(async function () {
        this.timeout(120000);
        ({ app, platform } = await appPlanFor("dev"));
    });

    it("every resource type of the app plan has its needs listed with a source", () => {
        for (const type of typesOfUp(app)) {
            assert.ok(APP_DEPLOYER_NEEDS[type], `${type}: what creating, updating, reading and deleting it needs is not listed`);
            assert.ok(APP_DEPLOYER_NEEDS[type].source.length > 10, `${type}: no source cited`);
        }
    });

    it("the IAM policy allows the needed actions and no other", () => {
        const needed = new Set(typesOfUp(app).flatMap((t) => APP_DEPLOYER_NEEDS[t].aws));
        // The committed dev stack names no secrets-provider or state key: KMS rights are there only where one is configured.
        for (const action of ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]) needed.delete(action);
        const granted = new Set(policyOf(platform).Statement.flatMap((s: any) => [s.Action].flat()));
        assert.deepStrictEqual([...granted].sort(), [...needed].sort());
        for (const s of policyOf(platform).Statement) assert.ok(![s.Resource].flat().includes("*"), `${s.Sid} applies to every resource`);
    });

    it("the Kubernetes Role grants the needed verbs on the needed kinds, in the app namespace only, and nothing binds the group cluster-wide", () => {
        const needed = kubernetesRules(typesOfUp(app).flatMap((t) => APP_DEPLOYER_NEEDS[t].kubernetes));
        const namespace = (app.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs.metadata as any).namespace;
        const role = platform.resources.find(
            (r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:Role" && (r.inputs.metadata as any).namespace === namespace,
        )!;
        assert.ok(role, `no Role in the app namespace ${namespace}`);
        assert.deepStrictEqual((role.inputs as any).rules, needed);
        const bindsGroup = (r: RecordedResource) => ((r.inputs as any).subjects ?? []).some((s: any) => s.kind === "Group" && s.name === APP_DEPLOYER_GROUP);
        const bindings = platform.resources.filter((r) => r.type.startsWith("kubernetes:rbac.authorization.k8s.io/v1:") && bindsGroup(r));
        assert.deepStrictEqual(
            bindings.map((r) => [r.type.split(":").pop(), (r.inputs.metadata as any).namespace]),
            [["RoleBinding", namespace]],
        );
        assert.strictEqual(
            platform.resources.filter((r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding" && bindsGroup(r)).length,
            0,
        );
    });

    it("the EKS access entry maps the role to that group alone, with no access policy (AdminView would read every Secret)", () => {
        const role = DEPLOY_ROLE(platform);
        const entries = platform.resources.filter((r) => r.type === "aws:eks/accessEntry:AccessEntry" && r.name === role.name);
        assert.deepStrictEqual(
            entries.map((e) => [e.inputs.type, e.inputs.kubernetesGroups]),
            [["STANDARD", [APP_DEPLOYER_GROUP]]],
        );
        const associations = platform.resources.filter(
            (r) => r.type === "aws:eks/accessPolicyAssociation:AccessPolicyAssociation" && r.name.startsWith(role.name),
        );
        assert.deepStrictEqual(
            associations.map((a) => a.name),
            [],
        );
    });

    it("simulated: the app's own record may change, no other name, and only as an A record", async () => {
        const policy = policyOf(platform);
        const record = app.resources.find((r) => r.type === "aws:route53/record:Record")!;
        const zone = `arn:aws:route53:::hostedzone/${String(record.inputs.zoneId)}`;
        const change = (names: string[], types = ["A"], actions = ["UPSERT"]) => ({
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
            "route53:ChangeResourceRecordSetsRecordTypes": types,
            "route53:ChangeResourceRecordSetsActions": actions,
        });
        const own = normalizedRecordName(String(record.inputs.name));
        for (const action of ["CREATE", "UPSERT", "DELETE"])
            assert.ok(await allowed(policy, "route53:ChangeResourceRecordSets", zone, change([own], ["A"], [action])), action);
        assert.ok(!(await allowed(policy, "route53:ChangeResourceRecordSets", zone, change([own.replace(/^app\./, "jenkins.")]))), "another host's record");
        assert.ok(
            !(await allowed(policy, "route53:ChangeResourceRecordSets", zone, change([own, "grafana.dev.platform.example.com"]))),
            "a batch with another name",
        );
        assert.ok(!(await allowed(policy, "route53:ChangeResourceRecordSets", zone, change([own], ["TXT"]))), "a TXT record");
        assert.ok(!(await allowed(policy, "route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/ZOTHERZONE", change([own]))), "another zone");
        for (const action of ["route53:GetHostedZone", "route53:ListResourceRecordSets"]) assert.ok(await allowed(policy, action, zone), action);
        assert.ok(await allowed(policy, "route53:GetChange", "arn:aws:route53:::change/C0123456789"));
    });

    it("simulated: the app stack's state may be written, the platform's not even read, and nothing else in the bucket", async () => {
        const policy = policyOf(platform);
        // Where pulumi/pulumi v3.248.0 pkg/backend/diy writes them: the lock under locks/organization/<project>/<stack>/
        // (lock.go lockPath with backend.go FullyQualifiedName), the rest under <dir>/<project>/<stack> (store.go).
        const paths = diyStackPaths("eks-platform-app", "dev");
        assert.strictEqual(paths.lockDir, ".pulumi/locks/organization/eks-platform-app/dev/");
        const own = `${STATE_ROOT}/${paths.stack}`;
        for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
            assert.ok(await allowed(policy, action, own), `${action} ${own}`);
            assert.ok(await allowed(policy, action, `${STATE_ROOT}/${paths.lockDir}0f2c4b5e-6a7d-4e8f-9a0b-1c2d3e4f5a6b.json`), `${action} lock`);
            assert.ok(await allowed(policy, action, `${STATE_ROOT}/${paths.historyDir}dev-1.history.json`), `${action} history`);
            assert.ok(await allowed(policy, action, `${STATE_ROOT}/${paths.backupDir}dev.1.json`), `${action} backup`);
        }
        // checkForLock lists the lock directory before every update.
        assert.ok(await allowed(policy, "s3:ListBucket", STATE_BUCKET, { "s3:prefix": `eks-platform/${paths.lockDir}` }), "list the lock directory");
        assert.ok(!(await allowed(policy, "s3:PutObject", `${STATE}/locks/organization/eks-platform-app/prod/x.json`)), "prod app's lock");
        // The platform's state, data key included, is not the app's to read: the handoff is the SSM parameter.
        for (const key of [
            "stacks/eks-platform/dev.json",
            "stacks/eks-platform/dev.json.bak",
            "stacks/eks-platform/dev.json.gz",
            "history/eks-platform/dev/dev-1.checkpoint.json",
        ]) {
            assert.ok(!(await allowed(policy, "s3:GetObject", `${STATE}/${key}`)), `read the platform's ${key}`);
        }
        assert.ok(await allowed(policy, "s3:GetObject", `${STATE}/meta.yaml`), "the backend's meta.yaml");
        for (const action of ["s3:PutObject", "s3:DeleteObject"]) {
            assert.ok(!(await allowed(policy, action, `${STATE}/stacks/eks-platform/dev.json`)), `${action} on the platform's state`);
            assert.ok(!(await allowed(policy, action, `${STATE}/stacks/eks-platform-app/prod.json`)), `${action} on the prod app's state`);
        }
        assert.ok(!(await allowed(policy, "s3:GetObject", `${STATE}/stacks/eks-platform/prod.json`)), "prod platform's state");
        assert.ok(!(await allowed(policy, "s3:ListBucket", STATE_BUCKET, { "s3:prefix": "eks-platform/.pulumi/stacks/" })));
    });

    it("simulated: the platform's app-platform parameter may be read, no other parameter, and not written", async () => {
        const policy = policyOf(platform);
        const parameter = (name: string, region = "ap-northeast-2") => `arn:aws:ssm:${region}:${ACCOUNT_ID}:parameter/${name}`;
        const own = platform.resources.find((r) => r.type === "aws:ssm/parameter:Parameter")!;
        assert.strictEqual(own.inputs.name, "/eks-platform/dev/app-platform");
        assert.ok(await allowed(policy, "ssm:GetParameter", parameter("eks-platform/dev/app-platform")), "the app-platform parameter");
        assert.ok(!(await allowed(policy, "ssm:GetParameter", parameter("eks-platform/prod/app-platform"))), "prod's parameter");
        assert.ok(!(await allowed(policy, "ssm:GetParameter", parameter("eks-platform/dev/other"))), "another parameter of the platform");
        assert.ok(!(await allowed(policy, "ssm:GetParameter", parameter("eks-platform/dev/app-platform", "us-east-1"))), "the same name in another region");
        for (const action of ["ssm:GetParameters", "ssm:GetParametersByPath", "ssm:PutParameter", "ssm:DeleteParameter"]) {
            assert.ok(!(await allowed(policy, action, parameter("eks-platform/dev/app-platform"))), action);
        }
    });

    it("simulated: nothing the old deploy role had that the app does not need", async () => {
        const policy = policyOf(platform);
        const denied: [string, string][] = [
            ["eks:DescribeCluster", `arn:aws:eks:ap-northeast-2:${ACCOUNT_ID}:cluster/eks-platform-dev`],
            ["ec2:DescribeVpcs", "*"],
            ["iam:GetRole", `arn:aws:iam::${ACCOUNT_ID}:role/eks-platform-dev-deploy`],
            ["ecr:PutImage", `arn:aws:ecr:ap-northeast-2:${ACCOUNT_ID}:repository/eks-platform-dev/app`],
            ["kms:Decrypt", KEY],
        ];
        for (const [action, resource] of denied)
            assert.ok(!(await allowed(policy, action, resource, {}, action.startsWith("kms:") ? DEFAULT_KEY_POLICY : undefined)), action);
    });

    it("simulated: with a secrets-provider key and an SSE-KMS state bucket configured, the keys' needed uses and no other", async function () {
        this.timeout(120000);
        const { evaluate, readStackConfig } = await import("../../offline/plan");
        const config = readStackConfig("dev");
        const stateKey = KEY.replace("1111", "2222");
        config.values["cicd:appSecretsKeyArn"] = KEY;
        config.values["cicd:stateKeyArn"] = stateKey;
        const withKeys = await evaluate("dev", config);
        const policy = policyOf(withKeys);
        const granted = new Set(policy.Statement.flatMap((s: any) => [s.Action].flat()).filter((a: string) => a.startsWith("kms:")));
        const needed = new Set([...APP_DEPLOYER_NEEDS["pulumi:secrets:awskms"].aws, ...APP_DEPLOYER_NEEDS["pulumi:state:sse-kms"].aws]);
        assert.deepStrictEqual([...granted].sort(), [...needed].sort());
        for (const action of ["kms:Encrypt", "kms:Decrypt"]) {
            assert.ok(await allowed(policy, action, KEY, {}, DEFAULT_KEY_POLICY), action);
            assert.ok(!(await allowed(policy, action, KEY.replace("1111", "9999"), {}, DEFAULT_KEY_POLICY)), `${action} on another key`);
        }
        assert.ok(!(await allowed(policy, "kms:ScheduleKeyDeletion", KEY, {}, DEFAULT_KEY_POLICY)));
        for (const action of ["kms:GenerateDataKey", "kms:Decrypt"]) {
            assert.ok(
                await allowed(policy, action, stateKey, { "kms:ViaService": "s3.ap-northeast-2.amazonaws.com" }, DEFAULT_KEY_POLICY),
                `${action} through S3`,
            );
            assert.ok(!(await allowed(policy, action, stateKey, {}, DEFAULT_KEY_POLICY)), `${action} called directly`);
        }
        assert.ok(!(await allowed(policy, "kms:Encrypt", stateKey, { "kms:ViaService": "s3.ap-northeast-2.amazonaws.com" }, DEFAULT_KEY_POLICY)));
    });
});

describe("a build of an unreviewed branch cannot obtain prod credentials", () => {
    let platform: Plan;
    before(async function () {
        this.timeout(120000);
        ({ platform } = await appPlanFor("dev"));
    });
    const jenkins = () => platform.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name.endsWith("-jenkins"))!.inputs.values as any;

    it("branch and pull-request builds run as a service account with no IAM role, in a namespace with no Secrets of Jenkins'", () => {
        assert.deepStrictEqual(jenkins().serviceAccountAgent, { create: true, name: JENKINS.agentServiceAccount });
        assert.strictEqual(jenkins().agent.namespace, JENKINS.buildNamespace);
        assert.notStrictEqual(JENKINS.buildNamespace, JENKINS.namespace);
        const irsa = platform.resources.filter(
            (r) => r.type === "aws:iam/role:Role" && String(r.inputs.assumeRolePolicy).includes("AssumeRoleWithWebIdentity"),
        );
        const subjects = irsa.map(
            (r) => Object.entries<any>(JSON.parse(String(r.inputs.assumeRolePolicy)).Statement[0].Condition.StringEquals).find(([k]) => k.endsWith(":sub"))![1],
        );
        assert.ok(!subjects.some((s) => s.startsWith(`system:serviceaccount:${JENKINS.buildNamespace}:`)), subjects.join(", "));
    });

    it("only the deploy job's folder may use the deploy cloud, whose pods alone have the role that may assume the deployers", () => {
        const cloud = jenkins().additionalClouds[JENKINS.deployCloud];
        assert.strictEqual(cloud.agent.usageRestricted, true);
        assert.strictEqual(cloud.agent.namespace, JENKINS.deployNamespace);
        const jobs: string = YAML.parse(jenkins().controller.JCasC.configScripts["platform-job"]).jobs[0].script;
        assert.match(
            jobs,
            new RegExp(
                `folder\\('${JENKINS.deployFolder}'\\) \\{\\n  properties \\{\\n    kubernetesFolderProperty \\{ permittedClouds\\(\\['${JENKINS.deployCloud}'\\]\\) \\}`,
            ),
        );
        assert.match(jobs, /pipelineJob\('deploy\/eks-platform'\)[\s\S]*branch\('refs\/heads\/main'\)/);
        for (const stage of ["staging", "prod"])
            assert.match(
                jobs,
                new RegExp(`pipelineJob\\('deploy/promote-${stage}'\\)[\\s\\S]*branch\\('refs/heads/main'\\)[\\s\\S]*scriptPath\\('Jenkinsfile\\.promote'\\)`),
            );
        const multibranch = jobs.slice(0, jobs.indexOf("folder("));
        assert.doesNotMatch(multibranch, /kubernetesFolderProperty/);
        const trust = JSON.parse(
            String(platform.resources.find((r) => r.type === "aws:iam/role:Role" && r.name.endsWith("-jenkins-deploy"))!.inputs.assumeRolePolicy),
        );
        const sub = Object.entries<any>(trust.Statement[0].Condition.StringEquals).find(([k]) => k.endsWith(":sub"))![1];
        assert.strictEqual(sub, `system:serviceaccount:${JENKINS.deployNamespace}:${JENKINS.deployServiceAccount}`);
    });

    it("the deploy cloud's API credential is SYSTEM-scoped, so no build can read it and start pods in jenkins-deploy itself", () => {
        const creds = jenkins().controller.JCasC.configScripts["platform-credentials"];
        assert.match(creds, new RegExp(`id: ${JENKINS.deployLauncherSecret}\\n\\s+scope: SYSTEM`));
        const launch = platform.resources.find(
            (r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding" && r.name.endsWith("-jenkins-deploy-launcher"),
        )!;
        assert.deepStrictEqual(
            (launch.inputs as any).subjects.map((s: any) => s.name),
            [JENKINS.deployLauncherServiceAccount],
        );
    });

    it("prod's deployer trusts dev's deploy-pod role alone, which the stack files name", async () => {
        const { planFor } = await import("../helpers/plans");
        const prod = await planFor("prod");
        const devPipelineRole = platform.outputs.jenkinsAgentRoleArn as string;
        assert.match(devPipelineRole, /-jenkins-deploy$/);
        const prodTrust = JSON.parse(String(DEPLOY_ROLE(prod).inputs.assumeRolePolicy));
        const trusted = prodTrust.Statement[0].Principal.AWS as string[];
        assert.deepStrictEqual(
            trusted.map((a) => a.split("/").pop()),
            [devPipelineRole.split("/").pop()],
        );
    });
});
