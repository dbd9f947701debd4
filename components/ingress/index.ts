import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { irsaRole, OidcIdentity } from "../shared/irsa";
import { LBC, lbcPolicy, lbcValues } from "./lbc";
import { partitionOf } from "../shared/partition";
import { ClusterHandle } from "../shared/cluster-handle";
import { TrafficSources } from "./network-policies";
import { MIN_ADMIN_PREFIX } from "../../config";
import { parseCidr } from "../../config/checks";

/** TLS 1.3 with TLS 1.2 fallback; no TLS 1.0/1.1, no CBC-only suites. */
export const SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
export const BACKEND_PROTOCOL_VERSIONS = ["HTTP1", "HTTP2", "GRPC"] as const;
export type BackendProtocolVersion = (typeof BACKEND_PROTOCOL_VERSIONS)[number];

export interface IngressArgs {
    clusterName: pulumi.Input<string>;
    region: string;
    vpcId: pulumi.Input<string>;
    oidc: OidcIdentity;
    /** The Cluster's handle; the controller goes in after nodes, DNS, metrics-server and storage. */
    cluster: ClusterHandle;
    domain: string;
    hostedZoneId: string;
    /** Host labels under `domain` the certificate covers, e.g. ["jenkins", "grafana", "app"]. */
    hosts: string[];
    /** The IngressGroup (one ALB) of the public hosts; the admin hosts get `<groupName>-admin`. */
    groupName: string;
    /** Host labels anyone may reach (e.g. ["app"]); every other host is an admin host. */
    publicHosts: string[];
    /** Source CIDRs the admin ALB admits; never 0.0.0.0/0. */
    adminCidrs: string[];
    /** Source addresses of the ALBs' and the control plane's traffic to pods, for NetworkPolicies. */
    trafficSources: TrafficSources;
    /** Tags the controller puts on what it creates, so a load balancer left after a destroy is found and costed. */
    resourceTags: Record<string, string>;
    tags?: Record<string, string>;
}

/** What a component needs to put a Service behind one of the HTTPS ALBs (public, or admin-only). */
export interface IngressGateway {
    readonly groupName: string;
    /** The second IngressGroup, whose ALB admits only `adminCidrs`. */
    readonly adminGroupName: string;
    readonly adminCidrs: readonly string[];
    /** Full host names on the public ALB; every other host the certificate covers is on the admin ALB. */
    readonly publicHostnames: readonly string[];
    /** Source addresses of the ALBs' traffic to their `ip` targets (and of the control plane's), for NetworkPolicies. */
    readonly trafficSources: TrafficSources;
    readonly domain: string;
    readonly hostedZoneId: string;
    /** Hosts the certificate covers. */
    readonly hostnames: readonly string[];
    /** ARN of the certificate once DNS validation has passed. */
    readonly certificateArn: pulumi.Output<string>;
    readonly sslPolicy: string;
    /** The cluster with the controller's webhook ready: every Service and Ingress waits for it, so destroy removes Ingresses (and the ALB) first. */
    readonly cluster: ClusterHandle;
}

export const ADMIN_SUFFIX = "-admin";

export function adminGroupOf(groupName: string): string {
    return `${groupName}${ADMIN_SUFFIX}`;
}

export function hostnamesFor(domain: string, hosts: readonly string[]): string[] {
    return hosts.map((h) => `${h}.${domain}`);
}

function checkIngressArgs(args: IngressArgs): void {
    const problems: string[] = [];
    if (!args.domain) problems.push("domain is missing");
    if (!args.hostedZoneId) problems.push("hostedZoneId is missing: the Route53 zone that validates the certificate and holds the records");
    if (args.hosts.length === 0) problems.push("hosts is empty: name at least one host to serve");
    for (const h of args.hosts) {
        if (!/^(?!-)[a-z0-9-]{1,63}(?<!-)$/.test(h)) problems.push(`host label "${h}" is not one DNS label (give "jenkins", not "jenkins.${args.domain}")`);
    }
    // The admin group's name must be valid too (docs/guide/ingress/annotations.md: group.name, at most 63 characters).
    if (!/^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/.test(adminGroupOf(args.groupName)))
        problems.push(`groupName "${args.groupName}" is not a valid IngressGroup name (with "${ADMIN_SUFFIX}" appended)`);
    for (const h of args.publicHosts) if (!args.hosts.includes(h)) problems.push(`public host "${h}" is not one of the hosts (${args.hosts.join(", ")})`);
    if (args.adminCidrs.length === 0) problems.push("adminCidrs is empty: name the networks that may reach the admin hosts");
    for (const c of args.adminCidrs) {
        const parsed = parseCidr(c);
        if (!parsed) problems.push(`admin CIDR "${c}" is not an IPv4 CIDR`);
        else if (parsed.prefix < MIN_ADMIN_PREFIX)
            problems.push(`admin CIDR "${c}" is broader than /${MIN_ADMIN_PREFIX}: it would open the admin hosts to much of the internet`);
    }
    if (args.trafficSources.alb.length === 0) problems.push("trafficSources.alb is empty: the NetworkPolicies need the ALBs' source addresses");
    if (problems.length) throw new Error(`Ingress: ${problems.join("; ")}`);
}

/**
 * The AWS Load Balancer Controller (IRSA, policy pinned with the chart), a DNS-validated ACM certificate for the
 * stack's hosts, and the settings of the two HTTPS ALBs (public and admin-only) that `exposeService` puts services behind.
 */
export class Ingress extends pulumi.ComponentResource implements IngressGateway {
    readonly groupName: string;
    readonly adminGroupName: string;
    readonly adminCidrs: readonly string[];
    readonly publicHostnames: readonly string[];
    readonly trafficSources: TrafficSources;
    readonly domain: string;
    readonly hostedZoneId: string;
    readonly hostnames: readonly string[];
    readonly certificateArn: pulumi.Output<string>;
    readonly sslPolicy = SSL_POLICY;
    readonly controller: k8s.helm.v3.Release;
    readonly cluster: ClusterHandle;
    readonly controllerRoleArn: pulumi.Output<string>;

    constructor(name: string, args: IngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:ingress:Ingress", name, {}, opts);
        checkIngressArgs(args);
        this.groupName = args.groupName;
        this.adminGroupName = adminGroupOf(args.groupName);
        this.adminCidrs = [...args.adminCidrs];
        this.publicHostnames = hostnamesFor(args.domain, args.publicHosts);
        this.trafficSources = args.trafficSources;
        this.domain = args.domain;
        this.hostedZoneId = args.hostedZoneId;
        this.hostnames = hostnamesFor(args.domain, args.hosts);

        const policy = new aws.iam.Policy(
            `${name}-lbc`,
            {
                description: `AWS Load Balancer Controller ${LBC.appVersion}`,
                policy: JSON.stringify(lbcPolicy(partitionOf(args.region))),
                tags: args.tags,
            },
            { parent: this },
        );
        const role = irsaRole(`${name}-lbc`, args.oidc, LBC.namespace, LBC.serviceAccount, this);
        const attachment = new aws.iam.RolePolicyAttachment(`${name}-lbc`, { role: role.name, policyArn: policy.arn }, { parent: this });
        this.controllerRoleArn = role.arn;

        // Installed after every release that creates a Service without waiting for the webhook (metrics-server).
        this.controller = args.cluster.release(
            `${name}-lbc`,
            LBC,
            {
                releaseName: LBC.chart,
                namespace: LBC.namespace,
                values: pulumi
                    .all([args.clusterName, args.vpcId, role.arn])
                    .apply(([clusterName, vpcId, roleArn]) =>
                        lbcValues({ clusterName, region: args.region, vpcId, roleArn, defaultSslPolicy: SSL_POLICY, resourceTags: args.resourceTags }),
                    ),
            },
            { parent: this, needs: ["metrics", "storage"], dependsOn: [attachment] },
        );
        this.cluster = args.cluster.with("webhook", [this.controller]);

        const certificate = new aws.acm.Certificate(
            `${name}-cert`,
            {
                domainName: args.domain,
                subjectAlternativeNames: [...this.hostnames],
                validationMethod: "DNS",
                tags: args.tags,
            },
            { parent: this },
        );
        const validationRecords = [args.domain, ...this.hostnames].map((domainName, i) => {
            const option = certificate.domainValidationOptions.apply((opts) => {
                const found = opts.find((o) => o.domainName === domainName);
                if (!found) throw new Error(`ACM returned no validation option for ${domainName}`);
                return found;
            });
            return new aws.route53.Record(
                `${name}-cert-validation-${i}`,
                {
                    zoneId: args.hostedZoneId,
                    name: option.resourceRecordName,
                    type: option.resourceRecordType,
                    records: [option.resourceRecordValue],
                    ttl: 60,
                    // ACM reuses one validation record for names that share it; let the second write be a no-op.
                    allowOverwrite: true,
                },
                { parent: this },
            );
        });
        const validation = new aws.acm.CertificateValidation(
            `${name}-cert`,
            {
                certificateArn: certificate.arn,
                validationRecordFqdns: validationRecords.map((r) => r.fqdn),
            },
            { parent: this },
        );
        this.certificateArn = validation.certificateArn;

        this.registerOutputs({ certificateArn: this.certificateArn, controllerRoleArn: this.controllerRoleArn, hostnames: this.hostnames });
    }
}

export interface AlbAnnotationArgs {
    groupName: string;
    /** Source CIDRs the ALB's security group admits; absent means the controller's default, 0.0.0.0/0. */
    inboundCidrs?: readonly string[];
    certificateArn: string;
    sslPolicy: string;
    healthcheckPath: string;
    backendProtocolVersion: BackendProtocolVersion;
}

/**
 * Annotations for an Ingress on one of the ALBs. The backend protocol version is always explicit: an ALB talking
 * HTTP/2 to an HTTP/1.1-only backend is what produced the old 504s.
 */
export function albAnnotations(a: AlbAnnotationArgs): Record<string, string> {
    const p = "alb.ingress.kubernetes.io";
    return {
        [`${p}/group.name`]: a.groupName,
        [`${p}/scheme`]: "internet-facing",
        [`${p}/target-type`]: "ip",
        [`${p}/listen-ports`]: JSON.stringify([{ HTTP: 80 }, { HTTPS: 443 }]),
        [`${p}/ssl-redirect`]: "443",
        [`${p}/certificate-arn`]: a.certificateArn,
        [`${p}/ssl-policy`]: a.sslPolicy,
        [`${p}/backend-protocol`]: "HTTP",
        [`${p}/backend-protocol-version`]: a.backendProtocolVersion,
        [`${p}/healthcheck-path`]: a.healthcheckPath,
        [`${p}/load-balancer-attributes`]: "routing.http.drop_invalid_header_fields.enabled=true",
        // Shorter than the 300 s default, longer than the pods' preStop pause: deregistered pods finish, then go.
        [`${p}/target-group-attributes`]: "deregistration_delay.timeout_seconds=30",
        // Per listen port for the whole ALB (model_builder.go mergeListenPortConfigs): only ever on an ALB of its own.
        ...(a.inboundCidrs ? { [`${p}/inbound-cidrs`]: a.inboundCidrs.join(",") } : {}),
    };
}

/**
 * The ALB a host goes on. `inbound-cidrs` cannot be given per host on a shared ALB: the controller applies one
 * Ingress's CIDRs to every host on the same port, and refuses the whole group when two Ingresses differ. So admin
 * hosts get a second IngressGroup, whose ALB admits only the admin CIDRs.
 */
export function albFor(
    gateway: Pick<IngressGateway, "groupName" | "adminGroupName" | "adminCidrs" | "publicHostnames">,
    host: string,
): { groupName: string; inboundCidrs?: readonly string[] } {
    return gateway.publicHostnames.includes(host) ? { groupName: gateway.groupName } : { groupName: gateway.adminGroupName, inboundCidrs: gateway.adminCidrs };
}

export interface ExposeArgs {
    namespace: pulumi.Input<string>;
    serviceName: pulumi.Input<string>;
    servicePort: number;
    /** Full host name; must be one the certificate covers. */
    host: string;
    healthcheckPath: string;
    /** What the backend speaks; HTTP1 unless it is known to speak HTTP/2 or gRPC. */
    backendProtocolVersion?: BackendProtocolVersion;
    /** Anything else the Ingress must wait for (the Service, the workload). */
    dependsOn?: pulumi.Resource[];
}

export interface Exposed {
    ingress: k8s.networking.v1.Ingress;
    record: aws.route53.Record;
    url: string;
}

export function checkExposeArgs(
    gateway: Pick<IngressGateway, "domain" | "hostnames">,
    args: Pick<ExposeArgs, "host" | "backendProtocolVersion" | "healthcheckPath">,
): void {
    const problems: string[] = [];
    if (args.host !== gateway.domain && !args.host.endsWith(`.${gateway.domain}`)) {
        problems.push(`host ${args.host} is outside the stack's domain ${gateway.domain}`);
    } else if (!gateway.hostnames.includes(args.host)) {
        problems.push(`host ${args.host} is not covered by the certificate (hosts: ${gateway.hostnames.join(", ")}); add its label to the Ingress hosts`);
    }
    const version = args.backendProtocolVersion ?? "HTTP1";
    if (!(BACKEND_PROTOCOL_VERSIONS as readonly string[]).includes(version)) {
        problems.push(`backend protocol version "${version}" is not one of ${BACKEND_PROTOCOL_VERSIONS.join(", ")}`);
    }
    if (!args.healthcheckPath.startsWith("/")) problems.push(`healthcheck path "${args.healthcheckPath}" must start with /`);
    if (problems.length) throw new Error(`exposeService: ${problems.join("; ")}`);
}

/**
 * Puts a Service behind an HTTPS ALB at `host` (the public one for public hosts, the admin one otherwise) and points
 * the host's DNS at that ALB.
 * The record is an alias to the load balancer the Ingress reports, so it exists only while the Ingress does.
 */
export function exposeService(name: string, gateway: IngressGateway, args: ExposeArgs, parent: pulumi.Resource): Exposed {
    checkExposeArgs(gateway, args);
    const ingress = gateway.cluster.object(
        k8s.networking.v1.Ingress,
        name,
        {
            metadata: {
                namespace: args.namespace,
                annotations: gateway.certificateArn.apply((certificateArn) =>
                    albAnnotations({
                        ...albFor(gateway, args.host),
                        certificateArn,
                        sslPolicy: gateway.sslPolicy,
                        healthcheckPath: args.healthcheckPath,
                        backendProtocolVersion: args.backendProtocolVersion ?? "HTTP1",
                    }),
                ),
            },
            spec: {
                ingressClassName: LBC.ingressClass,
                rules: [
                    {
                        host: args.host,
                        http: {
                            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: args.serviceName, port: { number: args.servicePort } } } }],
                        },
                    },
                ],
            },
        },
        { parent, dependsOn: args.dependsOn },
    );

    const albHostname = ingress.status.loadBalancer.ingress.apply((lbs) => {
        const hostname = lbs?.[0]?.hostname;
        if (!hostname) throw new Error(`Ingress ${name} reports no load balancer: is the AWS Load Balancer Controller running?`);
        return hostname;
    });
    const albZone = aws.lb.getHostedZoneIdOutput({ loadBalancerType: "application" }, { parent });
    const record = new aws.route53.Record(
        name,
        {
            zoneId: gateway.hostedZoneId,
            name: args.host,
            type: "A",
            aliases: [{ name: albHostname, zoneId: albZone.id, evaluateTargetHealth: true }],
        },
        { parent },
    );
    return { ingress, record, url: `https://${args.host}` };
}
