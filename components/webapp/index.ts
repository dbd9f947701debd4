import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { exposeService, IngressGateway } from "../ingress";
import { poolPlacement } from "../karpenter";
import { READINESS_GATE_LABELS } from "../ingress/lbc";
import { ScrapeTarget } from "../observability/monitoring";

export interface WebAppArgs {
    /** The namespace the platform prepared (appNamespace); the app never creates or deletes it. */
    namespace: string;
    /** Image repository URL without tag (the Registry's output). */
    repositoryUrl: pulumi.Input<string>;
    imageTag: string;
    host: string;
    minReplicas: number;
    maxReplicas: number;
    logLevel: string;
    gateway: IngressGateway;
}

export const APP_PORT = 8080;
/** The ALB needs a few seconds to stop routing to a deregistered pod; the pod keeps serving meanwhile. */
export const PRESTOP_SECONDS = 15;
/** The app's own bound on finishing in-flight requests after SIGTERM. */
export const APP_SHUTDOWN_GRACE_MS = 20000;

/** The pod's security context: non-root (distroless' UID), no privilege escalation, read-only root, no capabilities. */
export function restrictedContainerSecurity(): k8s.types.input.core.v1.SecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Spread across zones first (an AZ outage), then nodes. */
export function zoneSpread(labels: Record<string, string>, strictZones: boolean): k8s.types.input.core.v1.TopologySpreadConstraint[] {
    return [
        {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: strictZones ? "DoNotSchedule" : "ScheduleAnyway",
            labelSelector: { matchLabels: labels },
        },
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } },
    ];
}

export function appLabels(name: string): Record<string, string> {
    return { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "platform" };
}

/**
 * Labels of the namespace the platform prepares for the app: Pod Security restricted, and readiness gates. With
 * maxUnavailable 0 an old pod goes once a new one is Ready, which must include the ALB having registered it
 * (target-type ip), or requests reach a target not yet in service.
 */
export function appNamespaceLabels(): Record<string, string> {
    return { "pod-security.kubernetes.io/enforce": "restricted", ...READINESS_GATE_LABELS };
}

/** Where Prometheus finds the app's /metrics: its Service's `http` port. */
export function appScrapeTarget(name: string, namespace: string): ScrapeTarget {
    return { name, namespace, matchLabels: appLabels(name), port: "http", path: "/metrics", interval: "30s" };
}

/**
 * The sample web service: Deployment, Service, HPA, PDB and an Ingress on the shared ALB at `host`, in a namespace
 * that already exists.
 * The Service waits for the load balancer controller, whose admission webhook must answer for every new Service.
 */
export class WebApp extends pulumi.ComponentResource {
    readonly url: string;
    readonly serviceName: pulumi.Output<string>;
    readonly namespace: pulumi.Output<string>;
    readonly ingress: k8s.networking.v1.Ingress;

    constructor(name: string, args: WebAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:app:WebApp", name, {}, opts);
        const cluster = args.gateway.cluster;
        const labels = appLabels(name);

        // The namespace is the platform's: creating a cluster-scoped object is beyond the app's deployer.
        const namespace = args.namespace;
        const sa = cluster.object(
            k8s.core.v1.ServiceAccount,
            `${name}-sa`,
            {
                metadata: { name, namespace },
                automountServiceAccountToken: false,
            },
            { parent: this },
        );

        const deployment = cluster.object(
            k8s.apps.v1.Deployment,
            `${name}-deploy`,
            {
                metadata: { name, namespace, labels },
                spec: {
                    // No replicas: the HPA owns the count, and a deploy must not reset it.
                    selector: { matchLabels: labels },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
                    template: {
                        metadata: { labels: { ...labels, "app.kubernetes.io/version": args.imageTag } },
                        spec: {
                            serviceAccountName: sa.metadata.name,
                            automountServiceAccountToken: false,
                            securityContext: { runAsNonRoot: true, fsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
                            terminationGracePeriodSeconds: PRESTOP_SECONDS + APP_SHUTDOWN_GRACE_MS / 1000 + 10,
                            topologySpreadConstraints: zoneSpread(labels, args.minReplicas >= 3),
                            // The general pool's nodes: Karpenter adds them as the HPA scales out; the system group stays small.
                            ...poolPlacement("general"),
                            containers: [
                                {
                                    name: "app",
                                    image: pulumi.interpolate`${args.repositoryUrl}:${args.imageTag}`,
                                    ports: [{ name: "http", containerPort: APP_PORT }],
                                    env: [
                                        { name: "PORT", value: String(APP_PORT) },
                                        { name: "LOG_LEVEL", value: args.logLevel },
                                        { name: "APP_VERSION", value: args.imageTag },
                                        { name: "SHUTDOWN_DRAIN_MS", value: "2000" },
                                        { name: "SHUTDOWN_GRACE_MS", value: String(APP_SHUTDOWN_GRACE_MS) },
                                    ],
                                    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                                    startupProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 2, failureThreshold: 30 },
                                    livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
                                    readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 },
                                    // Kubernetes' own sleep action: the distroless image has no shell to run `sleep`.
                                    lifecycle: { preStop: { sleep: { seconds: PRESTOP_SECONDS } } },
                                    securityContext: restrictedContainerSecurity(),
                                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                },
                            ],
                            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
                        },
                    },
                },
            },
            { parent: this },
        );

        const service = cluster.object(
            k8s.core.v1.Service,
            `${name}-svc`,
            {
                metadata: { name, namespace, labels },
                spec: { type: "ClusterIP", selector: labels, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
            },
            { parent: this },
        );

        cluster.object(
            k8s.autoscaling.v2.HorizontalPodAutoscaler,
            `${name}-hpa`,
            {
                metadata: { name, namespace },
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
                    minReplicas: args.minReplicas,
                    maxReplicas: args.maxReplicas,
                    metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
                },
            },
            { parent: this },
        );

        cluster.object(
            k8s.policy.v1.PodDisruptionBudget,
            `${name}-pdb`,
            {
                metadata: { name, namespace },
                spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
            },
            { parent: this },
        );

        const exposed = exposeService(
            `${name}-ingress`,
            args.gateway,
            {
                namespace,
                serviceName: service.metadata.name,
                servicePort: 80,
                host: args.host,
                // Readiness, not liveness: a draining pod must fail the ALB's check too.
                healthcheckPath: "/readyz",
                // The app speaks HTTP/1.1 and h2c; HTTP1 keeps the ALB's behaviour the well-trodden one.
                backendProtocolVersion: "HTTP1",
                dependsOn: [service],
            },
            this,
        );

        this.url = exposed.url;
        this.ingress = exposed.ingress;
        this.serviceName = service.metadata.name;
        this.namespace = pulumi.output(namespace);
        this.registerOutputs({ url: this.url, serviceName: this.serviceName, namespace: this.namespace });
    }
}
