/**
 * Pure builders for the CiCd component: IAM documents, Jenkins Helm values and configuration as code.
 * Chart, controller image, agent image and plugins are pinned together (shared/reference/charts/jenkins at 5.9.53).
 */
import * as YAML from "yaml";
import { PolicyDocument } from "../shared/iam";
import { ECR_PUSH } from "../registry";
import { ScrapeTarget } from "../observability/monitoring";
import { DO_NOT_DISRUPT, poolPlacement } from "../karpenter";

export const JENKINS = {
    chart: "jenkins",
    repo: "https://charts.jenkins.io",
    chartVersion: "5.9.53",
    controllerTag: "2.568.2-jdk21",
    namespace: "jenkins",
    releaseName: "jenkins",
    servicePort: 8080,
    agentServiceAccount: "jenkins-agent",
    /** Where every build's agent pods run: no Secrets, no AWS identity (the chart's agent.namespace). */
    buildNamespace: "jenkins-builds",
    /** Where deploy pods run: only the restricted `deploy` cloud launches pods here, with its own credential. */
    deployNamespace: "jenkins-deploy",
    deployServiceAccount: "jenkins-deploy",
    deployLauncherServiceAccount: "jenkins-deploy-launcher",
    deployLauncherSecret: "jenkins-deploy-launcher",
    deployCloud: "deploy",
    /** The folder whose jobs alone may use the deploy cloud; it holds the deploy job, which builds gitBranch only. */
    deployFolder: "deploy",
    deployJob: "deploy/eks-platform",
    /**
     * Promotion to each stage after this stack: a job per stage (promotionJobName), so a build waiting a day for
     * approval holds no lock dev deploys need, and each stage has its own approvers and lock.
     */
    promoteScript: "Jenkinsfile.promote",
    /**
     * The deploy pod template, reached by name (`inheritFrom`) and given no label: a label would let any job ask for it
     * (`agent { label ... }`), and KubernetesCloud.canProvision starts the pod before KubernetesQueueTaskDispatcher
     * refuses the build. Without a label and in the default EXCLUSIVE node usage mode (PodTemplate.getNodeUsageMode),
     * no label expression matches it.
     */
    deployTemplate: "platform-deploy",
    adminSecret: "jenkins-admin",
    /** Keys of the admin Secret; the chart mounts them as the files JCasC's default security realm reads. */
    adminUserKey: "jenkins-admin-user",
    adminPasswordKey: "jenkins-admin-password",
    /** The local realm's one user, the administrator. */
    adminUser: "admin",
    /** The pod template label the Jenkinsfile asks for. */
    agentLabel: "platform-ci",
} as const;

/** The controller Service the chart creates (port `http`), where the prometheus plugin serves /prometheus. */
export const JENKINS_SCRAPE_TARGET: ScrapeTarget = {
    name: "jenkins",
    namespace: JENKINS.namespace,
    matchLabels: { "app.kubernetes.io/component": "jenkins-controller", "app.kubernetes.io/instance": JENKINS.releaseName },
    port: "http",
    path: "/prometheus",
    interval: "60s",
};

/**
 * Plugins with exact, released versions: the chart's init container installs them with jenkins-plugin-cli under
 * `set -e`, so one unknown version keeps the controller from ever starting. The first four are the chart's own
 * installPlugins at 5.9.53; junit is the release of the same week (needs core 2.533, below 2.568.2) and is newer
 * than what the prometheus plugin depends on.
 */
export const JENKINS_PLUGINS = [
    "kubernetes:4540.v612369217f87",
    "workflow-aggregator:608.v67378e9d3db_1",
    "git:5.10.1",
    "configuration-as-code:2115.vf6de120eef70",
    "job-dsl:1.93",
    "prometheus:852.v317db_5d17a_b_0",
    "junit:1418.v67a_81935603c",
    "timestamper:1.27",
    // Folders and their credentials store (FolderCredentialsProvider): the deploy folder's credentials, which no
    // branch build can see. Also a dependency of branch-api; pinned so the store the jobs rely on is a known release.
    "cloudbees-folder:6.1100.ve9eed61d16c4",
    // The promotion's `lock`: one promotion deploys at a time (Jenkinsfile.promote). Needs core 2.541.3 (its pom.xml).
    "lockable-resources:1539.v4db_b_fc1cc115",
    // Replaces the chart's loggedInUsersCanDoAnything, under which every user is an administrator and the input step's
    // submitter list is never consulted (pipeline-input-step InputStepExecution.canSettle).
    "matrix-auth:3.2.8",
] as const;

/**
 * Agent container images: tests in node, image builds in kaniko (no Docker daemon on EKS), deploys in pulumi, and
 * jnlp, the chart's inbound agent (its agent.image at 5.9.53), named so the plugin does not add its own default.
 */
export const AGENT_IMAGES = {
    jnlp: "jenkins/inbound-agent:3385.vf1123fb_515da_-1",
    node: "node:22-bookworm-slim",
    // The debug variant has the busybox shell Jenkins' `container()` steps need.
    kaniko: "gcr.io/kaniko-project/executor:v1.24.0-debug",
    // Pulumi CLI with Node and the AWS CLI (for `aws eks get-token` in the cluster's kubeconfig).
    pulumi: "pulumi/pulumi:3.248.0",
    crane: "gcr.io/go-containerregistry/crane:debug",
} as const;

/** Jenkins agents: push to this stack's repository, and assume the deploy role(s). Nothing else. */
export function agentPolicy(repositoryArn: string, deployRoleArns: string[], promoteRepositoryArns: string[] = []): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            // GetAuthorizationToken has no resource-level permissions; the token only works where pushes are allowed.
            { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            { Sid: "PushAppImages", Effect: "Allow", Action: ECR_PUSH, Resource: repositoryArn },
            // Promotion copies the tested image into each stage's repository as this identity (no deployer has ECR
            // rights), reading it from the previous stage's (ECR_PUSH includes the pulls). Each stage's repository
            // also admits this role in its own policy (Registry promoters), which another account requires.
            ...(promoteRepositoryArns.length ? [{ Sid: "PromoteAppImages", Effect: "Allow" as const, Action: ECR_PUSH, Resource: promoteRepositoryArns }] : []),
            { Sid: "AssumeDeployRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: deployRoleArns },
        ],
    };
}

/** `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<name>` as the repository's ARN. */
export function ecrRepositoryArnOf(repositoryUrl: string): string {
    const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/(.+)$/.exec(repositoryUrl);
    if (!m) throw new Error(`${repositoryUrl} is not an ECR repository URL`);
    const partition = m[3] ? "aws-cn" : m[2].startsWith("us-gov-") ? "aws-us-gov" : "aws";
    return `arn:${partition}:ecr:${m[2]}:${m[1]}:repository/${m[4]}`;
}

/** Parses `s3://bucket[/prefix][?query]`, the Pulumi state backend the deploy role may use. */
export function stateBucketOf(backendUrl: string): { bucket: string; prefix: string } {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/[^?]*)?(\?.*)?$/.exec(backendUrl);
    if (!m) throw new Error(`state backend ${backendUrl} is not an s3://bucket URL`);
    return { bucket: m[1], prefix: (m[2] ?? "").replace(/^\/|\/$/g, "") };
}

/** Trust for the deploy role: the given roles (this stack's Jenkins agents, or another stack's for promotion). */
export function deployTrustPolicy(roleArns: string[]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: roleArns }, Action: "sts:AssumeRole" }],
    };
}

/**
 * A branch name git accepts, by the rules of git-check-ref-format(1) as git/refs.c (check_refname_component)
 * applies them, plus `git branch`'s own: no leading "-", not "HEAD". A quote, `$` or `{` may still be in it.
 */
export function checkBranchName(name: string): void {
    const problems: string[] = [];
    if (!name) problems.push("it is empty");
    if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) problems.push("it has a space, a control character or one of ~ ^ : ? * [ \\");
    if (name.includes("..")) problems.push('it has ".."');
    if (name.includes("@{")) problems.push('it has "@{"');
    if (name === "@" || name === "HEAD") problems.push(`"${name}" is reserved`);
    if (name.startsWith("-")) problems.push('it starts with "-"');
    if (name.startsWith("/") || name.endsWith("/") || name.includes("//")) problems.push("it has an empty path component");
    if (name.endsWith(".")) problems.push('it ends with "."');
    if (name.split("/").some((c) => c.startsWith(".") || c.endsWith(".lock"))) problems.push('a component starts with "." or ends with ".lock"');
    if (problems.length) throw new Error(`gitBranch ${JSON.stringify(name)} is not a branch name git accepts: ${problems.join("; ")}`);
}

/** Values that reach configuration as code are single lines; a newline or control character is never meant. */
function checkLine(what: string, value: string): void {
    if (/[\x00-\x1f\x7f]/.test(value)) throw new Error(`${what} ${JSON.stringify(value)} has a newline or control character`);
}

function checkGitUrl(url: string): void {
    checkLine("gitRepoUrl", url);
    if (!/^(https:\/\/|git@|ssh:\/\/)\S+$/.test(url)) throw new Error(`gitRepoUrl ${JSON.stringify(url)} is not an https:// or ssh git URL`);
}

/** A Groovy single-quoted string: it never interpolates, so only the backslash, the quote and line breaks need escaping. */
export function groovyString(value: string): string {
    return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\r/g, "\\r")}'`;
}

/** JCasC replaces ${name} in every value with a secret or environment variable; ^${ is its escape for a literal ${. */
export function jcascLiteral(value: string): string {
    return value.replace(/\$\{/g, "^${");
}

/** The chart runs configScripts and podTemplates through Helm's `tpl`, where `{{` would start a template action. */
export function helmTplLiteral(text: string): string {
    return text.replace(/\{\{/g, '{{ "{{" }}');
}

/** YAML the chart hands to JCasC unchanged: Helm's `tpl` would otherwise evaluate any `{{` in it. */
function jcascYaml(doc: unknown): string {
    return helmTplLiteral(YAML.stringify(doc));
}

/**
 * A username/password credential kept in a folder's own store (cloudbees-folder FolderCredentialsProvider): items in
 * that folder see it, no other item does. Its secret is the JCasC variable `${<secretVariable>}`, a mounted Secret key.
 */
export interface FolderCredential {
    id: string;
    username: string;
    secretVariable: string;
}

export interface PipelineSettings {
    gitRepoUrl: string;
    gitBranch: string;
    /** The multibranch job's read-only repository token (scans and branch builds can read it); none for a public repository. */
    readCredential?: FolderCredential;
    /** Credentials only the deploy folder's jobs (deploy and promotion) may use: the deploy job's git token, the passphrase. */
    deployCredentials?: FolderCredential[];
    /** The deploy credential the deploy and promotion jobs clone with; undefined for a public repository. */
    deployGitCredentialsId?: string;
    /** The promotion jobs, one per stage (promotionJobs), in the deploy folder. */
    promotionJobs?: string[];
}

/**
 * `properties { folderCredentialsProperty { ... } }` of a folder or multibranch job, in the Job DSL's dynamic syntax
 * for FolderCredentialsProperty(DomainCredentials[]) (cloudbees-folder 6.1100 FolderCredentialsProvider.java) with
 * UsernamePasswordCredentialsImpl (@Symbol usernamePassword; credentials-plugin) in the global domain. The secret
 * reaches Groovy base64-encoded by JCasC's `${base64:...}` lookup (configuration-as-code SecretSourceResolver, which
 * resolves nested variables), so no character of it can end the string literal it sits in.
 */
function folderCredentialsDsl(credentials: FolderCredential[], q: (value: string) => string, indent: string): string[] {
    return [
        `${indent}folderCredentialsProperty {`,
        `${indent}  domainCredentials {`,
        `${indent}    domainCredentials {`,
        `${indent}      domain { name(${q("")}); description(${q("")}) }`,
        `${indent}      credentials {`,
        ...credentials.flatMap((c) => {
            if (!/^[a-z0-9][a-z0-9-]*$/.test(c.secretVariable)) throw new Error(`credential ${c.id}: ${c.secretVariable} is not a mounted Secret file name`);
            checkLine("credential id", c.id);
            return [
                `${indent}        usernamePassword {`,
                `${indent}          scope(${q("GLOBAL")}); id(${q(c.id)}); description(${q("")}); username(${q(c.username)})`,
                `${indent}          password(new String('\${base64:\${${c.secretVariable}}}'.decodeBase64(), 'UTF-8'))`,
                `${indent}        }`,
            ];
        }),
        `${indent}      }`,
        `${indent}    }`,
        `${indent}  }`,
        `${indent}}`,
    ];
}

/**
 * The jobs, defined by Job DSL inside JCasC, so a re-created Jenkins has them without a click:
 * - `eks-platform`, a multibranch job over every branch of the repository: tests and offline plans only. A plain
 *   git branch source discovers branches, not pull requests (that needs a hosting provider's branch source). Its
 *   own credentials store holds the read-only token it scans with, the one credential its builds can see.
 * - the `deploy` folder: the only one allowed the deploy cloud, holding the credentials deploys need.
 * - `deploy/eks-platform`, one pipeline job on `gitBranch` alone: deploys dev, one build at a time (the Jenkinsfile's
 *   disableConcurrentBuilds; no build of it waits for a person).
 * - `deploy/promote-<stack>`, one per promotion stage: the first started by the deploy job with the deployed commit,
 *   each later one by the previous stage's success; each waits for its approval and promotes. Its builds may run side
 *   by side; the newest approved one supersedes older ones waiting (milestones in Jenkinsfile.promote).
 */
export function pipelineJobScript(p: PipelineSettings): string {
    checkBranchName(p.gitBranch);
    checkGitUrl(p.gitRepoUrl);
    if (p.deployGitCredentialsId !== undefined) checkLine("deployGitCredentialsId", p.deployGitCredentialsId);
    // JCasC resolves ${...} in the script before Job DSL runs it, so each Groovy literal is escaped for both.
    const q = (value: string) => jcascLiteral(groovyString(value));
    const [folder, job] = JENKINS.deployJob.split("/");
    for (const promote of p.promotionJobs ?? []) {
        if (promote.split("/")[0] !== folder) throw new Error(`${promote} must be in the deploy folder ${folder}`);
    }
    const fromBranch = (scriptPath: string) => [
        `  definition {`,
        `    cpsScm {`,
        `      scm {`,
        `        git {`,
        `          remote {`,
        `            url(${q(p.gitRepoUrl)})`,
        // The deploy branch alone: a commit of any other branch is not in the workspace, so it cannot be checked out.
        `            refspec(${q(`+refs/heads/${p.gitBranch}:refs/remotes/origin/${p.gitBranch}`)})`,
        ...(p.deployGitCredentialsId ? [`            credentials(${q(p.deployGitCredentialsId)})`] : []),
        `          }`,
        `          branch(${q(`refs/heads/${p.gitBranch}`)})`,
        // Without honorRefspec the first clone of a fresh agent's workspace fetches every branch head anyway
        // (git plugin GitSCM.retrieveChanges clones before the refspec applies; CloneOption.decorateCloneCommand).
        `          extensions {`,
        `            cloneOptions {`,
        `              honorRefspec(true)`,
        `            }`,
        `          }`,
        `        }`,
        `      }`,
        `      scriptPath(${q(scriptPath)})`,
        `      lightweight(false)`,
        `    }`,
        `  }`,
    ];
    const dsl = [
        `multibranchPipelineJob(${q("eks-platform")}) {`,
        `  displayName(${q("eks-platform")})`,
        `  branchSources {`,
        `    git {`,
        `      id(${q("eks-platform")})`,
        `      remote(${q(p.gitRepoUrl)})`,
        ...(p.readCredential ? [`      credentialsId(${q(p.readCredential.id)})`] : []),
        `    }`,
        `  }`,
        ...(p.readCredential ? [`  properties {`, ...folderCredentialsDsl([p.readCredential], q, "    "), `  }`] : []),
        `  factory { workflowBranchProjectFactory { scriptPath(${q("Jenkinsfile")}) } }`,
        `  orphanedItemStrategy { discardOldItems { numToKeep(20) } }`,
        // Webhooks trigger scans at once; the periodic scan catches a missed webhook.
        `  triggers { periodicFolderTrigger { interval(${q("5m")}) } }`,
        `}`,
        `folder(${q(folder)}) {`,
        `  properties {`,
        `    kubernetesFolderProperty { permittedClouds([${q(JENKINS.deployCloud)}]) }`,
        ...(p.deployCredentials?.length ? folderCredentialsDsl(p.deployCredentials, q, "    ") : []),
        `  }`,
        `}`,
        `pipelineJob(${q(`${folder}/${job}`)}) {`,
        ...fromBranch("Jenkinsfile"),
        `  triggers { scm(${q("H/5 * * * *")}) }`,
        `}`,
        ...(p.promotionJobs ?? []).flatMap((promote) => [
            `pipelineJob(${q(promote)}) {`,
            `  parameters { stringParam(${q("PROMOTE_COMMIT")}, ${q("")}, ${q("The commit the previous stage deployed")}) }`,
            ...fromBranch(JENKINS.promoteScript),
            `}`,
        ]),
    ].join("\n");
    return jcascYaml({ jobs: [{ script: dsl }] });
}

export interface PipelineEnv {
    AWS_REGION: string;
    ECR_REPOSITORY_URL: string;
    DEPLOY_ROLE_ARN: string;
    PULUMI_BACKEND_URL: string;
    PLATFORM_STACK: string;
    /** The app stack the pipeline deploys (appstack/Pulumi.<APP_STACK>.yaml). */
    APP_STACK: string;
    APP_URL: string;
    /** The one job whose builds deploy; every other build only tests and plans. */
    DEPLOY_JOB: string;
    /** The branch the deploy and promotion jobs build (cicd:gitBranch): a promoted commit must be on it. */
    DEPLOY_BRANCH: string;
    /** The first stage's promotion job, which the deploy job starts with the commit it deployed. */
    PROMOTE_JOB?: string;
    /** Set when the stacks use a passphrase secrets provider: the deploy folder's credential holding it (username/password). */
    PULUMI_PASSPHRASE_CREDENTIAL?: string;
}

/** Another stack the pipeline promotes the same image to, and who may approve that (dev -> staging -> prod). */
export interface PromotionTarget {
    stack: string;
    deployRoleArn: string;
    repositoryUrl: string;
    appUrl: string;
    /** Jenkins user ids or groups who may approve a promotion to it (its job's `input` submitter). */
    approvers: string[];
}

/** A stage's job, in the deploy folder (its cloud and credentials), named after the stack it deploys to. */
export function promotionJobName(stack: string): string {
    const name = stack.slice(stack.lastIndexOf("/") + 1);
    // Jenkins item names (Jenkins.checkGoodName) refuse / and others; a stack's short name never needs them.
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) throw new Error(`promotion stage ${JSON.stringify(stack)}: its name cannot name a Jenkins job`);
    return `${JENKINS.deployFolder}/promote-${name}`;
}

/** What one promotion job reads as PROMOTE_<name> (Jenkinsfile.promote). */
export interface PromotionVariables {
    JOB: string;
    STACK: string;
    APPROVERS: string;
    DEPLOY_ROLE_ARN: string;
    REPOSITORY_URL: string;
    APP_URL: string;
    /** Where the image is verified and copied from: the previous stage's repository (this stack's for the first). */
    SOURCE_REPOSITORY_URL: string;
    /** The one job whose builds may start this one: the deploy job for the first stage, else the previous stage's. */
    UPSTREAM_JOB: string;
    /** The next stage's job, which this one starts with the commit once it has deployed it; none for the last. */
    NEXT_JOB?: string;
}

/**
 * Each stage's variables, in order. Each stage copies from the previous stage's repository, not from this stack's:
 * what reaches prod is the image staging ran (same digest), and it is still there when this stack's repository has
 * expired it (app:keepImages) while a stage waited for its approval.
 */
export function promotionStages(targets: PromotionTarget[], deployJob: string, repositoryUrl: string): PromotionVariables[] {
    const jobs = targets.map((t) => promotionJobName(t.stack));
    const twice = jobs.find((job, i) => jobs.indexOf(job) !== i);
    if (twice) throw new Error(`promotion: two stages would share the job ${twice}; each stack is one stage`);
    return targets.map((t, i) => ({
        JOB: jobs[i],
        STACK: t.stack,
        APPROVERS: promoteApprovers(t.approvers),
        DEPLOY_ROLE_ARN: t.deployRoleArn,
        REPOSITORY_URL: t.repositoryUrl,
        APP_URL: t.appUrl,
        SOURCE_REPOSITORY_URL: i === 0 ? repositoryUrl : targets[i - 1].repositoryUrl,
        UPSTREAM_JOB: i === 0 ? deployJob : jobs[i - 1],
        NEXT_JOB: jobs[i + 1],
    }));
}

/**
 * The stages in the global environment, as PROMOTE_<n>_<name> (n from 1): a pipeline job has no environment of its
 * own without another plugin (EnvInject), and a job parameter could be set by whoever starts the build. Each
 * promotion job finds its n by its JOB_NAME (Jenkinsfile.promote); PROMOTE_JOB is the first stage's job.
 */
export function promotionEnv(stages: PromotionVariables[]): Record<string, string> {
    const env: Record<string, string> = stages.length ? { PROMOTE_JOB: stages[0].JOB } : {};
    stages.forEach((stage, i) => {
        for (const [name, value] of Object.entries(stage) as [string, string | undefined][]) if (value !== undefined) env[`PROMOTE_${i + 1}_${name}`] = value;
    });
    return env;
}

/**
 * The `input` step's submitter: Jenkins user ids or group names separated by "," (pipeline-input-step InputStep,
 * which trims each and ignores case). An empty list would let anyone with Build permission approve.
 */
export function promoteApprovers(approvers: string[] | undefined): string {
    if (!approvers?.length) throw new Error("promoteApprovers: a promotion needs at least one approver (a Jenkins user id or group)");
    for (const a of approvers) {
        if (!/^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(a))
            throw new Error(`promoteApprovers: ${JSON.stringify(a)} is not a Jenkins user id or group name (letters, digits, . _ @ -)`);
        if (EVERYONE.includes(a.toLowerCase())) throw new Error(`promoteApprovers: ${a} is every user (or none), not an approver`);
    }
    return approvers.join(",");
}

/** Jenkins' built-in groups (ACL.ANONYMOUS_USERNAME, SecurityRealm.AUTHENTICATED_AUTHORITY2): no one in particular. */
export const EVERYONE = ["authenticated", "anonymous"];

/**
 * Who may do what in Jenkins (matrix-auth globalMatrix, JCasC syntax of matrix-auth 3.x): the admin administers;
 * every other logged-in user may see jobs and builds, and so approve an input that names them, but not build, configure
 * or replay anything. Builds started by SCM triggers and by other builds' `build` step run as SYSTEM and need no grant.
 * A configScript with `authorizationStrategy:` replaces the chart's default one (_helpers.tpl jenkins.casc.defaults).
 */
export function authorizationScript(adminUser: string): string {
    checkLine("admin user", adminUser);
    return jcascYaml({
        jenkins: {
            authorizationStrategy: {
                globalMatrix: {
                    entries: [
                        { user: { name: adminUser, permissions: ["Overall/Administer"] } },
                        { group: { name: "authenticated", permissions: ["Overall/Read", "Job/Read"] } },
                    ],
                },
            },
        },
    });
}

/** Values the Jenkinsfile reads, set once as global environment variables (with the stages' promotionEnv). */
export function pipelineEnvScript(env: PipelineEnv & Record<string, string | undefined>): string {
    const entries = Object.entries(env)
        .filter((e): e is [string, string] => e[1] !== undefined)
        .map(([key, value]) => {
            checkLine(key, value);
            return { key, value: jcascLiteral(value) };
        });
    return jcascYaml({ jenkins: { globalNodeProperties: [{ envVars: { env: entries } }] } });
}

/** A secret-text credential for Jenkins itself, whose secret JCasC reads from a mounted Secret key (`${<secret>-<key>}`). */
export interface SystemCredential {
    id: string;
    secretVariable: string;
}

/**
 * The global store holds only SYSTEM-scoped credentials: Jenkins itself (a cloud) may use them, no build can
 * (credentials-plugin CredentialsScope). What builds use lives in folder stores (pipelineJobScript).
 */
export function credentialsScript(credentials: SystemCredential[]): string | undefined {
    if (credentials.length === 0) return undefined;
    const entry = (c: SystemCredential) => ({ string: { id: c.id, scope: "SYSTEM", secret: `\${${c.secretVariable}}` } });
    return jcascYaml({ credentials: { system: { domainCredentials: [{ credentials: credentials.map(entry) }] } } });
}

/** The admin Secret's data, under the keys the chart mounts for JCasC's security realm. */
export function adminSecretData<T>(password: T): Record<string, T | string> {
    return { [JENKINS.adminUserKey]: JENKINS.adminUser, [JENKINS.adminPasswordKey]: password };
}

interface ContainerResources {
    resourceRequestCpu: string;
    resourceRequestMemory: string;
    resourceLimitMemory: string;
}

/**
 * Requests of the agent pod's containers. The pipeline runs one `container()` step at a time, so the pod asks for
 * what one busy tool needs plus the idle rest and fits a t3.large (1930m / 6837Mi allocatable) beside its daemonsets;
 * no CPU limits, so a build may burst to the whole node. jnlp is set explicitly: left out, the kubernetes plugin adds
 * it with 100m / 256Mi of its own.
 */
export const AGENT_RESOURCES: Record<keyof typeof AGENT_IMAGES, ContainerResources> = {
    jnlp: { resourceRequestCpu: "100m", resourceRequestMemory: "256Mi", resourceLimitMemory: "512Mi" },
    // npm ci, tsc and mocha of the Pulumi program.
    node: { resourceRequestCpu: "500m", resourceRequestMemory: "1536Mi", resourceLimitMemory: "3Gi" },
    // kaniko unpacks the base image and snapshots the filesystem in memory-backed layers.
    kaniko: { resourceRequestCpu: "500m", resourceRequestMemory: "1536Mi", resourceLimitMemory: "3Gi" },
    // pulumi up with the aws, eks and kubernetes providers running side by side.
    pulumi: { resourceRequestCpu: "250m", resourceRequestMemory: "1Gi", resourceLimitMemory: "2Gi" },
    crane: { resourceRequestCpu: "50m", resourceRequestMemory: "64Mi", resourceLimitMemory: "256Mi" },
};

export type AgentKind = "build" | "deploy";

/**
 * Agent pods. A build pod (every branch) has jnlp and node under the jenkins-agent service account, which has no
 * AWS identity; a deploy pod (the deploy job only) adds kaniko, pulumi and crane under jenkins-deploy, whose IRSA
 * role pushes images and assumes the deployers.
 */
export function agentPodTemplate(kind: AgentKind, dockerConfigMap: string): string {
    checkLine("dockerConfigMap", dockerConfigMap);
    // Each tool idles on `cat` until a `container()` step runs in it; the debug images keep busybox elsewhere.
    const tool = (name: Exclude<keyof typeof AGENT_IMAGES, "jnlp">) => ({
        name,
        image: AGENT_IMAGES[name],
        command: `${name === "kaniko" || name === "crane" ? "/busybox/sh" : "/bin/sh"} -c`,
        args: "cat",
        ttyEnabled: true,
        ...AGENT_RESOURCES[name],
    });
    const deploy = kind === "deploy";
    return jcascYaml([
        {
            name: deploy ? JENKINS.deployTemplate : JENKINS.agentLabel,
            ...(deploy ? {} : { label: JENKINS.agentLabel }),
            serviceAccount: deploy ? JENKINS.deployServiceAccount : JENKINS.agentServiceAccount,
            idleMinutes: 0,
            containers: [
                { name: "jnlp", image: AGENT_IMAGES.jnlp, ...AGENT_RESOURCES.jnlp },
                tool("node"),
                ...(deploy ? [tool("kaniko"), tool("pulumi"), tool("crane")] : []),
            ],
            ...(deploy ? { volumes: [{ configMapVolume: { configMapName: dockerConfigMap, mountPath: "/kaniko/.docker" } }] } : {}),
            // Merged into the pod the plugin builds: builds run on the ci pool's spot nodes; a deploy runs `pulumi up`,
            // which a spot reclaim would kill with the stack locked, so it runs on general's on-demand nodes. Karpenter
            // does not consolidate a node away under either.
            yaml: YAML.stringify({ metadata: { annotations: DO_NOT_DISRUPT }, spec: deploy ? poolPlacement("general", "on-demand") : poolPlacement("ci") }),
        },
    ]);
}

/** kaniko and crane log in to ECR through the credential helper, with the pod's IRSA credentials. */
export function ecrDockerConfig(registryHosts: string[]): string {
    return JSON.stringify({ credHelpers: Object.fromEntries(registryHosts.map((h) => [h, "ecr-login"])) });
}

export interface JenkinsValuesArgs {
    url: string;
    storageClass: string;
    storageSize: string;
    jobScript: string;
    envScript: string;
    podTemplate: string;
    /** The deploy cloud's pod template (jenkins-deploy service account, the pipeline's IAM role). */
    deployPodTemplate: string;
    /** Existing Secrets whose keys JCasC reads as ${name-key}, e.g. the git token. */
    credentialSecrets: { name: string; keyName: string }[];
    credentialsScript?: string;
    authorizationScript: string;
}

export function jenkinsValues(a: JenkinsValuesArgs): Record<string, unknown> {
    const configScripts: Record<string, string> = { "platform-job": a.jobScript, "platform-env": a.envScript, "platform-authorization": a.authorizationScript };
    if (a.credentialsScript) configScripts["platform-credentials"] = a.credentialsScript;
    return {
        controller: {
            image: { tag: JENKINS.controllerTag },
            numExecutors: 0,
            jenkinsUrl: a.url,
            // createSecret is what makes the chart mount the Secret (existingSecret or its own) as the files JCasC's
            // default security realm reads; with an existingSecret the chart creates no Secret of its own.
            admin: { createSecret: true, existingSecret: JENKINS.adminSecret, userKey: JENKINS.adminUserKey, passwordKey: JENKINS.adminPasswordKey },
            installPlugins: [...JENKINS_PLUGINS],
            installLatestPlugins: false,
            overwritePlugins: true,
            resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } },
            javaOpts: "-XX:MaxRAMPercentage=70",
            additionalExistingSecrets: a.credentialSecrets,
            JCasC: { defaultConfig: true, overwriteConfiguration: true, configScripts },
            // ServiceMonitors come from the Observability component; the chart's would need its CRDs first.
            prometheus: { enabled: false },
            ingress: { enabled: false },
        },
        // Both clouds auto-configure in the controller's pod (kubernetes-plugin KubernetesFactoryAdapter.createClient):
        // API address and the service-account CA. With a server URL and a credential the plugin starts from
        // Config.empty() and no CA, and EKS's certificate fails. The deploy cloud's credential still replaces the token.
        // Set here, not on the deploy cloud: the chart's `merge` fills a cloud's empty value from the root.
        kubernetesURL: "",
        // Builds of every branch and pull request: the default cloud, in a namespace without Secrets or AWS identity.
        agent: { enabled: true, namespace: JENKINS.buildNamespace, podTemplates: { [JENKINS.agentLabel]: a.podTemplate } },
        // The deploy cloud: only jobs in the deploy folder may use it (kubernetes plugin KubernetesFolderProperty),
        // and it talks to the API as a launcher that alone may create pods in jenkins-deploy. The chart merges each
        // additional cloud over the default one (templates/_helpers.tpl at jenkins-5.9.53), so platform-ci is listed
        // there too; it cannot start in jenkins-deploy, which has no jenkins-agent service account.
        additionalClouds: {
            [JENKINS.deployCloud]: {
                credentialsId: JENKINS.deployLauncherSecret,
                agent: { namespace: JENKINS.deployNamespace, usageRestricted: true, podTemplates: { [JENKINS.deployTemplate]: a.deployPodTemplate } },
            },
        },
        persistence: { enabled: true, storageClass: a.storageClass, size: a.storageSize, accessMode: "ReadWriteOnce" },
        serviceAccount: { create: true, name: "jenkins" },
        // No role annotation: a build of an unreviewed branch gets no AWS credentials at all.
        serviceAccountAgent: { create: true, name: JENKINS.agentServiceAccount },
        rbac: { create: true, readSecrets: false },
    };
}
