import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APP_DEPLOYER_GROUP, appDeployerPolicy, appKubernetesNeeds, kubernetesRules, parameterArn } from "./app-deployer";
import { partitionOf } from "../shared/partition";
import { exposeService, IngressGateway } from "../ingress";
import { irsaRole, OidcIdentity } from "../shared/irsa";
import {
    adminSecretData,
    agentPodTemplate,
    authorizationScript,
    agentPolicy,
    credentialsScript,
    deployTrustPolicy,
    ecrDockerConfig,
    ecrRepositoryArnOf,
    JENKINS,
    FolderCredential,
    jenkinsValues,
    promotionEnv,
    promotionStages,
    PromotionTarget,
    SystemCredential,
    pipelineEnvScript,
    pipelineJobScript,
    stateBucketOf,
} from "./jenkins";
import { READINESS_GATE_LABELS } from "../ingress/lbc";
import {
    appAllowances,
    createNetworkPolicies,
    defaultDenyWithAllowances,
    JENKINS_AGENT_PORT,
    JENKINS_CONTROLLER_PODS,
    jenkinsAllowances,
} from "../ingress/network-policies";
import { MonitoringContribution } from "../observability/monitoring";
import { appNamespaceLabels } from "../webapp";
import { jenkinsMonitoring } from "./monitoring";

/** The place the platform prepares for the app stack, and who may deploy into it. */
export interface AppPlace {
    /** The app's namespace; the platform creates it, the app stack only fills it. */
    namespace: string;
    /** The app pods' labels and port, which the namespace's NetworkPolicy admits the ALB and Prometheus to. */
    podLabels: Record<string, string>;
    podPort: number;
    /** The WebApp this namespace belonged to before the app got its own stack, so the namespace keeps its URN. */
    formerOwner?: string;
    hostedZoneId: string;
    /** The DNS names the app's records may have. */
    recordNames: string[];
    /** The app stack in the state backend. */
    project: string;
    stack: string;
    /** The SSM parameter this platform stack hands the app its appPlatform in (the deployer may read it alone). */
    platformParameterName: string;
    /** The app stack's secrets-provider key (awskms://), if it uses one. */
    secretsKeyArn?: string;
    /** The state bucket's SSE-KMS key, if it has one. */
    stateKeyArn?: string;
}

export interface JenkinsSettings {
    host: string;
    adminPassword: pulumi.Input<string>;
    gitRepoUrl: string;
    gitBranch: string;
    /** Token the deploy and promotion jobs clone a private repository with (credential `git-credentials`, deploy folder only). */
    gitToken?: pulumi.Input<string>;
    /** Read-only token the multibranch job scans and clones with (credential `git-read`); branch builds can read it. */
    gitReadToken?: pulumi.Input<string>;
    /** Passphrase of the stacks' secrets provider, if they use one (credential `pulumi-passphrase`). */
    pulumiPassphrase?: pulumi.Input<string>;
    storageSize: string;
    appUrl: string;
    /** The stages the pipeline promotes the image through after this stack's deploy, in order. */
    promotions?: PromotionTarget[];
}

export interface CiCdArgs {
    stack: string;
    region: string;
    clusterName: pulumi.Input<string>;
    oidc: OidcIdentity;
    repositoryArn: pulumi.Input<string>;
    repositoryUrl: pulumi.Input<string>;
    /** Where Pulumi state lives (s3://bucket/prefix); the deploy role may read and write it. */
    stateBackendUrl: string;
    /** The app's place: its namespace, DNS names and stack; the deployer may change nothing else. */
    app: AppPlace;
    /** Roles from elsewhere (e.g. the dev stack's Jenkins agents) that may assume this stack's deploy role. */
    trustedDeployerArns: string[];
    /** Jenkins itself; absent in stacks that are only deployed to (prod is promoted to from dev's Jenkins). */
    jenkins?: JenkinsSettings;
    gateway: IngressGateway;
    storageClassName: pulumi.Input<string>;
}

/**
 * CI/CD: the deploy role (IAM + EKS access entry) that `pulumi up` of an image runs as, and, where enabled, Jenkins
 * with persistent jenkins_home, configuration as code, Kubernetes agents and an IRSA role limited to pushing to this
 * stack's repository and assuming deploy roles.
 */
export class CiCd extends pulumi.ComponentResource {
    readonly deployRoleArn?: pulumi.Output<string>;
    readonly agentRoleArn?: pulumi.Output<string>;
    readonly jenkinsUrl?: string;
    readonly release?: k8s.helm.v3.Release;
    readonly appNamespace: pulumi.Output<string>;
    /** What Observability watches of CI/CD: Jenkins, where it runs. */
    readonly monitoring: MonitoringContribution[] = [];

    constructor(name: string, args: CiCdArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cicd:CiCd", name, {}, opts);
        const partition = partitionOf(args.region);
        const j = args.jenkins;

        // Builds of every branch and pull request run as the jenkins-agent service account, which has no AWS identity;
        // only the deploy cloud's pods (namespace jenkins-deploy, restricted to the deploy job) get this role.
        // Fixed role names: other stacks name them in their trust policies before this stack's outputs exist.
        const pipelineRole = j
            ? irsaRole(`${name}-jenkins-deploy`, args.oidc, JENKINS.deployNamespace, JENKINS.deployServiceAccount, this, `${name}-jenkins-deploy`)
            : undefined;
        const trustees: pulumi.Input<string>[] = [...(pipelineRole ? [pipelineRole.arn] : []), ...args.trustedDeployerArns];
        if (trustees.length === 0) {
            throw new Error("CiCd: nobody could assume the deploy role: enable Jenkins in this stack or list trustedDeployerArns");
        }

        const cluster = args.gateway.cluster;
        const appNamespace = cluster.object(
            k8s.core.v1.Namespace,
            `${args.app.namespace}-ns`,
            {
                metadata: { name: args.app.namespace, labels: appNamespaceLabels() },
                // Its readiness-gate label puts it after the load balancer controller (KIND_NEEDS): destroy deletes the
                // namespace, and the app's Ingress (and ALB) in it, while the controller still runs to delete the ALB,
                // whichever stack the Ingress belongs to.
            },
            {
                parent: this,
                needs: ["pools"],
                aliases: args.app.formerOwner ? [{ parent: pulumi.createUrn(args.app.formerOwner, "platform:app:WebApp") }] : [],
            },
        );
        this.appNamespace = appNamespace.metadata.name;
        // Default-deny ingress for the app's pods, owned here with the namespace: the app's deployer has no RBAC on
        // NetworkPolicies, so an app deploy can never open its own namespace.
        createNetworkPolicies(
            `${args.app.namespace}-app`,
            defaultDenyWithAllowances(args.app.namespace, appAllowances(args.gateway.trafficSources, args.app.podLabels, args.app.podPort)),
            cluster,
            { parent: this, dependsOn: [appNamespace] },
        );

        // The app stack's deployer: its Kubernetes rights are a Role in the app namespace for a group only the
        // access entry maps to (no access policy, nothing cluster-wide); its IAM rights are the app's records and state.
        const deployRole = new aws.iam.Role(
            `${name}-deploy`,
            {
                name: `${name}-deploy`,
                description: `Runs pulumi up of the app stack ${args.app.project}/${args.app.stack} from the pipeline`,
                assumeRolePolicy: pulumi.output(trustees).apply((arns) => JSON.stringify(deployTrustPolicy(arns))),
                maxSessionDuration: 3600,
            },
            { parent: this },
        );
        const { bucket, prefix } = stateBucketOf(args.stateBackendUrl);
        new aws.iam.RolePolicy(
            `${name}-deploy`,
            {
                role: deployRole.name,
                // The parameter's ARN names the account, which only the caller's identity tells.
                policy: aws.getCallerIdentityOutput({}, { parent: this }).accountId.apply((accountId) =>
                    JSON.stringify(
                        appDeployerPolicy({
                            partition,
                            hostedZoneId: args.app.hostedZoneId,
                            recordNames: args.app.recordNames,
                            stateBucket: bucket,
                            statePrefix: prefix,
                            appProject: args.app.project,
                            appStack: args.app.stack,
                            appPlatformParameterArn: parameterArn(partition, args.region, accountId, args.app.platformParameterName),
                            secretsKeyArn: args.app.secretsKeyArn,
                            stateKeyArn: args.app.stateKeyArn,
                        }),
                    ),
                ),
            },
            { parent: this },
        );
        const accessEntry = new aws.eks.AccessEntry(
            `${name}-deploy`,
            {
                clusterName: args.clusterName,
                principalArn: deployRole.arn,
                type: "STANDARD",
                kubernetesGroups: [APP_DEPLOYER_GROUP],
            },
            { parent: this },
        );
        const role = cluster.object(
            k8s.rbac.v1.Role,
            `${name}-app-deployer`,
            {
                metadata: { name: "app-deployer", namespace: this.appNamespace },
                rules: kubernetesRules(appKubernetesNeeds()),
            },
            { parent: this },
        );
        cluster.object(
            k8s.rbac.v1.RoleBinding,
            `${name}-app-deployer`,
            {
                metadata: { name: "app-deployer", namespace: this.appNamespace },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: APP_DEPLOYER_GROUP }],
            },
            { parent: this, dependsOn: [accessEntry] },
        );
        this.deployRoleArn = deployRole.arn;

        if (j && pipelineRole) {
            const stages = j.promotions ?? [];
            const assumable = [deployRole.arn, ...stages.map((t) => t.deployRoleArn)];
            new aws.iam.RolePolicy(
                `${name}-jenkins-deploy`,
                {
                    role: pipelineRole.name,
                    policy: pulumi.all([args.repositoryArn, ...assumable]).apply(([repo, ...roles]) =>
                        JSON.stringify(
                            agentPolicy(
                                repo,
                                roles,
                                stages.map((t) => ecrRepositoryArnOf(t.repositoryUrl)),
                            ),
                        ),
                    ),
                },
                { parent: this },
            );
            this.agentRoleArn = pipelineRole.arn;
            this.release = this.jenkins(name, args, j, pipelineRole, deployRole);
            this.jenkinsUrl = `https://${j.host}`;
            this.monitoring = [jenkinsMonitoring()];
        }

        this.registerOutputs({ deployRoleArn: this.deployRoleArn, agentRoleArn: this.agentRoleArn, jenkinsUrl: this.jenkinsUrl });
    }

    private jenkins(name: string, args: CiCdArgs, j: JenkinsSettings, agentRole: aws.iam.Role, deployRole: aws.iam.Role): k8s.helm.v3.Release {
        const cluster = args.gateway.cluster;
        // The controller is an ALB target: its pods must wait for target registration before the old one goes.
        // Depends on the CSI driver so that destroy deletes the namespace, and with it jenkins_home's claim and volume,
        // while the driver still runs to delete the volume.
        const ns = cluster.object(
            k8s.core.v1.Namespace,
            `${name}-jenkins`,
            { metadata: { name: JENKINS.namespace, labels: { ...READINESS_GATE_LABELS } } },
            { parent: this, needs: ["storage", "pools"] },
        );
        const namespace = ns.metadata.name;
        createNetworkPolicies(
            `${name}-jenkins`,
            defaultDenyWithAllowances(
                JENKINS.namespace,
                jenkinsAllowances(args.gateway.trafficSources, JENKINS_CONTROLLER_PODS, JENKINS.servicePort, JENKINS_AGENT_PORT, [
                    JENKINS.buildNamespace,
                    JENKINS.deployNamespace,
                ]),
            ),
            cluster,
            { parent: this, dependsOn: [ns] },
        );

        // Credentials live in Secrets the chart mounts; Helm values (kept in the release) never hold them.
        const adminSecret = cluster.object(
            k8s.core.v1.Secret,
            `${name}-jenkins-admin`,
            {
                metadata: { name: JENKINS.adminSecret, namespace },
                stringData: adminSecretData(j.adminPassword),
            },
            { parent: this },
        );
        const credentialSecrets: { name: string; keyName: string }[] = [];
        const systemCredentials: SystemCredential[] = [];
        const deployCredentials: FolderCredential[] = [];
        const secrets: pulumi.Resource[] = [adminSecret];
        // A Secret the chart mounts for JCasC, read as ${<secret>-<key>}.
        const mounted = (secretName: string, key: string, value: pulumi.Input<string>) => {
            secrets.push(
                cluster.object(
                    k8s.core.v1.Secret,
                    `${name}-${secretName}`,
                    { metadata: { name: secretName, namespace }, stringData: { [key]: value } },
                    { parent: this },
                ),
            );
            credentialSecrets.push({ name: secretName, keyName: key });
            return `${secretName}-${key}`;
        };
        // Builds of unreviewed branches see only the multibranch job's store: the read-only token, nothing else.
        const readCredential = j.gitReadToken ? { id: "git-read", username: "git", secretVariable: mounted("git-read", "token", j.gitReadToken) } : undefined;
        if (j.gitToken) deployCredentials.push({ id: "git-credentials", username: "git", secretVariable: mounted("git", "token", j.gitToken) });
        if (j.pulumiPassphrase)
            deployCredentials.push({ id: "pulumi-passphrase", username: "pulumi", secretVariable: mounted("pulumi", "passphrase", j.pulumiPassphrase) });

        // Builds run in their own namespace: no Secret of the controller's can be mounted by a pod a branch describes.
        // Baseline Pod Security: a branch's Jenkinsfile can ask for any pod, but not a privileged, hostPath or
        // hostNetwork one that could read another pod's projected IRSA token on its node. (kaniko runs as root,
        // unprivileged, which baseline allows.) Agents accept no connections: default-deny ingress.
        const agentNamespace = (resourceName: string, namespaceName: string) => {
            // After the pools: destroy deletes the namespace, and any agent in it, before the pool it runs on.
            const agentNs = cluster.object(
                k8s.core.v1.Namespace,
                resourceName,
                { metadata: { name: namespaceName, labels: { "pod-security.kubernetes.io/enforce": "baseline" } } },
                { parent: this, needs: ["pools"] },
            );
            createNetworkPolicies(resourceName, defaultDenyWithAllowances(namespaceName, []), cluster, { parent: this, dependsOn: [agentNs] });
            return agentNs;
        };
        const buildNs = agentNamespace(`${name}-jenkins-builds`, JENKINS.buildNamespace);
        const deployNs = agentNamespace(`${name}-jenkins-deploy`, JENKINS.deployNamespace);
        const deploySa = cluster.object(
            k8s.core.v1.ServiceAccount,
            `${name}-jenkins-deploy`,
            {
                metadata: {
                    name: JENKINS.deployServiceAccount,
                    namespace: deployNs.metadata.name,
                    annotations: { "eks.amazonaws.com/role-arn": agentRole.arn },
                },
            },
            { parent: this },
        );
        // The deploy cloud's own API identity: it alone may start pods in jenkins-deploy; the controller's may not.
        const launcher = cluster.object(
            k8s.core.v1.ServiceAccount,
            `${name}-jenkins-deploy-launcher`,
            {
                metadata: { name: JENKINS.deployLauncherServiceAccount, namespace },
            },
            { parent: this },
        );
        const launcherToken = cluster.object(
            k8s.core.v1.Secret,
            `${name}-jenkins-deploy-launcher`,
            {
                metadata: {
                    name: JENKINS.deployLauncherSecret,
                    namespace,
                    annotations: { "kubernetes.io/service-account.name": JENKINS.deployLauncherServiceAccount },
                },
                type: "kubernetes.io/service-account-token",
            },
            { parent: this, dependsOn: [launcher] },
        );
        const launchRole = cluster.object(
            k8s.rbac.v1.Role,
            `${name}-jenkins-deploy-launcher`,
            {
                metadata: { name: "launch-agents", namespace: deployNs.metadata.name },
                // What the kubernetes plugin does with agent pods (its README, "RBAC").
                rules: [
                    { apiGroups: [""], resources: ["pods"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] },
                    { apiGroups: [""], resources: ["pods/exec"], verbs: ["create", "get"] },
                    { apiGroups: [""], resources: ["pods/log", "events"], verbs: ["get", "list", "watch"] },
                ],
            },
            { parent: this },
        );
        cluster.object(
            k8s.rbac.v1.RoleBinding,
            `${name}-jenkins-deploy-launcher`,
            {
                metadata: { name: "launch-agents", namespace: deployNs.metadata.name },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: launchRole.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: JENKINS.deployLauncherServiceAccount, namespace }],
            },
            { parent: this },
        );
        credentialSecrets.push({ name: JENKINS.deployLauncherSecret, keyName: "token" });
        systemCredentials.push({ id: JENKINS.deployLauncherSecret, secretVariable: `${JENKINS.deployLauncherSecret}-token` });

        const registryHosts = pulumi
            .output(args.repositoryUrl)
            .apply((url) => [url, ...(j.promotions ?? []).map((t) => t.repositoryUrl)].map((u) => u.split("/")[0]));
        const dockerConfig = cluster.object(
            k8s.core.v1.ConfigMap,
            `${name}-docker-config`,
            {
                metadata: { name: "docker-config", namespace: deployNs.metadata.name },
                data: { "config.json": registryHosts.apply((hosts) => ecrDockerConfig([...new Set(hosts)])) },
            },
            { parent: this },
        );
        secrets.push(launcherToken, buildNs, deploySa);

        const release = cluster.release(
            `${name}-jenkins`,
            JENKINS,
            {
                releaseName: JENKINS.releaseName,
                namespace,
                // First start downloads plugins; give it longer than Helm's default 5 minutes.
                timeout: 900,
                values: pulumi.all([deployRole.arn, args.repositoryUrl, args.storageClassName]).apply(([deployRoleArn, repositoryUrl, storageClass]) => {
                    const stages = promotionStages(j.promotions ?? [], JENKINS.deployJob, repositoryUrl);
                    return jenkinsValues({
                        url: `https://${j.host}`,
                        storageClass,
                        storageSize: j.storageSize,
                        jobScript: pipelineJobScript({
                            gitRepoUrl: j.gitRepoUrl,
                            gitBranch: j.gitBranch,
                            readCredential,
                            deployCredentials,
                            deployGitCredentialsId: j.gitToken ? "git-credentials" : undefined,
                            promotionJobs: stages.map((stage) => stage.JOB),
                        }),
                        envScript: pipelineEnvScript({
                            AWS_REGION: args.region,
                            ECR_REPOSITORY_URL: repositoryUrl,
                            DEPLOY_ROLE_ARN: deployRoleArn,
                            PULUMI_BACKEND_URL: args.stateBackendUrl,
                            PLATFORM_STACK: args.stack,
                            APP_STACK: args.app.stack,
                            APP_URL: j.appUrl,
                            DEPLOY_JOB: JENKINS.deployJob,
                            DEPLOY_BRANCH: j.gitBranch,
                            PULUMI_PASSPHRASE_CREDENTIAL: j.pulumiPassphrase ? "pulumi-passphrase" : undefined,
                            ...promotionEnv(stages),
                        }),
                        podTemplate: agentPodTemplate("build", "docker-config"),
                        deployPodTemplate: agentPodTemplate("deploy", "docker-config"),
                        credentialSecrets,
                        credentialsScript: credentialsScript(systemCredentials),
                        authorizationScript: authorizationScript(JENKINS.adminUser),
                    });
                }),
                // The chart creates Services, which the load balancer controller's webhook must admit.
            },
            { parent: this, needs: ["storage", "webhook", "pools"], dependsOn: [...secrets, dockerConfig] },
        );

        exposeService(
            `${name}-jenkins`,
            args.gateway,
            {
                namespace,
                serviceName: JENKINS.releaseName,
                servicePort: JENKINS.servicePort,
                host: j.host,
                healthcheckPath: "/login",
                backendProtocolVersion: "HTTP1",
                dependsOn: [release],
            },
            this,
        );
        return release;
    }
}
