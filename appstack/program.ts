/**
 * The app layer: the sample app's workload on the place its platform stack prepared. Everything about the
 * cluster, the namespace, DNS, the ALB and the registry is read from the platform stack's `appPlatform`, which the
 * platform writes to an SSM parameter; this stack's own config holds only the app's settings, its region and the image tag.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appPlatformParameterName } from "../components/cicd/app-deployer";
import { IngressGateway } from "../components/ingress";
import { ClusterHandle } from "../components/shared/cluster-handle";
import { WebApp } from "../components/webapp";
import { AppConfig, loadAppConfig } from "../config/app";

/** The platform's `appPlatform` output, as index.ts exports it and writes it to its SSM parameter. */
export interface AppPlatform {
    /** The platform's profile: the app stack's must be the same (its guardrails and defaults are the environment's). */
    environment: string;
    region: string;
    tags: Record<string, string>;
    clusterName: string;
    clusterEndpoint: string;
    clusterCertificateAuthority: string;
    namespace: string;
    host: string;
    repositoryUrl: string;
    /** The shared ALBs as the platform's Ingress component describes them (components/ingress/index.ts IngressGateway). */
    gateway: Omit<IngressGateway, "certificateArn" | "controller" | "provider"> & { certificateArn: string };
}

/** The output name the platform exports for the app, and the workload's name. */
export const APP_PLATFORM_OUTPUT = "appPlatform";
export const APP_NAME = "app";

/** Problems with what the platform stack handed over, or with this config against it. */
export function appPlatformProblems(p: Partial<AppPlatform> | undefined, config: AppConfig): string[] {
    if (!p || typeof p !== "object") return [`the platform stack handed over no ${APP_PLATFORM_OUTPUT}: run pulumi up of the platform first`];
    const required = ["environment", "region", "clusterName", "clusterEndpoint", "clusterCertificateAuthority", "namespace", "host", "repositoryUrl"] as const;
    const problems = required.filter((k) => typeof p[k] !== "string" || !p[k]).map((k) => `${APP_PLATFORM_OUTPUT}.${k} is missing`);
    const g = p.gateway;
    if (!g || !g.groupName || !g.domain || !g.hostedZoneId || !g.certificateArn || !Array.isArray(g.hostnames))
        problems.push(`${APP_PLATFORM_OUTPUT}.gateway is incomplete`);
    if (config.region && p.region && config.region !== p.region) problems.push(`aws:region ${config.region} is not the platform's region ${p.region}`);
    if (typeof p.environment === "string" && p.environment !== config.profile.name) {
        problems.push(
            `the platform is a ${p.environment} environment and this app stack's profile is ${config.profile.name}: ` +
                `an app stack runs on a platform of its own environment (set platform:environment in the app stack file, or app:platformStack)`,
        );
    }
    return problems;
}

/** A kubeconfig for the cluster that authenticates as whoever runs the program (aws eks get-token). */
export function appKubeconfig(p: Pick<AppPlatform, "clusterName" | "clusterEndpoint" | "clusterCertificateAuthority" | "region">): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: p.clusterName, cluster: { server: p.clusterEndpoint, "certificate-authority-data": p.clusterCertificateAuthority } }],
        contexts: [{ name: p.clusterName, context: { cluster: p.clusterName, user: p.clusterName } }],
        "current-context": p.clusterName,
        users: [
            {
                name: p.clusterName,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", p.clusterName, "--region", p.region],
                    },
                },
            },
        ],
    });
}

/** The SSM parameter of the platform stack app:platformStack names (org/project/stack). */
export function platformParameterOf(platformStack: string): string {
    const [, project, stack] = platformStack.split("/");
    return appPlatformParameterName(project, stack);
}

/** The parameter's value as the platform wrote it (JSON of its appPlatform output), or undefined if it is not that. */
export function parseAppPlatform(value: string): AppPlatform | undefined {
    try {
        const parsed = JSON.parse(value) as unknown;
        return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as AppPlatform) : undefined;
    } catch {
        return undefined;
    }
}

export async function appProgram(): Promise<Record<string, unknown>> {
    const config = loadAppConfig();
    // The platform's appPlatform comes through an SSM parameter the platform writes (index.ts), not a StackReference:
    // reading another DIY-backend stack decrypts that stack's data key with the platform's KMS key, which the app
    // deployer must not hold. The read goes through a provider of this stack's own region: the parameter has to be
    // read before the platform's region and tags are known, and it lives in the platform's region, which
    // appPlatformProblems then checks is this one.
    const parameterName = platformParameterOf(config.platformStack);
    const handoffProvider = new aws.Provider("platform-handoff", { region: config.region as aws.Region });
    const parameter = await aws.ssm.getParameter({ name: parameterName }, { provider: handoffProvider });
    // insecureValue: the data source marks `value` sensitive whatever the type; a String parameter's is in both.
    const platform = parseAppPlatform(parameter.insecureValue);
    if (!platform)
        throw new Error(
            `app stack ${pulumi.getStack()} cannot run on ${config.platformStack}: SSM parameter ${parameterName} does not hold the platform's ${APP_PLATFORM_OUTPUT} as JSON`,
        );
    const problems = appPlatformProblems(platform, config);
    if (problems.length)
        throw new Error(`app stack ${pulumi.getStack()} cannot run on ${config.platformStack}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);

    const awsProvider = new aws.Provider("aws", {
        region: platform.region as aws.Region,
        defaultTags: { tags: { ...platform.tags, Stack: `${pulumi.getProject()}/${pulumi.getStack()}` } },
    });
    // eslint-disable-next-line no-restricted-syntax -- a Provider is no Kubernetes object: this one reaches the platform's cluster, and ClusterHandle.external wraps it.
    const k8sProvider = new k8s.Provider("k8s", {
        kubeconfig: appKubeconfig(platform),
        // As the platform's provider: server-side apply, so the deployer's Role needs patch, never update.
        enableServerSideApply: true,
    });
    const gateway: IngressGateway = {
        ...platform.gateway,
        certificateArn: pulumi.output(platform.gateway.certificateArn),
        // The load balancer controller is the platform's; there is nothing in this stack to wait for.
        cluster: ClusterHandle.external(k8sProvider),
    };
    const app = new WebApp(
        APP_NAME,
        {
            namespace: platform.namespace,
            repositoryUrl: platform.repositoryUrl,
            imageTag: config.imageTag,
            host: platform.host,
            minReplicas: config.minReplicas,
            maxReplicas: config.maxReplicas,
            logLevel: config.logLevel,
            gateway,
        },
        { providers: [awsProvider, k8sProvider] },
    );
    return { appUrl: app.url, imageTag: config.imageTag, platformStack: config.platformStack };
}
