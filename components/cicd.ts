import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { partitionOf } from "./cluster";
import { pinnedRelease } from "./helm";
import { exposeService, IngressGateway } from "./ingress";
import { irsaRole, OidcIdentity } from "./irsa";
import {
    adminSecretData, agentPodTemplate, agentPolicy, credentialsScript, deployPolicy, deployTrustPolicy, ecrDockerConfig, JENKINS,
    JenkinsCredential, jenkinsValues, pipelineEnvScript, pipelineJobScript,
} from "./jenkins";
import { READINESS_GATE_LABELS } from "./lbc";
import { createNetworkPolicies, defaultDenyWithAllowances, JENKINS_AGENT_PORT, JENKINS_CONTROLLER_PODS, jenkinsAllowances } from "./network-policies";

/** Another stack the pipeline promotes the same image to (dev -> prod). */
export interface PromotionTarget {
    stack: string;
    deployRoleArn: string;
    repositoryUrl: string;
    appUrl: string;
}

export interface JenkinsSettings {
    host: string;
    adminPassword: pulumi.Input<string>;
    gitRepoUrl: string;
    gitBranch: string;
    /** Token for a private repository (username/password credential `git-credentials`). */
    gitToken?: pulumi.Input<string>;
    /** Passphrase of the stacks' secrets provider, if they use one (credential `pulumi-passphrase`). */
    pulumiPassphrase?: pulumi.Input<string>;
    storageSize: string;
    appUrl: string;
    promoteTo?: PromotionTarget;
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
    /** The namespace deploys may change; everything else is read-only to the deploy role. */
    appNamespace: string;
    /** Roles from elsewhere (e.g. the dev stack's Jenkins agents) that may assume this stack's deploy role. */
    trustedDeployerArns: string[];
    /** Jenkins itself; absent in stacks that are only deployed to (prod is promoted to from dev's Jenkins). */
    jenkins?: JenkinsSettings;
    gateway: IngressGateway;
    storageClassName: pulumi.Input<string>;
    /** The EBS CSI driver and default StorageClass: jenkins_home needs them. */
    storageReady: pulumi.Resource[];
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

    constructor(name: string, args: CiCdArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cicd:CiCd", name, {}, opts);
        const partition = partitionOf(args.region);
        const j = args.jenkins;

        // Fixed role names: other stacks name them in their trust policies before this stack's outputs exist.
        const agentRole = j ? irsaRole(`${name}-jenkins-agent`, args.oidc, JENKINS.namespace, JENKINS.agentServiceAccount, this, `${name}-jenkins-agent`) : undefined;
        const trustees: pulumi.Input<string>[] = [...(agentRole ? [agentRole.arn] : []), ...args.trustedDeployerArns];
        if (trustees.length === 0) {
            throw new Error("CiCd: nobody could assume the deploy role: enable Jenkins in this stack or list trustedDeployerArns");
        }

        const deployRole = new aws.iam.Role(`${name}-deploy`, {
            name: `${name}-deploy`,
            description: `Runs pulumi up for ${args.stack} from the pipeline`,
            assumeRolePolicy: pulumi.output(trustees).apply((arns) => JSON.stringify(deployTrustPolicy(arns))),
            maxSessionDuration: 3600,
        }, { parent: this });
        new aws.iam.RolePolicy(`${name}-deploy`, {
            role: deployRole.name,
            policy: pulumi.output(args.repositoryArn).apply((repo) => JSON.stringify(deployPolicy(repo, args.stateBackendUrl, partition))),
        }, { parent: this });
        const accessEntry = new aws.eks.AccessEntry(`${name}-deploy`, {
            clusterName: args.clusterName,
            principalArn: deployRole.arn,
            type: "STANDARD",
        }, { parent: this });
        const eksPolicy = (p: string) => `arn:${partition}:eks::aws:cluster-access-policy/${p}`;
        new aws.eks.AccessPolicyAssociation(`${name}-deploy-view`, {
            clusterName: args.clusterName,
            principalArn: accessEntry.principalArn,
            policyArn: eksPolicy("AmazonEKSAdminViewPolicy"),
            accessScope: { type: "cluster" },
        }, { parent: this });
        new aws.eks.AccessPolicyAssociation(`${name}-deploy-edit`, {
            clusterName: args.clusterName,
            principalArn: accessEntry.principalArn,
            policyArn: eksPolicy("AmazonEKSEditPolicy"),
            accessScope: { type: "namespace", namespaces: [args.appNamespace] },
        }, { parent: this });
        this.deployRoleArn = deployRole.arn;

        if (j && agentRole) {
            const assumable = [deployRole.arn, ...(j.promoteTo ? [j.promoteTo.deployRoleArn] : [])];
            new aws.iam.RolePolicy(`${name}-jenkins-agent`, {
                role: agentRole.name,
                policy: pulumi.all([args.repositoryArn, ...assumable]).apply(([repo, ...roles]) => JSON.stringify(agentPolicy(repo, roles))),
            }, { parent: this });
            this.agentRoleArn = agentRole.arn;
            this.release = this.jenkins(name, args, j, agentRole, deployRole);
            this.jenkinsUrl = `https://${j.host}`;
        }

        this.registerOutputs({ deployRoleArn: this.deployRoleArn, agentRoleArn: this.agentRoleArn, jenkinsUrl: this.jenkinsUrl });
    }

    private jenkins(name: string, args: CiCdArgs, j: JenkinsSettings, agentRole: aws.iam.Role, deployRole: aws.iam.Role): k8s.helm.v3.Release {
        const k8sOpts = { parent: this, provider: args.gateway.provider };
        // The controller is an ALB target: its pods must wait for target registration before the old one goes.
        // Depends on the CSI driver so that destroy deletes the namespace, and with it jenkins_home's claim and volume,
        // while the driver still runs to delete the volume.
        const ns = new k8s.core.v1.Namespace(`${name}-jenkins`, { metadata: { name: JENKINS.namespace, labels: { ...READINESS_GATE_LABELS } } },
            { ...k8sOpts, dependsOn: args.storageReady });
        const namespace = ns.metadata.name;
        createNetworkPolicies(`${name}-jenkins`, defaultDenyWithAllowances(JENKINS.namespace, jenkinsAllowances(args.gateway.trafficSources, JENKINS_CONTROLLER_PODS, JENKINS.servicePort, JENKINS_AGENT_PORT)), { ...k8sOpts, dependsOn: [ns] });

        // Credentials live in Secrets the chart mounts; Helm values (kept in the release) never hold them.
        const adminSecret = new k8s.core.v1.Secret(`${name}-jenkins-admin`, {
            metadata: { name: JENKINS.adminSecret, namespace },
            stringData: adminSecretData(j.adminPassword),
        }, k8sOpts);
        const credentialSecrets: { name: string; keyName: string }[] = [];
        const credentials: JenkinsCredential[] = [];
        const secrets: pulumi.Resource[] = [adminSecret];
        if (j.gitToken) {
            secrets.push(new k8s.core.v1.Secret(`${name}-git`, { metadata: { name: "git", namespace }, stringData: { token: j.gitToken } }, k8sOpts));
            credentialSecrets.push({ name: "git", keyName: "token" });
            credentials.push({ kind: "usernamePassword", id: "git-credentials", username: "git", secretVariable: "git-token" });
        }
        if (j.pulumiPassphrase) {
            secrets.push(new k8s.core.v1.Secret(`${name}-pulumi`, { metadata: { name: "pulumi", namespace }, stringData: { passphrase: j.pulumiPassphrase } }, k8sOpts));
            credentialSecrets.push({ name: "pulumi", keyName: "passphrase" });
            credentials.push({ kind: "string", id: "pulumi-passphrase", secretVariable: "pulumi-passphrase" });
        }

        const registryHosts = pulumi.output(args.repositoryUrl).apply((url) => [url, ...(j.promoteTo ? [j.promoteTo.repositoryUrl] : [])].map((u) => u.split("/")[0]));
        const dockerConfig = new k8s.core.v1.ConfigMap(`${name}-docker-config`, {
            metadata: { name: "docker-config", namespace },
            data: { "config.json": registryHosts.apply((hosts) => ecrDockerConfig([...new Set(hosts)])) },
        }, k8sOpts);

        const release = pinnedRelease(`${name}-jenkins`, JENKINS, {
            releaseName: JENKINS.releaseName,
            namespace,
            // First start downloads plugins; give it longer than Helm's default 5 minutes.
            timeout: 900,
            values: pulumi.all([agentRole.arn, deployRole.arn, args.repositoryUrl, args.storageClassName]).apply(([agentRoleArn, deployRoleArn, repositoryUrl, storageClass]) =>
                jenkinsValues({
                    url: `https://${j.host}`,
                    storageClass,
                    storageSize: j.storageSize,
                    agentRoleArn,
                    jobScript: pipelineJobScript({ gitRepoUrl: j.gitRepoUrl, gitBranch: j.gitBranch, gitCredentialsId: j.gitToken ? "git-credentials" : undefined }),
                    envScript: pipelineEnvScript({
                        AWS_REGION: args.region,
                        ECR_REPOSITORY_URL: repositoryUrl,
                        DEPLOY_ROLE_ARN: deployRoleArn,
                        PULUMI_BACKEND_URL: args.stateBackendUrl,
                        PLATFORM_STACK: args.stack,
                        APP_URL: j.appUrl,
                        PROMOTE_STACK: j.promoteTo?.stack,
                        PROMOTE_DEPLOY_ROLE_ARN: j.promoteTo?.deployRoleArn,
                        PROMOTE_REPOSITORY_URL: j.promoteTo?.repositoryUrl,
                        PROMOTE_APP_URL: j.promoteTo?.appUrl,
                        PULUMI_PASSPHRASE_CREDENTIAL: j.pulumiPassphrase ? "pulumi-passphrase" : undefined,
                    }),
                    podTemplate: agentPodTemplate("docker-config"),
                    credentialSecrets,
                    credentialsScript: credentialsScript(credentials),
                })),
        // The chart creates Services, which the load balancer controller's webhook must admit.
        }, { ...k8sOpts, dependsOn: [...secrets, dockerConfig, ...args.storageReady, args.gateway.controller] });

        exposeService(`${name}-jenkins`, args.gateway, {
            namespace,
            serviceName: JENKINS.releaseName,
            servicePort: JENKINS.servicePort,
            host: j.host,
            healthcheckPath: "/login",
            backendProtocolVersion: "HTTP1",
            dependsOn: [release],
        }, this);
        return release;
    }
}
