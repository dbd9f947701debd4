/**
 * Pure builders for the CiCd component: IAM documents, Jenkins Helm values and configuration as code.
 * Chart, controller image and plugins are pinned together (shared/reference/charts/jenkins at 5.9.53).
 */
import { PolicyDocument } from "./irsa";
import { ScrapeTarget } from "./monitoring";

export const JENKINS = {
    chart: "jenkins",
    repo: "https://charts.jenkins.io",
    chartVersion: "5.9.53",
    controllerTag: "2.568.2-jdk21",
    namespace: "jenkins",
    releaseName: "jenkins",
    servicePort: 8080,
    agentServiceAccount: "jenkins-agent",
    adminSecret: "jenkins-admin",
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

/** Plugins with exact versions: a restarted controller never pulls a newer, untested plugin. */
export const JENKINS_PLUGINS = [
    "kubernetes:4540.v612369217f87",
    "workflow-aggregator:608.v67378e9d3db_1",
    "git:5.10.1",
    "configuration-as-code:2115.vf6de120eef70",
    "job-dsl:1.93",
    "prometheus:852.v317db_5d17a_b_0",
    "junit:1333.vf209c24d8b_0f",
    "timestamper:1.27",
] as const;

/** Agent container images: tests in node, image builds in kaniko (no Docker daemon on EKS), deploys in pulumi. */
export const AGENT_IMAGES = {
    node: "node:22-bookworm-slim",
    // The debug variant has the busybox shell Jenkins' `container()` steps need.
    kaniko: "gcr.io/kaniko-project/executor:v1.24.0-debug",
    // Pulumi CLI with Node and the AWS CLI (for `aws eks get-token` in the cluster's kubeconfig).
    pulumi: "pulumi/pulumi:3.248.0",
    crane: "gcr.io/go-containerregistry/crane:debug",
} as const;

const ECR_PUSH = [
    "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart",
];

/** Jenkins agents: push to this stack's repository, and assume the deploy role(s). Nothing else. */
export function agentPolicy(repositoryArn: string, deployRoleArns: string[]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            // GetAuthorizationToken has no resource-level permissions; the token only works where pushes are allowed.
            { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            { Sid: "PushAppImages", Effect: "Allow", Action: ECR_PUSH, Resource: repositoryArn },
            { Sid: "AssumeDeployRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: deployRoleArns },
        ],
    };
}

/** Parses `s3://bucket[/prefix][?query]`, the Pulumi state backend the deploy role may use. */
export function stateBucketOf(backendUrl: string): { bucket: string; prefix: string } {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/[^?]*)?(\?.*)?$/.exec(backendUrl);
    if (!m) throw new Error(`state backend ${backendUrl} is not an s3://bucket URL`);
    return { bucket: m[1], prefix: (m[2] ?? "").replace(/^\/|\/$/g, "") };
}

/**
 * What the pipeline's `pulumi up` of an image change needs: read the stack's AWS resources (refresh and data
 * sources), write the Pulumi state, and copy images into this stack's repository for promotion. Kubernetes
 * permissions come from the role's EKS access entry, not from IAM.
 */
export function deployPolicy(repositoryArn: string, stateBackendUrl: string, partition = "aws"): PolicyDocument {
    const { bucket, prefix } = stateBucketOf(stateBackendUrl);
    const objects = `arn:${partition}:s3:::${bucket}/${prefix ? `${prefix}/` : ""}*`;
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ReadStackResources",
                Effect: "Allow",
                Action: [
                    "sts:GetCallerIdentity", "ec2:Describe*", "eks:Describe*", "eks:List*", "iam:Get*", "iam:List*",
                    "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListResourceTags",
                    "acm:DescribeCertificate", "acm:ListTagsForCertificate", "route53:GetHostedZone", "route53:ListResourceRecordSets",
                    "route53:GetChange", "route53:ListTagsForResource", "ecr:DescribeRepositories", "ecr:GetLifecyclePolicy",
                    "ecr:ListTagsForResource", "elasticloadbalancing:Describe*",
                ],
                Resource: "*",
            },
            { Sid: "StateBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: `arn:${partition}:s3:::${bucket}` },
            { Sid: "StateObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: objects },
            { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            { Sid: "PromoteImages", Effect: "Allow", Action: ECR_PUSH, Resource: repositoryArn },
        ],
    };
}

/** Trust for the deploy role: the given roles (this stack's Jenkins agents, or another stack's for promotion). */
export function deployTrustPolicy(roleArns: string[]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: roleArns }, Action: "sts:AssumeRole" }],
    };
}

export interface PipelineSettings {
    gitRepoUrl: string;
    gitBranch: string;
    /** Jenkins credential id for the repository; undefined for a public repository. */
    gitCredentialsId?: string;
}

/** The pipeline job, defined by Job DSL inside JCasC, so a re-created Jenkins has it without a click. */
export function pipelineJobScript(p: PipelineSettings): string {
    const credentials = p.gitCredentialsId ? `\n            credentialsId('${p.gitCredentialsId}')` : "";
    return [
        "jobs:",
        "  - script: >",
        `      multibranchPipelineJob('eks-platform') {`,
        `        displayName('eks-platform')`,
        `        branchSources {`,
        `          git {`,
        `            id('eks-platform')`,
        `            remote('${p.gitRepoUrl}')${credentials}`,
        `            includes('${p.gitBranch} PR-*')`,
        `          }`,
        `        }`,
        `        factory { workflowBranchProjectFactory { scriptPath('Jenkinsfile') } }`,
        `        orphanedItemStrategy { discardOldItems { numToKeep(20) } }`,
        // Webhooks trigger scans at once; the periodic scan catches a missed webhook.
        `        triggers { periodicFolderTrigger { interval('5m') } }`,
        `      }`,
        "",
    ].join("\n");
}

export interface PipelineEnv {
    AWS_REGION: string;
    ECR_REPOSITORY_URL: string;
    DEPLOY_ROLE_ARN: string;
    PULUMI_BACKEND_URL: string;
    PLATFORM_STACK: string;
    APP_URL: string;
    PROMOTE_STACK?: string;
    PROMOTE_DEPLOY_ROLE_ARN?: string;
    PROMOTE_REPOSITORY_URL?: string;
    PROMOTE_APP_URL?: string;
    /** Set when the stacks use a passphrase secrets provider: the Jenkins credential holding it. */
    PULUMI_PASSPHRASE_CREDENTIAL?: string;
}

/** Values the Jenkinsfile reads, set once as global environment variables. */
export function pipelineEnvScript(env: PipelineEnv): string {
    const entries = Object.entries(env).filter(([, v]) => v !== undefined);
    return [
        "jenkins:",
        "  globalNodeProperties:",
        "    - envVars:",
        "        env:",
        ...entries.flatMap(([key, value]) => [`          - key: ${key}`, `            value: "${value}"`]),
        "",
    ].join("\n");
}

/** The agent pod: jnlp plus one container per tool, all under the IRSA-annotated agent service account. */
export function agentPodTemplate(dockerConfigMap: string): string {
    // Each container idles on `cat` until a `container()` step runs in it; the debug images keep busybox elsewhere.
    const container = (name: keyof typeof AGENT_IMAGES, extra: string[] = []) => [
        `      - name: ${name}`,
        `        image: ${AGENT_IMAGES[name]}`,
        `        command: "${name === "kaniko" || name === "crane" ? "/busybox/sh" : "/bin/sh"} -c"`,
        `        args: "cat"`,
        `        ttyEnabled: true`,
        ...extra,
    ];
    return [
        `- name: ${JENKINS.agentLabel}`,
        `  label: ${JENKINS.agentLabel}`,
        `  serviceAccount: ${JENKINS.agentServiceAccount}`,
        `  idleMinutes: 0`,
        `  containers:`,
        ...container("node", [`        resourceRequestCpu: "1"`, `        resourceRequestMemory: "2Gi"`, `        resourceLimitMemory: "4Gi"`]),
        ...container("kaniko", [`        resourceRequestCpu: "1"`, `        resourceRequestMemory: "2Gi"`, `        resourceLimitMemory: "4Gi"`]),
        ...container("pulumi", [`        resourceRequestCpu: "500m"`, `        resourceRequestMemory: "1Gi"`, `        resourceLimitMemory: "3Gi"`]),
        ...container("crane"),
        `  volumes:`,
        `    - configMapVolume:`,
        `        configMapName: ${dockerConfigMap}`,
        `        mountPath: /kaniko/.docker`,
        "",
    ].join("\n");
}

/** kaniko and crane log in to ECR through the credential helper, with the pod's IRSA credentials. */
export function ecrDockerConfig(registryHosts: string[]): string {
    return JSON.stringify({ credHelpers: Object.fromEntries(registryHosts.map((h) => [h, "ecr-login"])) });
}

export interface JenkinsValuesArgs {
    url: string;
    storageClass: string;
    storageSize: string;
    agentRoleArn: string;
    jobScript: string;
    envScript: string;
    podTemplate: string;
    /** Existing Secrets whose keys JCasC reads as ${name-key}, e.g. the git token. */
    credentialSecrets: { name: string; keyName: string }[];
    credentialsScript?: string;
}

export function jenkinsValues(a: JenkinsValuesArgs): Record<string, unknown> {
    const configScripts: Record<string, string> = { "platform-job": a.jobScript, "platform-env": a.envScript };
    if (a.credentialsScript) configScripts["platform-credentials"] = a.credentialsScript;
    return {
        controller: {
            image: { tag: JENKINS.controllerTag },
            numExecutors: 0,
            jenkinsUrl: a.url,
            admin: { createSecret: false, existingSecret: JENKINS.adminSecret, userKey: "jenkins-admin-user", passwordKey: "jenkins-admin-password" },
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
        agent: { enabled: true, podTemplates: { [JENKINS.agentLabel]: a.podTemplate } },
        persistence: { enabled: true, storageClass: a.storageClass, size: a.storageSize, accessMode: "ReadWriteOnce" },
        serviceAccount: { create: true, name: "jenkins" },
        serviceAccountAgent: {
            create: true,
            name: JENKINS.agentServiceAccount,
            annotations: { "eks.amazonaws.com/role-arn": a.agentRoleArn },
        },
        rbac: { create: true, readSecrets: false },
    };
}
