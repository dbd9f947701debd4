import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CiCd } from "./components/cicd";
import { appPlatformParameterName } from "./components/cicd/app-deployer";
import { Backup } from "./components/backup";
import { Cluster } from "./components/cluster";
import { ContainerLogs } from "./components/logs";
import { Ingress, IngressGateway } from "./components/ingress";
import { Karpenter } from "./components/karpenter";
import { Network } from "./components/network";
import { trafficSourcesOf } from "./components/ingress/network-policies";
import { Observability } from "./components/observability";
import { Registry } from "./components/registry";
import { APP_PORT, appLabels } from "./components/webapp";
import { appMonitoring } from "./components/webapp/monitoring";
import { karpenterMonitoring } from "./components/karpenter/monitoring";
import { lbcMonitoring } from "./components/ingress/lbc";
import { loadConfig, loadSecrets } from "./config";

const config = loadConfig();
const secrets = loadSecrets(config);
const name = config.cluster.name;
// Where this stack hands the app stack its appPlatform (below); the app deployer may read that parameter alone.
const appPlatformParameter = appPlatformParameterName(pulumi.getProject(), pulumi.getStack());

// One AWS provider for the whole stack: region and tags are decided here, not in each component.
const awsProvider = new aws.Provider("aws", {
    ...config.awsProvider,
    region: config.region as aws.Region,
    defaultTags: { tags: { ...config.tags } },
});

const network = new Network(
    name,
    {
        vpcCidr: config.network.vpcCidr,
        azCount: config.network.azCount,
        natStrategy: config.network.natStrategy,
        clusterName: config.cluster.name,
    },
    { providers: [awsProvider] },
);

const cluster = new Cluster(
    name,
    {
        name: config.cluster.name,
        version: config.cluster.version,
        region: config.region,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        nodeGroup: config.cluster.nodeGroup,
        // The promoting pipeline (dev's Jenkins) reaches this API from its NAT addresses.
        publicAccessCidrs: [...config.cluster.publicAccessCidrs, ...config.cicd.pipelineEgressCidrs],
        adminPrincipalArns: config.cluster.adminPrincipalArns,
        logTypes: config.cluster.logTypes,
        logRetentionDays: config.cluster.logRetentionDays,
        retainData: config.profile.guardrails.retainData,
        volumeTags: { ...config.tags, ManagedBy: "aws-ebs-csi-driver" },
    },
    { providers: [awsProvider], dependsOn: [network] },
);

new Backup(
    name,
    {
        clusterName: config.cluster.name,
        region: config.region,
        retentionDays: config.backup.retentionDays,
        protect: config.profile.guardrails.deletionProtection,
    },
    { providers: [awsProvider] },
);

// Every host the stack serves; the certificate covers exactly these.
const HOSTS = { jenkins: "jenkins", grafana: "grafana", app: "app" } as const;
// The sample app's workload name and namespace; its own stack (appstack/) deploys it, and may change only this namespace.
const APP = { name: "app", namespace: "app", project: "eks-platform-app" } as const;
const appHost = `${HOSTS.app}.${config.dns.domain}`;

// VPC, region and cluster name reach the controller only as outputs of the components that own them.
const ingress = new Ingress(
    name,
    {
        clusterName: cluster.clusterName,
        region: config.region,
        vpcId: network.vpcId,
        oidc: cluster.oidc,
        cluster: cluster.handle,
        domain: config.dns.domain,
        hostedZoneId: config.dns.hostedZoneId,
        hosts: Object.values(HOSTS),
        groupName: name,
        publicHosts: [HOSTS.app],
        adminCidrs: [...config.ingress.adminCidrs],
        trafficSources: trafficSourcesOf(config.network.vpcCidr, config.network.azCount),
        resourceTags: { ...config.tags, ManagedBy: "aws-load-balancer-controller" },
    },
    { providers: [awsProvider] },
);

const containerLogs = new ContainerLogs(
    name,
    {
        clusterName: config.cluster.name,
        version: config.cluster.version,
        region: config.region,
        oidc: cluster.oidc,
        retentionDays: config.cluster.logRetentionDays,
        logsKeyArn: cluster.logsKey.arn,
        cluster: ingress.cluster,
    },
    { providers: [awsProvider] },
);

// The nodes for everything but the system pods: pools from config, launched and removed by Karpenter.
const karpenter = new Karpenter(
    name,
    {
        clusterName: config.cluster.name,
        region: config.region,
        oidc: cluster.oidc,
        cluster: ingress.cluster,
        pools: config.karpenter.pools,
        diskSizeGiB: config.cluster.nodeGroup.diskSizeGiB,
        tags: { ...config.tags, ManagedBy: "karpenter" },
    },
    { providers: [awsProvider] },
);

// The gateway whose cluster handle has the pools ready, for everything that runs on them.
const onPools: IngressGateway = { ...ingress, cluster: karpenter.cluster };

const registry = new Registry(
    name,
    {
        repositoryName: `${name}/app`,
        keepImages: config.registry.keepImages,
        // A repository that is not protected is disposable with its stack, images and all.
        forceDelete: !config.profile.guardrails.deletionProtection,
        protect: config.profile.guardrails.deletionProtection,
        // The pipeline that promotes to this stack copies its images in (and on to the next stage).
        promoters: [...config.cicd.trustedDeployerArns],
    },
    { providers: [awsProvider] },
);

const cicd = new CiCd(
    name,
    {
        stack: config.stack,
        region: config.region,
        clusterName: cluster.clusterName,
        oidc: cluster.oidc,
        repositoryArn: registry.repositoryArn,
        repositoryUrl: registry.repositoryUrl,
        stateBackendUrl: config.cicd.stateBackendUrl,
        app: {
            namespace: APP.namespace,
            podLabels: appLabels(APP.name),
            podPort: APP_PORT,
            formerOwner: APP.name,
            hostedZoneId: config.dns.hostedZoneId,
            recordNames: [appHost],
            project: APP.project,
            // The app stack of an environment has the platform stack's name.
            stack: pulumi.getStack(),
            platformParameterName: appPlatformParameter,
            secretsKeyArn: config.cicd.appSecretsKeyArn,
            stateKeyArn: config.cicd.stateKeyArn,
        },
        trustedDeployerArns: [...config.cicd.trustedDeployerArns],
        jenkins:
            config.cicd.jenkins && secrets.jenkins
                ? {
                      host: `${HOSTS.jenkins}.${config.dns.domain}`,
                      adminPassword: secrets.jenkins.adminPassword,
                      gitRepoUrl: config.cicd.jenkins.gitRepoUrl,
                      gitBranch: config.cicd.jenkins.gitBranch,
                      gitToken: secrets.jenkins.gitToken,
                      gitReadToken: secrets.jenkins.gitReadToken,
                      pulumiPassphrase: secrets.jenkins.pulumiPassphrase,
                      storageSize: config.cicd.jenkins.storageSize,
                      appUrl: `https://${appHost}`,
                      promotions: config.cicd.jenkins.promotions.map((p) => ({ ...p, approvers: [...p.approvers] })),
                  }
                : undefined,
        // Jenkins, its agents and the app's namespace run on Karpenter's pools: created after them, deleted before them.
        gateway: onPools,
        storageClassName: cluster.storageClassName,
    },
    { providers: [awsProvider] },
);

const observability = new Observability(
    name,
    {
        host: `${HOSTS.grafana}.${config.dns.domain}`,
        grafanaAdminPassword: secrets.grafanaAdminPassword,
        retention: config.observability.retention,
        prometheusStorage: config.observability.prometheusStorage,
        alertmanagerStorage: config.observability.alertmanagerStorage,
        grafanaStorage: config.observability.grafanaStorage,
        // Each deployed component's own monitoring; the app's, for the place this stack prepares for it.
        contributions: [
            appMonitoring(APP.name, APP.namespace, { errorRatio: config.observability.errorRatio, p99Seconds: config.observability.p99Seconds }),
            ...cicd.monitoring,
            karpenterMonitoring(),
            lbcMonitoring(),
        ],
        alerts: config.observability.alerts,
        alertSecrets: secrets.alertSecrets,
        pvcFreeRatio: 0.15,
        gateway: onPools,
        storageClassName: cluster.storageClassName,
    },
    { providers: [awsProvider] },
);

export const environment = config.environment;
export const region = config.region;
export const vpcId = network.vpcId;
export const publicSubnetIds = network.publicSubnetIds;
export const privateSubnetIds = network.privateSubnetIds;
export const clusterName = cluster.clusterName;
export const oidcProviderArn = cluster.oidcProviderArn;
export const certificateArn = ingress.certificateArn;
export const repositoryUrl = registry.repositoryUrl;
export const appUrl = `https://${appHost}`;
export const deployRoleArn = cicd.deployRoleArn;
export const jenkinsAgentRoleArn = cicd.agentRoleArn;
export const jenkinsUrl = cicd.jenkinsUrl;
export const grafanaUrl = observability.grafanaUrl;
export const containerLogGroups = containerLogs.logGroupNames;
export const karpenterInterruptionQueue = karpenter.queueName;
export const kubeconfig = pulumi.secret(cluster.kubeconfig);

// Everything the app stack reads (appstack/program.ts, through the SSM parameter below): nothing secret, nothing else.
const kubeCluster = pulumi
    .unsecret(cluster.kubeconfig)
    .apply((k) => (JSON.parse(k) as { clusters: { cluster: { server: string; "certificate-authority-data": string } }[] }).clusters[0].cluster);
export const appPlatform = pulumi.output({
    // The app stack refuses a platform of another environment than its own profile's.
    environment: config.environment,
    // Unused by this commit's app program (its own config applies the guardrail), but an older commit's still requires
    // it, and promotions and rollbacks deploy an approved older commit's own program onto this platform.
    guardrails: { minReplicas: config.profile.guardrails.minReplicas },
    region: config.region,
    tags: { ...config.tags },
    clusterName: cluster.clusterName,
    clusterEndpoint: kubeCluster.apply((c) => c.server),
    clusterCertificateAuthority: kubeCluster.apply((c) => c["certificate-authority-data"]),
    namespace: cicd.appNamespace,
    host: appHost,
    repositoryUrl: registry.repositoryUrl,
    gateway: {
        groupName: ingress.groupName,
        adminGroupName: ingress.adminGroupName,
        adminCidrs: ingress.adminCidrs,
        publicHostnames: ingress.publicHostnames,
        trafficSources: ingress.trafficSources,
        domain: ingress.domain,
        hostedZoneId: ingress.hostedZoneId,
        hostnames: ingress.hostnames,
        certificateArn: ingress.certificateArn,
        sslPolicy: ingress.sslPolicy,
    },
});

// The handoff to the app stack. Not a StackReference: with this DIY backend, reading another stack's outputs builds
// that stack's secrets manager, which decrypts this stack's data key with the platform's KMS key, a key the app
// deployer must not hold. A plain String parameter needs no key to read, and IAM can grant exactly this one.
// The stack output stays for people and scripts.
export const appPlatformParameterArn = new aws.ssm.Parameter(
    `${name}-app-platform`,
    {
        name: appPlatformParameter,
        description: `The platform's appPlatform output for the app stack of ${pulumi.getProject()}/${pulumi.getStack()}`,
        type: "String",
        // Standard: free, and 4 KB is far more than this object needs; the model refuses a larger value as AWS would.
        tier: "Standard",
        // insecureValue, not value: the provider makes `value` a secret in this stack's state whatever it holds, and
        // nothing here is secret (a test checks that the app reads exactly the appPlatform output).
        insecureValue: appPlatform.apply((p) => JSON.stringify(p)),
    },
    { provider: awsProvider },
).arn;
