import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { CiCd, CiCdArgs, JenkinsSettings } from ".";
import {
    adminSecretData,
    AGENT_IMAGES,
    agentPolicy,
    JENKINS,
    JENKINS_PLUGINS,
    pipelineEnvScript,
    pipelineJobScript,
    stateBucketOf,
    promoteApprovers,
    promotionJobName,
    promotionStages,
    PromotionTarget,
} from "./jenkins";
import {
    agentPodRequests,
    canSettleInput,
    chartAdminSecret,
    checkCloudsReachApi,
    hasPermission,
    renderedClouds,
    controllerSecretFiles,
    credentialsVisibleTo,
    jcascVariables,
    resolveJcasc,
    unresolvedJcascVariables,
} from "../../offline/models/jenkins-chart";
import { JENKINS_PLUGIN_RELEASES } from "../../offline/data/jenkins-plugins";
import { all, buildGateway, DOMAIN, json, one, record, RecordedResource, referenceFile, valueOf } from "../../tests/helpers/harness";

const REPO_ARN = "arn:aws:ecr:ap-northeast-2:123456789012:repository/eks-platform-test/app";
const REPO_URL = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/eks-platform-test/app";
const PASSWORD = "s3cr3t-admin-password";
const APP_PLACE = {
    namespace: "app",
    podLabels: { "app.kubernetes.io/name": "app", "app.kubernetes.io/part-of": "platform" },
    podPort: 8080,
    formerOwner: "app",
    hostedZoneId: "Z0123456789ABCDEFGHIJ",
    recordNames: [`app.${DOMAIN}`],
    project: "eks-platform-app",
    stack: "dev",
    platformParameterName: "/eks-platform/dev/app-platform",
};

/** Two stages after dev: staging, which the team approves, then prod, which release managers alone approve. */
const STAGES: PromotionTarget[] = [
    {
        stack: "staging",
        deployRoleArn: "arn:aws:iam::111122223333:role/eks-platform-staging-deploy",
        repositoryUrl: "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/eks-platform-staging/app",
        appUrl: "https://app.staging.example.com",
        approvers: ["developers", "release-managers"],
    },
    {
        stack: "prod",
        deployRoleArn: "arn:aws:iam::444455556666:role/eks-platform-prod-deploy",
        repositoryUrl: "444455556666.dkr.ecr.ap-northeast-2.amazonaws.com/eks-platform-prod/app",
        appUrl: "https://app.example.com",
        approvers: ["release-managers"],
    },
];

/** The global environment JCasC gives every job, by key. */
const globalEnv = (values: any): Record<string, string> =>
    Object.fromEntries(
        YAML.parse(values.controller.JCasC.configScripts["platform-env"]).jenkins.globalNodeProperties[0].envVars.env.map((e: any) => [e.key, e.value]),
    );

function jenkinsSettings(overrides: Partial<JenkinsSettings> = {}): JenkinsSettings {
    return {
        host: `jenkins.${DOMAIN}`,
        adminPassword: pulumi.secret(PASSWORD),
        gitRepoUrl: "https://github.com/example-org/eks-platform.git",
        gitBranch: "main",
        storageSize: "20Gi",
        appUrl: `https://app.${DOMAIN}`,
        ...overrides,
    };
}

async function build(overrides: (base: ReturnType<typeof buildGateway>) => Partial<CiCdArgs> = () => ({})) {
    let gw!: ReturnType<typeof buildGateway>;
    let cicd!: CiCd;
    const records = await record(() => {
        gw = buildGateway();
        cicd = new CiCd("ci", {
            stack: "dev",
            region: "ap-northeast-2",
            clusterName: gw.cluster.clusterName,
            oidc: gw.cluster.oidc,
            repositoryArn: REPO_ARN,
            repositoryUrl: REPO_URL,
            stateBackendUrl: "s3://example-state/eks-platform",
            app: APP_PLACE,
            trustedDeployerArns: [],
            jenkins: jenkinsSettings(),
            gateway: gw.ingress,
            storageClassName: gw.cluster.storageClassName,
            ...overrides(gw),
        });
    });
    return { records, gw, cicd };
}

/** Groovy code with its single-quoted literals taken out: what the code does, and the values it carries. */
function groovyLiterals(code: string): { skeleton: string; literals: string[] } {
    const literals: string[] = [];
    const skeleton = code.replace(/'((?:[^'\\\n]|\\.)*)'/g, (_, body: string) => {
        literals.push(body.replace(/\\(.)/g, (__, c: string) => (({ n: "\n", r: "\r" }) as Record<string, string>)[c] ?? c));
        return "'?'";
    });
    return { skeleton, literals };
}

describe("CiCd", () => {
    let records: RecordedResource[];
    let gw: ReturnType<typeof buildGateway>;
    before(async () => ({ records, gw } = await build()));
    const release = () => one(records, "kubernetes:helm.sh/v3:Release", "ci-jenkins");
    const values = () => release().inputs.values as any;

    describe("Jenkins", () => {
        // A branch's Jenkinsfile chooses its pod: baseline Pod Security keeps it from privileged, hostPath or
        // hostNetwork pods that could read a deploy pod's projected IRSA token on a shared node.
        it("runs agents in namespaces that enforce baseline Pod Security", () => {
            for (const ns of [JENKINS.buildNamespace, JENKINS.deployNamespace]) {
                const found = all(records, "kubernetes:core/v1:Namespace").find((r) => (r.inputs.metadata as any).name === ns);
                assert.strictEqual((found?.inputs.metadata as any)?.labels?.["pod-security.kubernetes.io/enforce"], "baseline", ns);
            }
        });

        it("installs the pinned chart in its own namespace on the cluster's provider", () => {
            assert.deepStrictEqual(
                [release().inputs.chart, release().inputs.version, release().inputs.namespace],
                [JENKINS.chart, JENKINS.chartVersion, "jenkins"],
            );
            assert.ok(release().provider.startsWith(one(records, "pulumi:providers:kubernetes").urn + "::"));
            assert.strictEqual(values().controller.image.tag, JENKINS.controllerTag);
        });

        it("keeps jenkins_home on the cluster's encrypted gp3 class", async () => {
            assert.deepStrictEqual(values().persistence, {
                enabled: true,
                storageClass: await valueOf(gw.cluster.storageClassName),
                size: "20Gi",
                accessMode: "ReadWriteOnce",
            });
        });

        it("waits for the EBS CSI driver, the StorageClass and the load balancer controller before installing", () => {
            for (const dep of [
                one(records, "kubernetes:helm.sh/v3:Release", "gw-lbc"),
                one(records, "aws:eks/addon:Addon", "ebs-csi"),
                one(records, "kubernetes:storage.k8s.io/v1:StorageClass"),
            ]) {
                assert.ok(release().dependencies.includes(dep.urn), `missing dependency on ${dep.name}`);
            }
        });

        it("reads the admin password from an existing Secret, never from Helm values", () => {
            assert.strictEqual(values().controller.admin.existingSecret, "jenkins-admin");
            assert.strictEqual(values().controller.admin.password, undefined);
            assert.ok(!JSON.stringify(release().inputs).includes(PASSWORD), "the password is in the release inputs");
            const secret = one(records, "kubernetes:core/v1:Secret", "jenkins-admin");
            assert.strictEqual((secret.inputs.metadata as any).name, "jenkins-admin");
            assert.strictEqual(secret.inputs.stringData, "[secret]", "the Secret's data must stay a Pulumi secret");
            assert.ok(release().dependencies.includes(secret.urn));
        });

        it("mounts the admin Secret it creates as the files JCasC's security realm reads, so the admin can log in", () => {
            const secretName = (one(records, "kubernetes:core/v1:Secret", "jenkins-admin").inputs.metadata as any).name;
            const releaseName = release().inputs.name as string;
            const mounted = controllerSecretFiles(releaseName, values()).filter((f) => f.secret === secretName);
            assert.notDeepStrictEqual(mounted, [], `the rendered controller does not mount Secret ${secretName}`);
            const keys = Object.keys(adminSecretData("x"));
            for (const f of mounted) assert.ok(keys.includes(f.key), `the controller mounts key ${f.key}, which Secret ${secretName} does not have`);
            assert.deepStrictEqual(
                unresolvedJcascVariables(releaseName, values(), { [secretName]: keys }),
                [],
                "JCasC would resolve these to empty strings: an admin with an empty id and password",
            );
            assert.strictEqual(chartAdminSecret(releaseName, values()), undefined, "the chart would create a second admin Secret");
        });

        it("pins every plugin to an exact version, the Prometheus plugin included, and never upgrades them on restart", () => {
            const plugins: string[] = values().controller.installPlugins;
            assert.deepStrictEqual(plugins, [...JENKINS_PLUGINS]);
            for (const p of plugins) assert.match(p, /^[a-z0-9-]+:[\w.-]+$/, p);
            assert.ok(plugins.some((p) => p.startsWith("prometheus:")));
            assert.ok(plugins.some((p) => p.startsWith("configuration-as-code:")) && plugins.some((p) => p.startsWith("job-dsl:")));
            assert.strictEqual(values().controller.installLatestPlugins, false);
        });

        it("defines the pipeline job for this repository in configuration as code", () => {
            const scripts = values().controller.JCasC.configScripts;
            assert.match(scripts["platform-job"], /multibranchPipelineJob\('eks-platform'\)/);
            assert.match(scripts["platform-job"], /remote\('https:\/\/github\.com\/example-org\/eks-platform\.git'\)/);
            assert.match(scripts["platform-job"], /scriptPath\('Jenkinsfile'\)/);
            assert.strictEqual(values().controller.JCasC.overwriteConfiguration, true, "hand edits must not survive a restart");
        });

        it("gives the pipeline its registry, deploy role and state backend as global environment", () => {
            const env = YAML.parse(values().controller.JCasC.configScripts["platform-env"]).jenkins.globalNodeProperties[0].envVars.env;
            const byKey = Object.fromEntries(env.map((e: any) => [e.key, e.value]));
            assert.strictEqual(byKey.ECR_REPOSITORY_URL, REPO_URL);
            assert.strictEqual(byKey.DEPLOY_ROLE_ARN, "arn:aws:iam::123456789012:role/ci-deploy");
            assert.strictEqual(byKey.PULUMI_BACKEND_URL, "s3://example-state/eks-platform");
        });

        it("runs branch builds as jenkins-agent in jenkins-builds, with no AWS identity, and deploys only in the restricted deploy cloud", () => {
            const build = YAML.parse(values().agent.podTemplates[JENKINS.agentLabel])[0];
            assert.deepStrictEqual(
                build.containers.map((c: any) => c.name),
                ["jnlp", "node"],
            );
            assert.strictEqual(build.serviceAccount, JENKINS.agentServiceAccount);
            assert.strictEqual(values().agent.namespace, JENKINS.buildNamespace);
            assert.deepStrictEqual(
                values().serviceAccountAgent,
                { create: true, name: JENKINS.agentServiceAccount },
                "the build service account must carry no IAM role",
            );
            const cloud = values().additionalClouds[JENKINS.deployCloud];
            assert.strictEqual(cloud.agent.usageRestricted, true);
            assert.strictEqual(cloud.agent.namespace, JENKINS.deployNamespace);
            const deploy = YAML.parse(cloud.agent.podTemplates[JENKINS.deployTemplate])[0];
            assert.deepStrictEqual(
                deploy.containers.map((c: any) => c.name),
                ["jnlp", "node", "kaniko", "pulumi", "crane"],
            );
            assert.strictEqual(deploy.serviceAccount, JENKINS.deployServiceAccount);
            assert.ok(!JSON.stringify(values()).includes("privileged"));
            assert.strictEqual(values().controller.numExecutors, 0, "builds must not run on the controller");
            const sa = records.find((r) => r.type === "kubernetes:core/v1:ServiceAccount" && r.name === "ci-jenkins-deploy")!;
            assert.strictEqual((sa.inputs.metadata as any).namespace, JENKINS.deployNamespace);
            assert.strictEqual((sa.inputs.metadata as any).annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::123456789012:role/ci-jenkins-deploy");
        });

        // jenkinsci/kubernetes-plugin KubernetesFactoryAdapter.createClient: a server URL with credentials means Config.empty()
        // and no CA; the chart (_helpers.tpl at jenkins-5.9.53) renders the root kubernetesURL into every cloud.
        it("both clouds reach the API server with the pod's CA: no server URL, the deploy cloud with its own token", () => {
            const clouds = renderedClouds(values());
            assert.deepStrictEqual(
                clouds.map((c) => [c.name, c.serverUrl, c.credentialsId]),
                [
                    ["kubernetes", "", ""],
                    [JENKINS.deployCloud, "", JENKINS.deployLauncherSecret],
                ],
            );
            const chartDefault = { ...values(), kubernetesURL: undefined };
            assert.throws(() => checkCloudsReachApi(chartDefault), /Jenkins cloud deploy: serverUrl https:\/\/kubernetes\.default with credentialsId/);
            const onTheCloud = { ...chartDefault, additionalClouds: { deploy: { ...values().additionalClouds.deploy, kubernetesURL: "" } } };
            assert.throws(() => checkCloudsReachApi(onTheCloud), /PKIX/, "the chart's merge fills the cloud's empty URL from the root");
        });

        // Under the chart's loggedInUsersCanDoAnything every user administers, and InputStepExecution.canSettle lets an
        // administrator approve whatever the submitter list says.
        it("only the admin administers: a user outside a stage's approvers cannot settle its promotion, and nobody else may build or replay", async () => {
            const staged = one(
                (await build(() => ({ jenkins: jenkinsSettings({ promotions: STAGES }) }))).records,
                "kubernetes:helm.sh/v3:Release",
                "ci-jenkins",
            ).inputs.values as any;
            const env = globalEnv(staged);
            const approvers = (job: string) => env[`PROMOTE_${[1, 2].find((n) => env[`PROMOTE_${n}_JOB`] === job)}_APPROVERS`];
            assert.ok(canSettleInput(staged, "alice", ["developers"], approvers(promotionJobName("staging"))), "the team approves staging");
            assert.ok(!canSettleInput(staged, "alice", ["developers"], approvers(promotionJobName("prod"))), "a developer approves prod");
            assert.ok(canSettleInput(staged, "bob", ["release-managers"], approvers(promotionJobName("prod"))), "an approver by group");
            assert.ok(canSettleInput(staged, JENKINS.adminUser, [], approvers(promotionJobName("prod"))), "the admin");
            for (const permission of ["Job/Build", "Run/Replay", "Job/Configure", "Overall/Administer"]) {
                assert.ok(!hasPermission(staged, "alice", ["release-managers"], permission), permission);
            }
            assert.ok(hasPermission(staged, "alice", [], "Job/Read"), "everyone may see the builds they are asked to approve");
        });

        it("refuses a built-in group as approver: it is every user", () => {
            assert.throws(() => promoteApprovers(["authenticated"]), /every user/);
            assert.throws(() => promoteApprovers(["Anonymous"]), /every user/);
        });

        it("the deploy pod template has no label: no job's label expression can start a deploy pod; jobs name it", () => {
            const [deploy] = YAML.parse(values().additionalClouds[JENKINS.deployCloud].agent.podTemplates[JENKINS.deployTemplate]);
            assert.strictEqual(deploy.name, JENKINS.deployTemplate);
            assert.ok(!("label" in deploy), `label ${deploy.label}`);
            assert.ok(!("nodeUsageMode" in deploy), "NORMAL would let a job without a label take it");
        });

        it("is exposed at jenkins.<domain> through the admin ALB, after the controller and the release", () => {
            const ing = one(records, "kubernetes:networking.k8s.io/v1:Ingress", "ci-jenkins");
            assert.strictEqual((ing.inputs.spec as any).rules[0].host, `jenkins.${DOMAIN}`);
            assert.strictEqual((ing.inputs.spec as any).rules[0].http.paths[0].backend.service.port.number, 8080);
            assert.strictEqual((ing.inputs.metadata as any).annotations["alb.ingress.kubernetes.io/group.name"], "eks-platform-test-admin");
            assert.ok(ing.dependencies.includes(one(records, "kubernetes:helm.sh/v3:Release", "gw-lbc").urn));
            assert.ok(ing.dependencies.includes(release().urn));
        });
    });

    describe("IAM", () => {
        it("lets the deploy pods' service account push to this stack's repository only, and assume the deploy role", async () => {
            const policy = json(one(records, "aws:iam/rolePolicy:RolePolicy", "ci-jenkins-deploy").inputs.policy);
            const byResource = (r: string) => policy.Statement.filter((s: any) => [s.Resource].flat().includes(r));
            assert.deepStrictEqual(
                byResource("*").map((s: any) => s.Action),
                ["ecr:GetAuthorizationToken"],
            );
            const push = byResource(REPO_ARN);
            assert.strictEqual(push.length, 1);
            assert.ok(push[0].Action.includes("ecr:PutImage"));
            const assume = policy.Statement.find((s: any) => s.Action === "sts:AssumeRole");
            assert.deepStrictEqual(assume.Resource, ["arn:aws:iam::123456789012:role/ci-deploy"]);
            const actions = policy.Statement.flatMap((s: any) => [s.Action].flat());
            assert.ok(
                actions.every((a: string) => a.startsWith("ecr:") || a === "sts:AssumeRole"),
                actions.join(", "),
            );
        });

        it("trusts only the jenkins-deploy service account of this cluster", async () => {
            const trust = json(one(records, "aws:iam/role:Role", "ci-jenkins-deploy").inputs.assumeRolePolicy);
            const issuer = (await valueOf(gw.cluster.oidcIssuerUrl)).replace("https://", "");
            assert.strictEqual(trust.Statement[0].Condition.StringEquals[`${issuer}:sub`], "system:serviceaccount:jenkins-deploy:jenkins-deploy");
            assert.strictEqual(trust.Statement[0].Condition.StringEquals[`${issuer}:aud`], "sts.amazonaws.com");
        });

        it("the deploy role is assumable by the deploy pods and has no EKS access policy: a group bound in the app namespace alone", () => {
            const deploy = one(records, "aws:iam/role:Role", "ci-deploy");
            const trust = json(deploy.inputs.assumeRolePolicy);
            assert.deepStrictEqual(trust.Statement[0].Principal.AWS, ["arn:aws:iam::123456789012:role/ci-jenkins-deploy"]);
            assert.deepStrictEqual(
                all(records, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").filter((a) => a.name.startsWith("ci-")),
                [],
            );
            assert.deepStrictEqual(one(records, "aws:eks/accessEntry:AccessEntry", "ci-deploy").inputs.kubernetesGroups, ["app-deployers"]);
            const binding = one(records, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "ci-app-deployer");
            assert.strictEqual((binding.inputs.metadata as any).namespace, "app");
            assert.deepStrictEqual((binding.inputs as any).subjects, [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "app-deployers" }]);
        });

        it("prepares the app namespace: Pod Security restricted, readiness gates, after the load balancer controller, with its former URN", () => {
            const ns = one(records, "kubernetes:core/v1:Namespace", "app-ns");
            assert.deepStrictEqual((ns.inputs.metadata as any).labels, {
                "pod-security.kubernetes.io/enforce": "restricted",
                "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled",
            });
            assert.ok(ns.dependencies.includes(one(records, "kubernetes:helm.sh/v3:Release", "gw-lbc").urn));
        });
    });

    describe("a stack without Jenkins (prod)", () => {
        it("creates only the deploy role, trusting the roles it is told to", async () => {
            const trusted = "arn:aws:iam::111122223333:role/eks-platform-dev-jenkins-deploy";
            const { records: prod } = await build(() => ({ stack: "prod", jenkins: undefined, trustedDeployerArns: [trusted] }));
            assert.strictEqual(prod.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name.includes("jenkins")).length, 0);
            assert.strictEqual(prod.filter((r) => r.name.includes("jenkins")).length, 0);
            assert.deepStrictEqual(json(one(prod, "aws:iam/role:Role", "ci-deploy").inputs.assumeRolePolicy).Statement[0].Principal.AWS, [trusted]);
        });

        it("refuses a deploy role nobody could assume", async () => {
            await assert.rejects(
                build(() => ({ jenkins: undefined, trustedDeployerArns: [] })),
                /nobody could assume the deploy role/,
            );
        });
    });

    describe("builders", () => {
        it("renders configuration as code that parses as the YAML JCasC expects", () => {
            const scripts = values().controller.JCasC.configScripts;
            const job = YAML.parse(scripts["platform-job"]);
            assert.match(job.jobs[0].script, /^multibranchPipelineJob\('eks-platform'\) \{/);
            const env = YAML.parse(scripts["platform-env"]).jenkins.globalNodeProperties[0].envVars.env;
            assert.ok(env.some((e: any) => e.key === "PLATFORM_STACK" && e.value === "dev"));
            const [template] = YAML.parse(values().additionalClouds[JENKINS.deployCloud].agent.podTemplates[JENKINS.deployTemplate]);
            assert.deepStrictEqual(
                template.containers.map((c: any) => c.name),
                ["jnlp", "node", "kaniko", "pulumi", "crane"],
            );
            assert.strictEqual(template.volumes[0].configMapVolume.mountPath, "/kaniko/.docker");
        });

        const withCredentials = () =>
            build(() => ({
                jenkins: jenkinsSettings({
                    gitToken: pulumi.secret("ghp_deploy"),
                    gitReadToken: pulumi.secret("ghp_read"),
                    pulumiPassphrase: pulumi.secret("pp"),
                }),
            }));

        // The credentials plugin's global store serves GLOBAL-scoped credentials to every item: a pull request's
        // Jenkinsfile could bind the deploy token or the passphrase with withCredentials and print them.
        it("a branch or pull-request build can use the read-only git token alone; the deploy folder's jobs the deploy token and the passphrase; no build the launcher token", async () => {
            const v = one((await withCredentials()).records, "kubernetes:helm.sh/v3:Release", "ci-jenkins").inputs.values as any;
            for (const item of ["eks-platform", "eks-platform/main", "eks-platform/PR-7", "other-job"]) {
                assert.deepStrictEqual(
                    credentialsVisibleTo(v, item).filter((id) => id !== "git-read" || item.startsWith("eks-platform")),
                    item.startsWith("eks-platform") ? ["git-read"] : [],
                    item,
                );
            }
            for (const item of [JENKINS.deployJob, promotionJobName("prod")]) {
                assert.deepStrictEqual(credentialsVisibleTo(v, item).sort(), ["git-credentials", "pulumi-passphrase"], item);
            }
            const job = v.controller.JCasC.configScripts["platform-job"];
            assert.match(job, /multibranchPipelineJob\('eks-platform'\) \{[\s\S]*?credentialsId\('git-read'\)/, "the scan uses the read-only token");
            assert.match(job, /pipelineJob\('deploy\/eks-platform'\) \{[\s\S]*?credentials\('git-credentials'\)/);
            const adminKeys = { "jenkins-admin": Object.keys(adminSecretData("x")) };
            assert.deepStrictEqual(unresolvedJcascVariables("jenkins", v, adminKeys), [], "a credential reads a file the controller does not mount");
            assert.ok(!JSON.stringify(v).match(/ghp_|"pp"/), "a secret in the Helm values");
            const global = YAML.parse(v.controller.JCasC.configScripts["platform-credentials"]).credentials.system.domainCredentials[0].credentials;
            assert.deepStrictEqual(
                global.map((c: any) => [c.string.id, c.string.scope]),
                [[JENKINS.deployLauncherSecret, "SYSTEM"]],
            );
        });

        it("a secret with quotes or ${...} reaches Job DSL as one base64 literal, never as code", () => {
            const script = (secret: string) => {
                const text = pipelineJobScript({
                    gitRepoUrl: "https://x/y.git",
                    gitBranch: "main",
                    deployGitCredentialsId: "git-credentials",
                    deployCredentials: [{ id: "git-credentials", username: "git", secretVariable: "git-token" }],
                });
                return resolveJcasc(YAML.parse(text).jobs[0].script, { "git-token": secret });
            };
            const reference = groovyLiterals(script("plain"));
            for (const secret of ["x')+System.exit(0)+('", "${chart-admin-password}", "a'b\\c\n"]) {
                const { skeleton, literals } = groovyLiterals(script(secret));
                assert.strictEqual(skeleton, reference.skeleton, `secret ${JSON.stringify(secret)} changed the Job DSL code`);
                assert.ok(literals.includes(Buffer.from(secret).toString("base64")), JSON.stringify(secret));
            }
        });

        it("adds git credentials to the jobs only when tokens are configured", () => {
            assert.ok(!/credentials/i.test(pipelineJobScript({ gitRepoUrl: "https://x/y.git", gitBranch: "main" }).replace(/folderCredentials/g, "")));
            assert.match(
                pipelineJobScript({
                    gitRepoUrl: "https://x/y.git",
                    gitBranch: "main",
                    readCredential: { id: "git-read", username: "git", secretVariable: "git-read-token" },
                }),
                /credentialsId\('git-read'\)/,
            );
        });

        it("defines one promotion job per stage in the deploy folder, each with the commit parameter, and its variables in the global environment", async () => {
            const v = one((await build(() => ({ jenkins: jenkinsSettings({ promotions: STAGES }) }))).records, "kubernetes:helm.sh/v3:Release", "ci-jenkins")
                .inputs.values as any;
            const dsl: string = YAML.parse(v.controller.JCasC.configScripts["platform-job"]).jobs[0].script;
            const jobs = [...dsl.matchAll(/pipelineJob\('([^']+)'\) \{\n\s+parameters \{ stringParam\('PROMOTE_COMMIT'/g)].map((m) => m[1]);
            assert.deepStrictEqual(jobs, ["deploy/promote-staging", "deploy/promote-prod"]);
            // The deploy folder alone may use the deploy cloud and holds the deploy credentials.
            for (const job of jobs) assert.ok(job.startsWith(`${JENKINS.deployFolder}/`), job);
            const env = globalEnv(v);
            assert.strictEqual(env.PROMOTE_JOB, "deploy/promote-staging", "the deploy job starts the first stage");
            assert.deepStrictEqual(Object.fromEntries(Object.entries(env).filter(([k]) => /^PROMOTE_\d/.test(k))), {
                PROMOTE_1_JOB: "deploy/promote-staging",
                PROMOTE_1_STACK: "staging",
                PROMOTE_1_APPROVERS: "developers,release-managers",
                PROMOTE_1_DEPLOY_ROLE_ARN: STAGES[0].deployRoleArn,
                PROMOTE_1_REPOSITORY_URL: STAGES[0].repositoryUrl,
                PROMOTE_1_APP_URL: STAGES[0].appUrl,
                PROMOTE_1_SOURCE_REPOSITORY_URL: REPO_URL,
                PROMOTE_1_UPSTREAM_JOB: JENKINS.deployJob,
                PROMOTE_1_NEXT_JOB: "deploy/promote-prod",
                PROMOTE_2_JOB: "deploy/promote-prod",
                PROMOTE_2_STACK: "prod",
                PROMOTE_2_APPROVERS: "release-managers",
                PROMOTE_2_DEPLOY_ROLE_ARN: STAGES[1].deployRoleArn,
                PROMOTE_2_REPOSITORY_URL: STAGES[1].repositoryUrl,
                PROMOTE_2_APP_URL: STAGES[1].appUrl,
                PROMOTE_2_SOURCE_REPOSITORY_URL: STAGES[0].repositoryUrl,
                PROMOTE_2_UPSTREAM_JOB: "deploy/promote-staging",
            });
            assert.ok(
                !/pipelineJob\('deploy\/promote/.test(YAML.parse(values().controller.JCasC.configScripts["platform-job"]).jobs[0].script),
                "no stage, no job",
            );
        });

        it("refuses stages that would share a job, and stages without approvers", () => {
            assert.throws(
                () => promotionStages([STAGES[1], { ...STAGES[0], stack: "acme/eks-platform/prod" }], JENKINS.deployJob, REPO_URL),
                /share the job deploy\/promote-prod/,
            );
            assert.throws(() => promotionStages([{ ...STAGES[0], approvers: [] }], JENKINS.deployJob, REPO_URL), /at least one approver/);
            assert.throws(() => promotionJobName("a/b/.."), /cannot name a Jenkins job/);
        });

        it("parses the state backend bucket and rejects non-S3 backends", () => {
            assert.deepStrictEqual(stateBucketOf("s3://my-state/eks-platform?region=ap-northeast-2"), { bucket: "my-state", prefix: "eks-platform" });
            assert.deepStrictEqual(stateBucketOf("s3://my-state"), { bucket: "my-state", prefix: "" });
            assert.throws(() => stateBucketOf("file://~/.pulumi"), /not an s3:\/\/bucket URL/);
        });

        it("lets agents assume several deploy roles when promoting", () => {
            const p = agentPolicy(REPO_ARN, ["arn:aws:iam::1:role/a-deploy", "arn:aws:iam::1:role/b-deploy"]);
            assert.deepStrictEqual(p.Statement.find((s) => s.Action === "sts:AssumeRole")!.Resource, [
                "arn:aws:iam::1:role/a-deploy",
                "arn:aws:iam::1:role/b-deploy",
            ]);
        });

        // No stage's deployer has ECR rights, so the pipeline's own identity copies the image from stage to stage.
        it("lets the deploy pods assume every stage's deployer and copy the image into each stage's repository, and only there", async () => {
            const { records: promoting } = await build(() => ({ jenkins: jenkinsSettings({ promotions: STAGES }) }));
            const policy = json(one(promoting, "aws:iam/rolePolicy:RolePolicy", "jenkins-deploy").inputs.policy);
            const promote = policy.Statement.find((s: any) => s.Sid === "PromoteAppImages");
            assert.deepStrictEqual(promote.Resource, [
                "arn:aws:ecr:ap-northeast-2:111122223333:repository/eks-platform-staging/app",
                "arn:aws:ecr:ap-northeast-2:444455556666:repository/eks-platform-prod/app",
            ]);
            // A stage reads the previous stage's image: the pulls are in the same grant.
            for (const action of ["ecr:PutImage", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]) assert.ok(promote.Action.includes(action), action);
            const assume = policy.Statement.find((s: any) => s.Sid === "AssumeDeployRole");
            assert.deepStrictEqual(assume.Resource.slice(1), [STAGES[0].deployRoleArn, STAGES[1].deployRoleArn]);
            assert.strictEqual(
                agentPolicy(REPO_ARN, []).Statement.some((s) => s.Sid === "PromoteAppImages"),
                false,
            );
            // kaniko and crane log in to every stage's registry (another account is another registry host).
            const docker = one(promoting, "kubernetes:core/v1:ConfigMap", "ci-docker-config").inputs.data as any;
            assert.deepStrictEqual(Object.keys(JSON.parse(docker["config.json"]).credHelpers).sort(), [
                "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com",
                "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com",
                "444455556666.dkr.ecr.ap-northeast-2.amazonaws.com",
            ]);
            assert.match(
                fs.readFileSync(path.join(__dirname, "../../", JENKINS.promoteScript), "utf8"),
                /ci\.craneLogin\(\['PROMOTE_SOURCE_REPOSITORY_URL', 'PROMOTE_REPOSITORY_URL'\]\)/,
            );
            // The token is asked of the target repository's region, from its URL (<account>.dkr.ecr.<region>.amazonaws.com).
            assert.match(
                fs.readFileSync(path.join(__dirname, "../../ci/pipeline.groovy"), "utf8"),
                /AWS_PROFILE=irsa aws ecr get-login-password --region \\"\\\$\(echo \\"\\\$\$\{variable\}\\" \| cut -d\. -f4\)\\"/,
            );
        });
    });

    describe("pinned releases (shared/reference)", () => {
        it("installs only plugin versions that were released, so jenkins-plugin-cli (under set -e) can install them", function () {
            const reference = YAML.parse(fs.readFileSync(referenceFile(this, "jenkins", "plugin-versions.yaml"), "utf8"));
            for (const pin of values().controller.installPlugins as string[]) {
                const [id, version] = pin.split(":");
                // Plugins the reference does not cover carry their tag list, with its source, in offline/data/jenkins-plugins.ts.
                const tags = reference.plugins[id]?.versions ?? JENKINS_PLUGIN_RELEASES[id]?.versions;
                const tagged = tags?.[version] !== undefined;
                // The kubernetes plugin's tags stop before the chart's pin; the chart's own pins are releases it installs.
                const chartPin = reference.chartJenkins_5_9_53_installPlugins[id]?.version === version;
                assert.ok(tags || chartPin, `${id}: no release data for this plugin`);
                assert.ok(tagged || chartPin, `${pin} was never released (newest tag ${reference.plugins[id]?.latestStoredTag?.version})`);
            }
        });

        it("pins the chart with its own controller image, agent image and installPlugins", function () {
            const chart = YAML.parse(fs.readFileSync(referenceFile(this, "versions.yaml"), "utf8")).charts.jenkins;
            assert.strictEqual(release().inputs.version, chart.version);
            assert.strictEqual(`docker.io/jenkins/jenkins:${values().controller.image.tag}`, chart.controllerImage);
            const [template] = YAML.parse(values().agent.podTemplates[JENKINS.agentLabel]);
            assert.strictEqual(template.containers.find((c: any) => c.name === "jnlp")?.image, chart.agentImage);
            for (const pin of chart.defaultInstallPlugins) assert.ok(values().controller.installPlugins.includes(pin), `the chart's ${pin} is replaced`);
        });
    });

    describe("the agent pod on a dev node", () => {
        const quantity = (q: string) => Number(q.replace(/m$|Mi$/, ""));
        // Per-node daemonsets' requests: kube-proxy 100m, aws-node 25m, ebs-csi-node 3 x 10m / 40Mi, node-exporter
        // none by default: about 160m / 120Mi, rounded up.
        const DAEMONSETS = { cpuMillis: 250, memoryMiB: 512 };

        it("fits a t3.large's allocatable with room for the node's daemonsets, jnlp included", function () {
            const types = YAML.parse(fs.readFileSync(referenceFile(this, "ec2", "instance-types.yaml"), "utf8"));
            const allocatable = types.instanceTypes["t3.large"].karpenterAllocatable;
            const pod = agentPodRequests(values().additionalClouds[JENKINS.deployCloud].agent.podTemplates[JENKINS.deployTemplate], JENKINS.deployTemplate);
            assert.ok(
                pod.cpuMillis + DAEMONSETS.cpuMillis <= quantity(allocatable.cpu),
                `agent pod asks for ${pod.cpuMillis}m CPU; a t3.large has ${allocatable.cpu}`,
            );
            assert.ok(
                pod.memoryMiB + DAEMONSETS.memoryMiB <= quantity(allocatable.memory),
                `agent pod asks for ${pod.memoryMiB}Mi; a t3.large has ${allocatable.memory}`,
            );
        });

        it("gives every container requests and a memory limit, jnlp explicitly", () => {
            const [template] = YAML.parse(values().additionalClouds[JENKINS.deployCloud].agent.podTemplates[JENKINS.deployTemplate]);
            assert.deepStrictEqual(template.containers.map((c: any) => c.name).sort(), Object.keys(AGENT_IMAGES).sort());
            for (const c of template.containers) {
                assert.ok(c.resourceRequestCpu && c.resourceRequestMemory && c.resourceLimitMemory, c.name);
                assert.strictEqual(c.resourceLimitCpu, undefined, `${c.name}: a CPU limit would throttle builds on an idle node`);
            }
        });
    });

    describe("job configuration inputs", () => {
        /** Groovy code with each single-quoted literal replaced by '?', and the literals' values. */
        /** The Job DSL script as Job DSL receives it: Helm's tpl and JCasC's ^${ escape undone, no variable left. */
        function dslOf(branch: string): string {
            const text = pipelineJobScript({ gitRepoUrl: "https://github.com/example-org/eks-platform.git", gitBranch: branch });
            const tpl = text.replace(/\{\{ "\{\{" \}\}/g, "{{");
            assert.ok(!/\{\{/.test(text.replace(/\{\{ "\{\{" \}\}/g, "")), "Helm's tpl would evaluate a {{ action in the job");
            const script: string = YAML.parse(tpl).jobs[0].script;
            assert.deepStrictEqual(jcascVariables(script), [], "JCasC would substitute a variable into the job");
            return script.replace(/\^\$\{/g, "${");
        }

        it("keeps a branch with quotes, ${...} or {{...}} inside one Groovy string literal", () => {
            const reference = groovyLiterals(dslOf("main"));
            for (const branch of ["x')+System.exit(0)+('", "${chart-admin-password}", "{{.Values.controller.admin.password}}", "it's"]) {
                const { skeleton, literals } = groovyLiterals(dslOf(branch));
                assert.strictEqual(skeleton, reference.skeleton, `branch ${branch} changed the Job DSL code`);
                assert.ok(literals.includes(`refs/heads/${branch}`), `branch ${branch} did not arrive as itself: ${literals.join(" | ")}`);
            }
        });

        it("refuses branch names git refuses", () => {
            for (const branch of ["", "main branch", "a..b", "a@{1}", "-x", "feature/", "x.lock", "a/.b", "x~1", "x^", "a:b", "a*", "a\\b", "HEAD", "x\ny"]) {
                assert.throws(
                    () => pipelineJobScript({ gitRepoUrl: "https://x/y.git", gitBranch: branch }),
                    /not a branch name git accepts/,
                    JSON.stringify(branch),
                );
            }
            for (const branch of ["main", "release/1.2", "feature/JIRA-12_x", "it's"]) pipelineJobScript({ gitRepoUrl: "https://x/y.git", gitBranch: branch });
        });

        it("refuses a repository URL that is not a git URL and environment values with line breaks", () => {
            assert.throws(() => pipelineJobScript({ gitRepoUrl: "file:///etc", gitBranch: "main" }), /not an https:\/\/ or ssh git URL/);
            const env = {
                AWS_REGION: "r",
                ECR_REPOSITORY_URL: "u",
                DEPLOY_ROLE_ARN: "a",
                PULUMI_BACKEND_URL: "s3://b",
                PLATFORM_STACK: "dev",
                APP_STACK: "dev",
                DEPLOY_JOB: "deploy/x",
                DEPLOY_BRANCH: "main",
                APP_URL: "https://a\n",
            };
            assert.throws(() => pipelineEnvScript(env), /newline/);
        });

        it("passes environment values through JCasC and Helm literally", () => {
            const env = {
                AWS_REGION: "r",
                ECR_REPOSITORY_URL: "u",
                DEPLOY_ROLE_ARN: "a",
                PULUMI_BACKEND_URL: "s3://b",
                PLATFORM_STACK: "${chart-admin-password}",
                APP_STACK: "dev",
                DEPLOY_JOB: "deploy/x",
                DEPLOY_BRANCH: "main",
                APP_URL: "{{ .Release.Name }}",
            };
            const text = pipelineEnvScript(env);
            assert.ok(!/\{\{(?! "\{\{" \}\})/.test(text.replace(/\{\{ "\{\{" \}\}/g, "")));
            const entries = YAML.parse(text.replace(/\{\{ "\{\{" \}\}/g, "{{")).jenkins.globalNodeProperties[0].envVars.env;
            assert.deepStrictEqual(
                entries.flatMap((e: any) => jcascVariables(e.value)),
                [],
            );
            assert.strictEqual(entries.find((e: any) => e.key === "PLATFORM_STACK").value.replace(/\^\$\{/g, "${"), "${chart-admin-password}");
        });
    });
});
