/**
 * The platform's policies as plain checks over a stack's resources. The same checks run in two places:
 * `npm run plan` over the offline plan, and the CrossGuard pack (policy/index.ts) in real previews and updates.
 */
import type { Guardrails } from "../config/profiles";
import { albIngressesOf, buildAlbs } from "../offline/models/lbc-ingress-group";
import { isDefaultDenyIngress, Policy } from "../offline/models/network-policy";

/** A resource as both the offline plan and CrossGuard can describe it. */
export interface PolicyTarget {
    urn: string;
    type: string;
    name: string;
    /** Inputs, plus outputs where known (ids, subnet ids); unknown values are undefined. */
    props: Record<string, any>;
    /** URNs of the resources it depends on. */
    dependencies: string[];
    protect: boolean;
}

export interface Finding {
    urn: string;
    message: string;
}

export interface Violation extends Finding {
    policy: string;
}

/** The guardrails of the stack's profile a rule reads: its CrossGuard policy config (`--policy-pack-config`). */
export type RuleConfig = Partial<Guardrails>;

export interface Rule {
    name: string;
    description: string;
    /** The profile guardrails this rule needs, declared as its required config so that CrossGuard refuses to run it without them. */
    config?: readonly (keyof Guardrails)[];
    check(resources: PolicyTarget[], config: RuleConfig): Finding[];
}

const ofType = (resources: PolicyTarget[], type: string) => resources.filter((r) => r.type === type);
const asJson = (v: unknown): any => {
    if (typeof v !== "string") return v;
    try {
        return JSON.parse(v);
    } catch {
        return undefined;
    }
};
const ALB = "alb.ingress.kubernetes.io";
/** ELB TLS policies that allow nothing older than TLS 1.2. */
const TLS12_POLICIES = /^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)/;
export const LBC_CHART = "aws-load-balancer-controller";

const nodesInPrivateSubnets: Rule = {
    name: "eks-nodes-in-private-subnets",
    description: "Worker nodes run only in private subnets and get no public IP.",
    check(resources) {
        const findings: Finding[] = [];
        const vpcs = ofType(resources, "awsx:ec2:Vpc");
        const publicIds = new Set(vpcs.flatMap((v) => v.props.publicSubnetIds ?? []));
        const privateIds = new Set(vpcs.flatMap((v) => v.props.privateSubnetIds ?? []));
        for (const ng of ofType(resources, "eks:index:ManagedNodeGroup")) {
            const subnets: string[] | undefined = ng.props.subnetIds;
            if (!subnets) continue;
            const exposed = subnets.filter((s) => publicIds.has(s) || (privateIds.size > 0 && !privateIds.has(s)));
            if (exposed.length) findings.push({ urn: ng.urn, message: `node group uses subnets that are not private: ${exposed.join(", ")}` });
        }
        for (const c of ofType(resources, "eks:index:Cluster")) {
            if (c.props.nodeAssociatePublicIpAddress !== false) findings.push({ urn: c.urn, message: "nodeAssociatePublicIpAddress must be false" });
            const nodeSubnets: string[] = c.props.nodeSubnetIds ?? [];
            if (nodeSubnets.some((s) => publicIds.has(s))) findings.push({ urn: c.urn, message: "nodeSubnetIds include public subnets" });
        }
        return findings;
    },
};

const imdsV2: Rule = {
    name: "imdsv2-required",
    description: "Nodes require IMDSv2 (session tokens) through their launch template.",
    check(resources) {
        const findings: Finding[] = [];
        const templates = ofType(resources, "aws:ec2/launchTemplate:LaunchTemplate");
        for (const lt of templates) {
            if (lt.props.metadataOptions?.httpTokens !== "required") findings.push({ urn: lt.urn, message: 'metadataOptions.httpTokens must be "required"' });
        }
        for (const ng of ofType(resources, "eks:index:ManagedNodeGroup")) {
            const viaTemplate = templates.some((lt) => ng.dependencies.includes(lt.urn)) && ng.props.launchTemplate;
            if (!viaTemplate && ng.props.enableIMDSv2 !== true)
                findings.push({ urn: ng.urn, message: "node group has neither an IMDSv2 launch template nor enableIMDSv2" });
        }
        return findings;
    },
};

const secretsEncryption: Rule = {
    name: "eks-secrets-encrypted",
    description: "EKS envelope-encrypts Kubernetes secrets with a KMS key.",
    check(resources) {
        return ofType(resources, "eks:index:Cluster")
            .filter((c) => !c.props.encryptionConfigKeyArn)
            .map((c) => ({ urn: c.urn, message: "encryptionConfigKeyArn is not set" }));
    },
};

const publicEndpoint: Rule = {
    // The name predates profiles; kept because policy configs and policy groups refer to policies by name.
    name: "eks-public-endpoint-restricted-in-prod",
    description: "Where the profile says restrictPublicEndpoint (prod, staging), the public API endpoint is off or limited to named CIDRs, never 0.0.0.0/0.",
    config: ["restrictPublicEndpoint"],
    check(resources, config) {
        if (!config.restrictPublicEndpoint) return [];
        const findings: Finding[] = [];
        for (const c of ofType(resources, "eks:index:Cluster")) {
            if (c.props.endpointPublicAccess === false) continue;
            const cidrs: string[] | undefined = c.props.publicAccessCidrs;
            // EKS opens an unrestricted public endpoint to 0.0.0.0/0.
            if (!cidrs || cidrs.length === 0) findings.push({ urn: c.urn, message: "public endpoint is on with no CIDR limit (EKS then allows 0.0.0.0/0)" });
            else if (cidrs.some((x) => x.endsWith("/0")))
                findings.push({ urn: c.urn, message: `public endpoint open to ${cidrs.filter((x) => x.endsWith("/0")).join(", ")}` });
        }
        return findings;
    },
};

const ecrHygiene: Rule = {
    name: "ecr-scan-on-push-immutable-tags",
    description: "Image repositories scan on push and keep tags immutable.",
    check(resources) {
        const findings: Finding[] = [];
        for (const repo of ofType(resources, "aws:ecr/repository:Repository")) {
            if (repo.props.imageScanningConfiguration?.scanOnPush !== true) findings.push({ urn: repo.urn, message: "scanOnPush is off" });
            if (repo.props.imageTagMutability !== "IMMUTABLE")
                findings.push({ urn: repo.urn, message: `tags are ${repo.props.imageTagMutability ?? "MUTABLE"}, not IMMUTABLE` });
        }
        return findings;
    },
};

const ingressHttps: Rule = {
    name: "ingress-https-only",
    description: "Every Ingress is HTTPS with a certificate, redirects HTTP, uses a TLS 1.2+ policy and states its backend protocol version.",
    check(resources) {
        const findings: Finding[] = [];
        for (const ing of ofType(resources, "kubernetes:networking.k8s.io/v1:Ingress")) {
            const a: Record<string, string> = ing.props.metadata?.annotations ?? {};
            const problems: string[] = [];
            if (!a[`${ALB}/certificate-arn`]) problems.push("no certificate-arn");
            const ports = asJson(a[`${ALB}/listen-ports`]);
            if (!Array.isArray(ports) || !ports.some((p: any) => p.HTTPS === 443)) problems.push("no HTTPS 443 listener");
            if (a[`${ALB}/ssl-redirect`] !== "443") problems.push("no ssl-redirect to 443");
            if (!TLS12_POLICIES.test(a[`${ALB}/ssl-policy`] ?? ""))
                problems.push(`ssl-policy ${a[`${ALB}/ssl-policy`] ?? "(default, allows TLS 1.0)"} is not TLS 1.2+`);
            if (!["HTTP1", "HTTP2", "GRPC"].includes(a[`${ALB}/backend-protocol-version`])) problems.push("no explicit backend-protocol-version");
            if (problems.length) findings.push({ urn: ing.urn, message: problems.join("; ") });
        }
        return findings;
    },
};

/** A key naming a credential itself, not a reference to where one is kept (existingSecret, passwordKey …). */
const SECRET_KEY = /(password|passphrase|token|secret|apikey|api_key|privatekey|private_key)$/i;
const REFERENCE_KEY = /^(existing|use|read|create|additional)/i;

function plaintextSecrets(value: unknown, path: string[] = []): string[] {
    if (value === "[secret]") return [path.join(".")];
    if (Array.isArray(value)) return value.flatMap((v, i) => plaintextSecrets(v, [...path, String(i)]));
    if (value && typeof value === "object") {
        return Object.entries(value).flatMap(([k, v]) => {
            if (typeof v === "string" && v !== "" && SECRET_KEY.test(k) && !REFERENCE_KEY.test(k)) return [[...path, k].join(".")];
            return plaintextSecrets(v, [...path, k]);
        });
    }
    return [];
}

const helmSecrets: Rule = {
    name: "no-plaintext-secrets-in-helm-values",
    description: "Helm values (stored in the release) reference Secrets by name; they never hold a credential.",
    check(resources) {
        return ofType(resources, "kubernetes:helm.sh/v3:Release").flatMap((r) => {
            const found = plaintextSecrets(r.props.values ?? {});
            return found.length ? [{ urn: r.urn, message: `credential in values at ${found.join(", ")}: put it in a Secret and reference it` }] : [];
        });
    },
};

const irsaTrust: Rule = {
    name: "irsa-trust-pins-sub-and-aud",
    description: "Every role assumable by web identity pins the service account (sub) and the STS audience (aud) exactly.",
    check(resources) {
        const findings: Finding[] = [];
        for (const role of ofType(resources, "aws:iam/role:Role")) {
            const doc = asJson(role.props.assumeRolePolicy);
            for (const st of doc?.Statement ?? []) {
                if (![st.Action].flat().includes("sts:AssumeRoleWithWebIdentity")) continue;
                const eq: Record<string, string> = st.Condition?.StringEquals ?? {};
                const sub = Object.entries(eq).find(([k]) => k.endsWith(":sub"))?.[1];
                const aud = Object.entries(eq).find(([k]) => k.endsWith(":aud"))?.[1];
                if (!sub || /[*?]/.test(sub)) findings.push({ urn: role.urn, message: "trust policy does not pin :sub with StringEquals" });
                if (aud !== "sts.amazonaws.com") findings.push({ urn: role.urn, message: "trust policy does not pin :aud to sts.amazonaws.com" });
            }
        }
        return findings;
    },
};

const encryptedStorage: Rule = {
    name: "storage-classes-encrypted",
    description: "EBS StorageClasses create encrypted volumes.",
    check(resources) {
        return ofType(resources, "kubernetes:storage.k8s.io/v1:StorageClass")
            .filter((sc) => sc.props.provisioner === "ebs.csi.aws.com" && sc.props.parameters?.encrypted !== "true")
            .map((sc) => ({ urn: sc.urn, message: 'parameters.encrypted is not "true"' }));
    },
};

const prodProtection: Rule = {
    // The name predates profiles; kept because policy configs and policy groups refer to policies by name.
    name: "prod-stateful-resources-protected",
    description:
        "Where the profile says so (prod): volumes are retained (StorageClass reclaimPolicy Retain) if retainData, and the ECR repository and KMS keys are protected if deletionProtection.",
    config: ["retainData", "deletionProtection"],
    check(resources, config) {
        const findings: Finding[] = [];
        for (const sc of config.retainData ? ofType(resources, "kubernetes:storage.k8s.io/v1:StorageClass") : []) {
            if (sc.props.reclaimPolicy !== "Retain")
                findings.push({
                    urn: sc.urn,
                    message: `reclaimPolicy ${sc.props.reclaimPolicy ?? "Delete"}: deleting a PVC would delete Jenkins' or Prometheus' data`,
                });
        }
        for (const r of config.deletionProtection ? [...ofType(resources, "aws:ecr/repository:Repository"), ...ofType(resources, "aws:kms/key:Key")] : []) {
            if (!r.protect) findings.push({ urn: r.urn, message: "not protected from deletion" });
        }
        return findings;
    },
};

const ingressAfterController: Rule = {
    name: "ingress-depends-on-lb-controller",
    description: "Every Ingress depends on the AWS Load Balancer Controller, so destroy deletes the ALB before the controller.",
    check(resources) {
        const controllers = ofType(resources, "kubernetes:helm.sh/v3:Release")
            .filter((r) => r.props.chart === LBC_CHART)
            .map((r) => r.urn);
        return ofType(resources, "kubernetes:networking.k8s.io/v1:Ingress")
            .filter((ing) => !controllers.some((c) => ing.dependencies.includes(c)))
            .map((ing) => ({ urn: ing.urn, message: "does not depend on the aws-load-balancer-controller release: destroy could orphan its ALB" }));
    },
};

/** Namespaces whose hosts are admin consoles (Jenkins, Grafana): their login pages must not face the whole internet. */
export const ADMIN_NAMESPACES = ["jenkins", "monitoring"];
/** The broadest source CIDR an admin host's listener may admit (as config's ingress:adminCidrs). */
const MIN_ADMIN_PREFIX = 8;

const adminHostsRestricted: Rule = {
    name: "admin-hosts-restricted",
    description:
        "Hosts of the admin namespaces (Jenkins, Grafana) are not served to the whole internet: their ALB admits only named CIDRs, or they require sign-in.",
    check(resources) {
        const ingresses = ofType(resources, "kubernetes:networking.k8s.io/v1:Ingress");
        const known = ingresses.filter((i) => i.props.metadata?.annotations && i.props.metadata?.namespace !== undefined);
        const byKey = new Map(known.map((i) => [`${i.props.metadata.namespace}/${i.props.metadata.name ?? i.name}`, i]));
        let albs;
        try {
            // What the controller builds from the annotations (offline/models/lbc-ingress-group.ts follows v3.5.0).
            albs = buildAlbs(albIngressesOf(known.map((i) => ({ type: i.type, name: i.name, inputs: i.props }))));
        } catch (e) {
            return [{ urn: known[0].urn, message: `the load balancer controller would refuse the Ingresses: ${(e as Error).message}` }];
        }
        const findings: Finding[] = [];
        for (const alb of albs.filter((a) => a.scheme === "internet-facing")) {
            for (const listener of alb.listeners) {
                const broad = listener.inboundCidrs.filter((c) => Number(c.split("/")[1]) < MIN_ADMIN_PREFIX);
                if (broad.length === 0) continue;
                for (const rule of listener.rules.filter((r) => r.auth === "none")) {
                    const ing = byKey.get(rule.ingress);
                    if (ing && ADMIN_NAMESPACES.includes(ing.props.metadata.namespace)) {
                        findings.push({
                            urn: ing.urn,
                            message: `admin host ${rule.host} is served without sign-in on port ${listener.port} of ALB ${alb.group}, open to ${broad.join(", ")}`,
                        });
                    }
                }
            }
        }
        return findings;
    },
};

const imdsHopLimit: Rule = {
    name: "imds-hop-limit-1",
    description: "Launch templates set the IMDS response hop limit to 1, so pods cannot reach the node role's credentials.",
    check(resources) {
        return ofType(resources, "aws:ec2/launchTemplate:LaunchTemplate")
            .filter((lt) => lt.props.metadataOptions?.httpPutResponseHopLimit !== 1)
            .map((lt) => ({
                urn: lt.urn,
                message: `metadataOptions.httpPutResponseHopLimit is ${lt.props.metadataOptions?.httpPutResponseHopLimit ?? "unset (the AMI's or account's default then applies)"}, not 1: any pod could take the node role's credentials`,
            }));
    },
};

/** Namespaces that EKS and its add-ons own (and whose pods are mostly hostNetwork): not the platform's to isolate. */
const SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease"];

const namespacesDefaultDeny: Rule = {
    name: "workload-namespaces-default-deny-ingress",
    description:
        "Every namespace the stack runs workloads in (a Helm release or a Deployment/StatefulSet/DaemonSet), system namespaces aside, has a default-deny ingress NetworkPolicy.",
    check(resources) {
        const workloads = new Map<string, PolicyTarget>();
        for (const r of ofType(resources, "kubernetes:helm.sh/v3:Release"))
            if (typeof r.props.namespace === "string") workloads.set(r.props.namespace, workloads.get(r.props.namespace) ?? r);
        for (const type of ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet"]) {
            for (const r of ofType(resources, type)) {
                const ns = r.props.metadata?.namespace;
                if (typeof ns === "string") workloads.set(ns, workloads.get(ns) ?? r);
            }
        }
        const denied = new Set(
            ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
                .filter((p) => p.props.metadata?.namespace && isDefaultDenyIngress(p.props as Policy))
                .map((p) => p.props.metadata.namespace),
        );
        return [...workloads.entries()]
            .filter(([ns]) => !SYSTEM_NAMESPACES.includes(ns) && !denied.has(ns))
            .map(([ns, r]) => ({ urn: r.urn, message: `namespace ${ns} runs workloads but has no default-deny ingress NetworkPolicy` }));
    },
};

const NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool";
/** The NodePool annotation the platform sets from config (components/karpenter.ts SPOT_ALLOWED_ANNOTATION). */
const SPOT_ALLOWED = "platform/spot-allowed";

/** The capacity types a NodePool may launch; without a requirement Karpenter launches on-demand only. */
function poolCapacityTypes(pool: PolicyTarget): string[] {
    const requirements: { key?: string; operator?: string; values?: string[] }[] = pool.props.spec?.template?.spec?.requirements ?? [];
    const r = requirements.find((x) => x.key === "karpenter.sh/capacity-type");
    if (!r) return ["on-demand"];
    if (r.operator === "In") return r.values ?? [];
    // NotIn, Exists …: everything the requirement does not exclude.
    return ["spot", "on-demand", "reserved"].filter((t) => !(r.operator === "NotIn" && (r.values ?? []).includes(t)));
}

const nodePoolsLimited: Rule = {
    name: "karpenter-nodepools-limited",
    description: "Every Karpenter NodePool sets spec.limits.cpu and spec.limits.memory, so a runaway workload cannot buy unbounded nodes.",
    check(resources) {
        return ofType(resources, NODE_POOL).flatMap((pool) =>
            ["cpu", "memory"]
                .filter((k) => pool.props.spec?.limits?.[k] === undefined)
                .map((k) => ({
                    urn: pool.urn,
                    message: `NodePool ${pool.props.metadata?.name ?? pool.name} has no spec.limits.${k}: Karpenter would launch nodes without bound`,
                })),
        );
    },
};

const spotWhereAllowed: Rule = {
    name: "spot-only-where-allowed",
    description:
        "A NodePool launches spot only when its config allows it (annotation platform/spot-allowed), and where the profile does not allow spot (spotAllowed false: prod) the system node group is on-demand.",
    config: ["spotAllowed"],
    check(resources, config) {
        const findings: Finding[] = ofType(resources, NODE_POOL)
            .filter((pool) => poolCapacityTypes(pool).includes("spot") && pool.props.metadata?.annotations?.[SPOT_ALLOWED] !== "true")
            .map((pool) => ({
                urn: pool.urn,
                message: `NodePool ${pool.props.metadata?.name ?? pool.name} may launch spot, but its config does not allow spot (${SPOT_ALLOWED} is not "true")`,
            }));
        if (config.spotAllowed === false) {
            for (const ng of ofType(resources, "eks:index:ManagedNodeGroup").filter((n) => n.props.capacityType !== "ON_DEMAND")) {
                findings.push({
                    urn: ng.urn,
                    message: `the managed node group runs Karpenter and CoreDNS and the profile does not allow spot: capacityType must be ON_DEMAND, not ${ng.props.capacityType ?? "unset"}`,
                });
            }
        }
        return findings;
    },
};

const nodeClassMetadata: Rule = {
    name: "karpenter-nodeclass-imdsv2-hop-limit-1",
    description: "Karpenter's EC2NodeClasses require IMDSv2 with a hop limit of 1, like the managed nodes' launch template.",
    check(resources) {
        return ofType(resources, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass").flatMap((nc) => {
            // The CRD's defaults (httpTokens required, hop limit 1) apply when metadataOptions is left out.
            const m = nc.props.spec?.metadataOptions ?? { httpTokens: "required", httpPutResponseHopLimit: 1 };
            const problems: string[] = [];
            if (m.httpTokens !== "required") problems.push(`metadataOptions.httpTokens is ${m.httpTokens ?? "unset"}, not required`);
            if (m.httpPutResponseHopLimit !== 1) problems.push(`metadataOptions.httpPutResponseHopLimit is ${m.httpPutResponseHopLimit ?? "unset"}, not 1`);
            if (m.httpEndpoint === "disabled") problems.push("metadataOptions.httpEndpoint is disabled: nodeadm cannot read its configuration");
            return problems.map((message) => ({ urn: nc.urn, message }));
        });
    },
};

export const RULES: readonly Rule[] = [
    nodesInPrivateSubnets,
    imdsV2,
    secretsEncryption,
    publicEndpoint,
    ecrHygiene,
    ingressHttps,
    helmSecrets,
    irsaTrust,
    encryptedStorage,
    prodProtection,
    ingressAfterController,
    adminHostsRestricted,
    imdsHopLimit,
    namespacesDefaultDeny,
    nodePoolsLimited,
    spotWhereAllowed,
    nodeClassMetadata,
];

/** Policy pack config as `pulumi preview/up --policy-pack-config <file>` takes it: per policy name, its properties. */
export type PolicyPackConfig = Record<string, RuleConfig>;

/** The pack's config for a stack of this profile: each rule gets the guardrails it declares, nothing else. */
export function policyPackConfig(guardrails: Guardrails): PolicyPackConfig {
    return Object.fromEntries(RULES.filter((r) => r.config).map((r) => [r.name, Object.fromEntries((r.config ?? []).map((g) => [g, guardrails[g]]))]));
}

/** Every rule over the stack, each given its own config as CrossGuard's getConfig() would (config/analyzer reconcile: per policy name). */
export function evaluatePolicies(resources: PolicyTarget[], config: PolicyPackConfig): Violation[] {
    return RULES.flatMap((rule) => rule.check(resources, config[rule.name] ?? {}).map((f) => ({ policy: rule.name, ...f })));
}
