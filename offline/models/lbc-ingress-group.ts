/**
 * What the AWS Load Balancer Controller v3.5.0 builds from the Ingresses of the `alb` class: one ALB per IngressGroup,
 * its scheme, its listeners, which source CIDRs each listener's managed security group admits, and which hosts each
 * listener routes (with their `auth-type`). Follows kubernetes-sigs/aws-load-balancer-controller at tag v3.5.0
 * (11eb202c97e4):
 * - pkg/ingress/model_builder.go `run` and `mergeListenPortConfigs`: listen ports are gathered per port across the
 *   group's members; `inbound-cidrs` is per port, so one member's CIDRs apply to every host on that port, and two
 *   members that give different CIDRs for the same port fail the whole group ("conflicting inbound-cidrs"); with
 *   none on a port the listener is open to 0.0.0.0/0 (and ::/0);
 * - pkg/ingress/model_build_listener.go `computeIngressListenPortConfigByPort`, `computeIngressListenPorts`
 *   (default `[{"HTTP":80}]`, or `[{"HTTPS":443}]` with a certificate);
 * - pkg/ingress/model_build_load_balancer.go `buildLoadBalancerScheme`: one scheme per group ("conflicting scheme"),
 *   the controller's default `internal` when no member names one;
 * - pkg/ingress/model_build_managed_sg.go `buildManagedSecurityGroupIngressPermissions`: the ALB's one security
 *   group admits, per listener port, exactly the merged CIDRs (IPv6 ones only for dualstack ALBs);
 * - pkg/ingress/model_builder.go `buildSSLRedirectConfig` (and docs/guide/ingress/annotations.md, ssl-redirect):
 *   with ssl-redirect every HTTP listener only redirects, so hosts are served on the HTTPS port alone;
 * - docs/guide/ingress/annotations.md "IngressGroup": an Ingress without group.name is its own implicit group
 *   (`namespace/name`), hence its own ALB.
 * Not modelled: IngressClassParams, security-groups / prefix lists (this program sets neither), group.order, rule
 * priorities and paths (every Ingress here routes one host at "/").
 */
import { parseCidr } from "../../config/checks";
import { RejectedByUpstream } from "./ids";

const P = "alb.ingress.kubernetes.io";
const OPEN = "0.0.0.0/0";

/** An Ingress of the `alb` class as the controller reads it. */
export interface AlbIngress {
    namespace: string;
    name: string;
    annotations: Record<string, string>;
    hosts: string[];
}

export interface ModeledRule {
    host: string;
    /** The Ingress whose rule it is, `namespace/name`. */
    ingress: string;
    /** `auth-type` of that Ingress: none, oidc or cognito. */
    auth: string;
}

export interface ModeledListener {
    port: number;
    protocol: "HTTP" | "HTTPS";
    /** IPv4 CIDRs the ALB's managed security group admits on this port. */
    inboundCidrs: string[];
    /** Host rules that forward to targets; empty on an HTTP listener that only redirects. */
    rules: ModeledRule[];
}

export interface ModeledAlb {
    /** The `ingress.k8s.aws/stack` tag the controller finds the ALB by: the group name, or `namespace/name`. */
    group: string;
    explicit: boolean;
    scheme: "internet-facing" | "internal";
    listeners: ModeledListener[];
}

const LB_CONTROLLER = "aws-load-balancer-controller";

function listenPorts(ing: AlbIngress): Map<number, "HTTP" | "HTTPS"> {
    const raw = ing.annotations[`${P}/listen-ports`];
    const ports = new Map<number, "HTTP" | "HTTPS">();
    if (raw === undefined) {
        ports.set(ing.annotations[`${P}/certificate-arn`] ? 443 : 80, ing.annotations[`${P}/certificate-arn`] ? "HTTPS" : "HTTP");
        return ports;
    }
    let entries: Record<string, number>[];
    try {
        entries = JSON.parse(raw);
    } catch {
        throw new RejectedByUpstream(LB_CONTROLLER, `ingress: ${key(ing)}: failed to parse json annotation, ${P}/listen-ports: ${raw}`);
    }
    for (const entry of entries) {
        for (const [protocol, port] of Object.entries(entry)) {
            if (protocol !== "HTTP" && protocol !== "HTTPS")
                throw new RejectedByUpstream(LB_CONTROLLER, `ingress: ${key(ing)}: listen port protocol must be within [HTTP, HTTPS]: ${protocol}`);
            ports.set(port, protocol);
        }
    }
    return ports;
}

const key = (ing: AlbIngress) => `${ing.namespace}/${ing.name}`;

function inboundCidrs(ing: AlbIngress): string[] {
    const raw = ing.annotations[`${P}/inbound-cidrs`];
    if (raw === undefined) return [];
    // ParseStringSliceAnnotation: comma-separated, each trimmed, empty ones dropped.
    const cidrs = raw
        .split(",")
        .map((c) => c.trim())
        .filter((c) => c !== "");
    for (const c of cidrs) {
        if (!parseCidr(c) && !c.includes(":"))
            throw new RejectedByUpstream(LB_CONTROLLER, `invalid ${P}/inbound-cidrs settings on Ingress: ${key(ing)}: invalid CIDR address: ${c}`);
    }
    return cidrs.filter((c) => !c.includes(":"));
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

/** The ALBs the controller builds for these Ingresses, or the error with which it refuses a whole group. */
export function buildAlbs(ingresses: AlbIngress[], defaultScheme: "internal" | "internet-facing" = "internal"): ModeledAlb[] {
    const groups = new Map<string, AlbIngress[]>();
    for (const ing of ingresses) {
        const group = ing.annotations[`${P}/group.name`] ?? key(ing);
        groups.set(group, [...(groups.get(group) ?? []), ing]);
    }
    return [...groups.entries()].map(([group, members]) => buildAlb(group, members, defaultScheme));
}

function buildAlb(group: string, members: AlbIngress[], defaultScheme: "internal" | "internet-facing"): ModeledAlb {
    const schemes = [...new Set(members.map((m) => m.annotations[`${P}/scheme`]).filter((s): s is string => s !== undefined))];
    if (schemes.length > 1) throw new RejectedByUpstream(LB_CONTROLLER, `group ${group}: conflicting scheme: [${schemes.sort().join(" ")}]`);
    const scheme = schemes[0] ?? defaultScheme;
    if (scheme !== "internal" && scheme !== "internet-facing") throw new RejectedByUpstream(LB_CONTROLLER, `group ${group}: unknown scheme: ${scheme}`);

    const byPort = new Map<number, { protocol: "HTTP" | "HTTPS"; cidrs?: { from: string; list: string[] }; members: AlbIngress[] }>();
    for (const m of members) {
        const cidrs = inboundCidrs(m);
        for (const [port, protocol] of listenPorts(m)) {
            const merged = byPort.get(port) ?? { protocol, members: [] };
            const at = `group ${group}: failed to merge listenPort config for port: ${port}`;
            if (merged.protocol !== protocol)
                throw new RejectedByUpstream(
                    LB_CONTROLLER,
                    `${at}: conflicting protocol, ${merged.members[0] ? key(merged.members[0]) : ""}: ${merged.protocol} | ${key(m)}: ${protocol}`,
                );
            if (cidrs.length) {
                if (!merged.cidrs) merged.cidrs = { from: key(m), list: cidrs };
                else if (!sameSet(merged.cidrs.list, cidrs)) {
                    throw new RejectedByUpstream(
                        LB_CONTROLLER,
                        `${at}: conflicting inbound-cidrs, ${merged.cidrs.from}: [${[...merged.cidrs.list].sort().join(" ")}], [] | ${key(m)}: [${[...cidrs].sort().join(" ")}], []`,
                    );
                }
            }
            merged.members.push(m);
            byPort.set(port, merged);
        }
    }

    const redirects = [...new Set(members.map((m) => m.annotations[`${P}/ssl-redirect`]).filter((s): s is string => s !== undefined))];
    if (redirects.length > 1) throw new RejectedByUpstream(LB_CONTROLLER, `group ${group}: conflicting sslRedirect port: [${redirects.sort().join(" ")}]`);
    const redirect = redirects[0] === undefined ? undefined : Number(redirects[0]);
    if (redirect !== undefined && byPort.get(redirect)?.protocol !== "HTTPS") {
        throw new RejectedByUpstream(LB_CONTROLLER, `group ${group}: cannot configure SSLRedirect: listener on port ${redirect} is not HTTPS`);
    }

    const listeners = [...byPort.entries()]
        .sort(([a], [b]) => a - b)
        .map(([port, cfg]): ModeledListener => ({
            port,
            protocol: cfg.protocol,
            inboundCidrs: cfg.cidrs ? [...cfg.cidrs.list].sort() : [OPEN],
            rules:
                redirect !== undefined && cfg.protocol === "HTTP"
                    ? []
                    : cfg.members.flatMap((m) =>
                          m.hosts.map((host) => ({
                              host,
                              ingress: key(m),
                              auth: m.annotations[`${P}/auth-type`] ?? "none",
                          })),
                      ),
        }));
    return { group, explicit: members.some((m) => m.annotations[`${P}/group.name`] !== undefined), scheme, listeners };
}

/** Whether an IPv4 address lies in a CIDR. */
export function cidrContains(cidr: string, ip: string): boolean {
    const block = parseCidr(cidr);
    const addr = parseCidr(`${ip}/32`);
    if (!block || !addr) throw new Error(`not an IPv4 CIDR/address: ${cidr} / ${ip}`);
    const size = 2 ** (32 - block.prefix);
    return Math.floor(addr.address / size) === Math.floor(block.address / size);
}

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/**
 * Whether a client at `sourceIp` on the internet reaches `host`'s backend through these ALBs without signing in: an
 * internet-facing ALB whose listener routes the host, with no `auth-type`, and whose security group admits the IP.
 */
export function servesFromInternet(albs: ModeledAlb[], host: string, sourceIp: string): boolean {
    if (PRIVATE_RANGES.some((r) => cidrContains(r, sourceIp))) throw new Error(`${sourceIp} is a private address, not one on the internet`);
    return albs.some(
        (alb) =>
            alb.scheme === "internet-facing" &&
            alb.listeners.some((l) => l.inboundCidrs.some((c) => cidrContains(c, sourceIp)) && l.rules.some((r) => r.host === host && r.auth === "none")),
    );
}

/** The Ingresses of a plan, as the controller reads them (records of `kubernetes:networking.k8s.io/v1:Ingress`). */
export function albIngressesOf(resources: { type: string; name: string; inputs: Record<string, unknown> }[]): AlbIngress[] {
    return resources
        .filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress")
        .map((r) => {
            const metadata = (r.inputs.metadata ?? {}) as { namespace?: string; name?: string; annotations?: Record<string, string> };
            const spec = (r.inputs.spec ?? {}) as { rules?: { host?: string }[] };
            return {
                namespace: metadata.namespace ?? "default",
                name: metadata.name ?? r.name,
                annotations: metadata.annotations ?? {},
                hosts: (spec.rules ?? []).map((x) => x.host).filter((h): h is string => typeof h === "string"),
            };
        });
}
