import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CiCd } from "./components/cicd";
import { Cluster } from "./components/cluster";
import { Ingress } from "./components/ingress";
import { JENKINS_SCRAPE_TARGET } from "./components/jenkins";
import { Network } from "./components/network";
import { trafficSourcesOf } from "./components/network-policies";
import { Observability } from "./components/observability";
import { Registry } from "./components/registry";
import { appScrapeTarget, WebApp } from "./components/webapp";
import { loadConfig, loadSecrets } from "./config";

const config = loadConfig();
const secrets = loadSecrets(config);
const name = config.cluster.name;

// One AWS provider for the whole stack: region and tags are decided here, not in each component.
const awsProvider = new aws.Provider("aws", {
    ...config.awsProvider,
    region: config.region as aws.Region,
    defaultTags: { tags: { ...config.tags } },
});

const network = new Network(name, {
    vpcCidr: config.network.vpcCidr,
    azCount: config.network.azCount,
    natStrategy: config.network.natStrategy,
    clusterName: config.cluster.name,
}, { providers: [awsProvider] });

const cluster = new Cluster(name, {
    name: config.cluster.name,
    version: config.cluster.version,
    region: config.region,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    nodeGroup: config.cluster.nodeGroup,
    publicAccessCidrs: config.cluster.publicAccessCidrs,
    adminPrincipalArns: config.cluster.adminPrincipalArns,
    logTypes: config.cluster.logTypes,
    retainData: config.environment === "prod",
    volumeTags: { ...config.tags, ManagedBy: "aws-ebs-csi-driver" },
}, { providers: [awsProvider], dependsOn: [network] });

// Every host the stack serves; the certificate covers exactly these.
const HOSTS = { jenkins: "jenkins", grafana: "grafana", app: "app" } as const;
// The sample app's workload name and namespace; deploys may change only this namespace.
const APP = { name: "app", namespace: "app" } as const;

// VPC, region and cluster name reach the controller only as outputs of the components that own them.
const ingress = new Ingress(name, {
    clusterName: cluster.clusterName,
    region: config.region,
    vpcId: network.vpcId,
    oidc: cluster.oidc,
    provider: cluster.provider,
    clusterReady: cluster.workloadsReady,
    domain: config.dns.domain,
    hostedZoneId: config.dns.hostedZoneId,
    hosts: Object.values(HOSTS),
    groupName: name,
    publicHosts: [HOSTS.app],
    adminCidrs: [...config.ingress.adminCidrs],
    trafficSources: trafficSourcesOf(config.network.vpcCidr, config.network.azCount),
    resourceTags: { ...config.tags, ManagedBy: "aws-load-balancer-controller" },
}, { providers: [awsProvider] });

const registry = new Registry(name, {
    repositoryName: `${name}/app`,
    keepImages: config.app.keepImages,
    forceDelete: config.environment === "dev",
    protect: config.environment === "prod",
}, { providers: [awsProvider] });

// The pipeline sets app:imageTag per build; until its first build there is no image to run.
const app = config.app.imageTag === undefined ? undefined : new WebApp(APP.name, {
    namespace: APP.namespace,
    repositoryUrl: registry.repositoryUrl,
    imageTag: config.app.imageTag,
    host: `${HOSTS.app}.${config.dns.domain}`,
    minReplicas: config.app.minReplicas,
    maxReplicas: config.app.maxReplicas,
    logLevel: config.app.logLevel,
    gateway: ingress,
    clusterReady: cluster.workloadsReady,
}, { providers: [awsProvider] });
const cicd = new CiCd(name, {
    stack: config.stack,
    region: config.region,
    clusterName: cluster.clusterName,
    oidc: cluster.oidc,
    repositoryArn: registry.repositoryArn,
    repositoryUrl: registry.repositoryUrl,
    stateBackendUrl: config.cicd.stateBackendUrl,
    appNamespace: APP.namespace,
    trustedDeployerArns: [...config.cicd.trustedDeployerArns],
    jenkins: config.cicd.jenkins ? {
        host: `${HOSTS.jenkins}.${config.dns.domain}`,
        adminPassword: secrets.jenkinsAdminPassword!,
        gitRepoUrl: config.cicd.gitRepoUrl!,
        gitBranch: config.cicd.gitBranch,
        gitToken: secrets.gitToken,
        pulumiPassphrase: secrets.pulumiPassphrase,
        storageSize: config.cicd.storageSize,
        appUrl: `https://${HOSTS.app}.${config.dns.domain}`,
        promoteTo: config.cicd.promoteTo,
    } : undefined,
    gateway: ingress,
    storageClassName: cluster.storageClassName,
    storageReady: cluster.storageReady,
}, { providers: [awsProvider] });

const observability = new Observability(name, {
    host: `${HOSTS.grafana}.${config.dns.domain}`,
    grafanaAdminPassword: secrets.grafanaAdminPassword,
    retention: config.observability.retention,
    prometheusStorage: config.observability.prometheusStorage,
    alertmanagerStorage: config.observability.alertmanagerStorage,
    grafanaStorage: config.observability.grafanaStorage,
    appNamespace: APP.namespace,
    scrapeTargets: [appScrapeTarget(APP.name, APP.namespace), ...(config.cicd.jenkins ? [JENKINS_SCRAPE_TARGET] : [])],
    thresholds: { errorRatio: config.observability.errorRatio, p99Seconds: config.observability.p99Seconds, jenkinsQueue: 5, pvcFreeRatio: 0.15 },
    gateway: ingress,
    storageClassName: cluster.storageClassName,
    storageReady: cluster.storageReady,
}, { providers: [awsProvider] });

if (!app) pulumi.log.info("app:imageTag is not set: the app is not deployed yet (the pipeline sets it on its first build)");

export const environment = config.environment;
export const region = config.region;
export const vpcId = network.vpcId;
export const publicSubnetIds = network.publicSubnetIds;
export const privateSubnetIds = network.privateSubnetIds;
export const clusterName = cluster.clusterName;
export const oidcProviderArn = cluster.oidcProviderArn;
export const certificateArn = ingress.certificateArn;
export const repositoryUrl = registry.repositoryUrl;
export const appUrl = app?.url;
export const deployRoleArn = cicd.deployRoleArn;
export const jenkinsAgentRoleArn = cicd.agentRoleArn;
export const jenkinsUrl = cicd.jenkinsUrl;
export const grafanaUrl = observability.grafanaUrl;
export const kubeconfig = pulumi.secret(cluster.kubeconfig);
