/**
 * Every stack setting the platform reads, declared once: its parser, its default (fixed, or per profile), whether it is
 * required or secret, and what it means. Validation (config/index.ts), the known-keys list, the typed settings and the
 * README's configuration table (`npm run docs`) are all derived from SCHEMA.
 */
import { checkDomain, checkHostedZoneId, checkRetention, checkTags, parseJson } from "./checks";
import type { APP_SCHEMA } from "./app";
import { Problems } from "./problems";
import { ADDON_VERSIONS } from "../components/cluster/addons";
import { KARPENTER_KEYS } from "./karpenter";
import { PROMOTION_KEYS } from "./promotion";
import {
    arns,
    bool,
    cidrs,
    decimal,
    fixed,
    giSize,
    int,
    isStringMap,
    list,
    oneOf,
    optional,
    Parser,
    perProfile,
    required,
    secret,
    SecretSpec,
    Spec,
    text,
    Values,
} from "./spec";

export * from "./spec";

/** A KMS key ARN in any region (the state bucket may live elsewhere); an alias ARN does not name the key IAM checks. */
const kmsKeyArn: Parser<string> = (raw, at) => {
    if (!new RegExp(`^arn:${at.partition}:kms:[a-z0-9-]+:\\d{12}:key/[0-9a-f-]{36}$`).test(raw)) {
        at.problems.add(at.key, `"${raw}" is not a KMS key ARN (arn:${at.partition}:kms:<region>:<account>:key/<key id>; not an alias)`);
    }
    return raw;
};

/** Kubernetes versions EKS supports (standard or extended) as of 2026-08; see shared/reference/eks/versions.yaml. */
export const SUPPORTED_KUBERNETES_VERSIONS = ["1.32", "1.33", "1.34", "1.35", "1.36"] as const;
/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy retentionInDays). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/** How a stack, platform or app, names its profile (config/profiles.ts). */
export const ENVIRONMENT_KEY = {
    "platform:environment": optional("The environment's profile (config/profiles.ts): its defaults and guardrails. Defaults to the stack's name.", text()),
};

const PLATFORM_KEYS = {
    ...ENVIRONMENT_KEY,
    "platform:tags": optional(
        "Extra tags on every AWS resource (Project, Environment, Stack, ManagedBy, Name and SubnetType are the program's); at most 42; keys 1–128, values up to 256 characters of letters, digits, spaces and `_ . : / = + - @`; no `aws:` prefix.",
        (raw, at) => {
            const tags = parseJson(at.problems, at.key, raw, isStringMap, "an object of string tags");
            if (tags) checkTags(at.problems, at.key, tags);
            return tags;
        },
    ),
    "network:vpcCidr": fixed(
        "The VPC's IPv4 range inside RFC 1918, /16 to /20: private subnets get an eighth each, public a sixty-fourth.",
        text(),
        "10.0.0.0/16",
    ),
    "network:azCount": perProfile("How many AZs the VPC and node group span.", int(1, 6)),
    "network:natStrategy": perProfile("single (one NAT gateway) or onePerAz.", oneOf("single", "onePerAz")),
    "cluster:version": fixed(
        "Kubernetes minor of the EKS control plane; upgrade one minor at a time.",
        text((p, key, version) => {
            if (!(SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(version)) {
                p.add(key, `"${version}" is not a Kubernetes version EKS supports (${SUPPORTED_KUBERNETES_VERSIONS.join(", ")})`);
            } else if (!(version in ADDON_VERSIONS)) {
                p.add(
                    key,
                    `"${version}" has no pinned EKS add-on builds (components/cluster/addons.ts lists ${Object.keys(ADDON_VERSIONS).join(", ")}): ` +
                        "add the vpc-cni, kube-proxy, coredns and aws-ebs-csi-driver builds for it, from `aws eks describe-addon-versions`, first",
                );
            }
        }),
        "1.35",
    ),
    "cluster:instanceTypes": perProfile("The node group's EC2 instance types; one architecture (Graviton types get the ARM AMI).", (raw, at) => {
        const types = list("a JSON list of instance types", (_, t) => {
            if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(t)) at.problems.add(at.key, `"${t}" is not an EC2 instance type`);
        })(raw, at);
        if (types?.length === 0) at.problems.add(at.key, "is empty: the node group needs at least one instance type");
        return types;
    }),
    "cluster:capacityType": perProfile("ON_DEMAND or SPOT.", oneOf("ON_DEMAND", "SPOT")),
    "cluster:minSize": perProfile("Fewest nodes.", int(0, 100)),
    "cluster:desiredSize": perProfile("Nodes at creation.", int(0, 100)),
    "cluster:maxSize": perProfile("Most nodes.", int(1, 100)),
    "cluster:diskSizeGiB": perProfile("Each node's root volume in GiB.", int(20, 1000)),
    "cluster:publicAccessCidrs": fixed(
        "CIDRs that reach the public API endpoint; empty = private only (then `pulumi up` must run inside the VPC, as Jenkins does); `/0` where the profile restricts the endpoint is a policy violation.",
        cidrs(0),
        [] as string[],
    ),
    "cluster:adminPrincipalArns": fixed(
        "IAM roles/users given cluster-admin through access entries; at least one; in the region's partition; an STS `assumed-role` session ARN is refused (give its role).",
        arns("a JSON list of IAM role/user ARNs"),
        [] as string[],
    ),
    "cluster:logTypes": perProfile(
        "Control-plane log types sent to CloudWatch (a JSON list).",
        list("a JSON list of log types", (at, t) => {
            if (!CONTROL_PLANE_LOG_TYPES.includes(t)) at.problems.add(at.key, `"${t}" is not one of ${CONTROL_PLANE_LOG_TYPES.join(", ")}`);
        }),
    ),
    "cluster:logRetentionDays": perProfile(
        "Days CloudWatch keeps the control-plane and container logs; a value CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, …).",
        (raw, at) => {
            const days = int(1, 3653)(raw, at);
            if (days !== undefined && !LOG_RETENTION_DAYS.includes(days))
                at.problems.add(at.key, `${days} is not a retention CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(", ")})`);
            return days;
        },
    ),
    "dns:domain": required(
        "The domain under which jenkins., grafana. and app. are served.",
        text(checkDomain),
        "the domain under which jenkins., grafana. and app. are served",
    ),
    "dns:hostedZoneId": required(
        "The Route53 public hosted zone that holds dns:domain.",
        text(checkHostedZoneId),
        "the Route53 hosted zone that holds dns:domain",
    ),
    "ingress:adminCidrs": required(
        "IPv4 CIDRs (office, VPN) the admin ALB (Jenkins, Grafana) admits; none broader than /8; the app's ALB stays open to everyone.",
        cidrs(0),
        'the networks (office, VPN) that may reach jenkins. and grafana., e.g. ["203.0.113.0/24"]',
    ),
    "registry:keepImages": fixed("How many images the app's registry keeps.", int(1, 1000), 30),
    "cicd:jenkins": perProfile("Run Jenkins in this stack; a stack without it is deployed to by another stack's pipeline.", bool),
    "cicd:gitRepoUrl": optional(
        "The repository Jenkins builds (https:// or ssh); required where Jenkins runs.",
        text((p, key, url) => {
            if (!/^(https:\/\/|git@|ssh:\/\/)\S+$/.test(url)) p.add(key, `"${url}" is not an https:// or ssh git URL`);
        }),
    ),
    "cicd:gitBranch": fixed("The branch the deploy job builds.", text(), "main"),
    "cicd:storageSize": perProfile("Jenkins' volume.", giSize),
    "cicd:stateBackendUrl": required(
        "The s3://bucket[/prefix] that holds Pulumi state.",
        text((p, key, url) => {
            if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^?\s]*)?(\?\S*)?$/.test(url)) p.add(key, `"${url}" is not an s3://bucket URL`);
        }),
        "the s3://bucket[/prefix] that holds Pulumi state, which deploys read and write",
    ),
    "cicd:trustedDeployerArns": fixed(
        "IAM roles/users of other stacks allowed to assume this stack's deploy role; required without Jenkins.",
        arns("a JSON list of IAM role ARNs"),
        [] as string[],
    ),
    "cicd:appSecretsKeyArn": optional("The app stack's awskms:// secrets-provider key; its deployer may Encrypt and Decrypt with it.", kmsKeyArn),
    "cicd:stateKeyArn": optional("The state bucket's SSE-KMS key; the app deployer may Decrypt and GenerateDataKey with it.", kmsKeyArn),
    "cicd:pipelineEgressCidrs": fixed(
        "Where the promoting pipeline reaches this API from (dev's NAT addresses, `/16`..`/32`), added to the endpoint's CIDRs; required without Jenkins.",
        cidrs(16),
        [] as string[],
    ),
    "cicd:jenkinsAdminPassword": secret("Jenkins' admin password; required where Jenkins runs."),
    "cicd:gitToken": secret("A token Jenkins clones a private repository with.", false),
    "cicd:gitReadToken": secret("A read-only token for the multibranch job, whose branch and pull-request builds can read it; required with gitToken.", false),
    "cicd:pulumiPassphrase": secret("The passphrase of passphrase-encrypted stacks, for the pipeline.", false),
    "observability:retention": perProfile("Prometheus retention: a number and h, d, w or y, from 1d to 365d.", text(checkRetention)),
    "observability:prometheusStorage": perProfile("Prometheus' volume.", giSize),
    "observability:alertmanagerStorage": fixed("Alertmanager's volume.", giSize, "5Gi"),
    "observability:grafanaStorage": fixed("Grafana's volume.", giSize, "10Gi"),
    "observability:errorRatio": fixed(
        "App 5xx ratio that alerts.",
        decimal((n) => n > 0 && n < 1, "a ratio between 0 and 1"),
        0.05,
    ),
    "observability:p99Seconds": fixed(
        "App p99 latency in seconds that alerts.",
        decimal((n) => n > 0 && n <= 60, "a number of seconds (0..60]"),
        0.5,
    ),
    "observability:grafanaAdminPassword": secret("Grafana's admin password."),
    "observability:alertSlackChannel": optional(
        "Slack channel for critical and warning alerts (needs alertSlackWebhookUrl).",
        text((p, key, c) => {
            if (!/^[#@]?[\w.-]{1,80}$/.test(c)) p.add(key, `"${c}" is not a Slack channel name such as #platform-alerts`);
        }),
    ),
    "observability:alertSlackWebhookUrl": secret("The Slack incoming webhook; required with alertSlackChannel."),
    "observability:alertEmailTo": optional("Alert email recipient (with alertEmailFrom and smtpSmarthost).", text(checkEmail)),
    "observability:alertEmailFrom": optional("Alert email sender.", text(checkEmail)),
    "observability:smtpSmarthost": optional(
        "SMTP host:port for alert email.",
        text((p, key, h) => {
            if (!/^[\w.-]+:\d{2,5}$/.test(h)) p.add(key, `"${h}" is not host:port, e.g. email-smtp.ap-northeast-2.amazonaws.com:587`);
        }),
    ),
    "observability:smtpUsername": optional("SMTP user (then smtpPassword is required).", text()),
    "observability:smtpPassword": secret("SMTP password; required with smtpUsername."),
    "observability:heartbeat": fixed("Send the always-firing Watchdog to heartbeatUrl (a dead man's switch).", bool, false),
    "observability:heartbeatUrl": secret("The heartbeat service's ping URL; required with heartbeat true."),
    "backup:retentionDays": perProfile("Days AWS Backup keeps each daily recovery point.", int(1, 3650)),
};

function checkEmail(p: Problems, key: string, v: string): void {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) p.add(key, `"${v}" is not an email address`);
}

/** Every key; a group declared in its own file joins with one spread here. */
export const SCHEMA = {
    ...PLATFORM_KEYS,
    ...KARPENTER_KEYS,
    ...PROMOTION_KEYS,
} satisfies Record<string, Spec<unknown> | SecretSpec>;

export type KeyName = keyof typeof SCHEMA;
/** Every non-secret setting, typed as its parser returns it. */
export type Settings = Values<typeof SCHEMA>;

/** Both programs' keys: the platform's and the app stack's (config/app.ts), which share the profiles. */
type BothSchemas = typeof SCHEMA & typeof APP_SCHEMA;
type ProfileKey = { [K in keyof BothSchemas]: BothSchemas[K] extends { kind: "profile" } ? K : never }[keyof BothSchemas];
/** What a profile must give a value for: every per-profile key of either program, typed as its parser returns it. */
export type ProfileDefaults = {
    readonly [K in ProfileKey]: Values<BothSchemas>[K] extends readonly (infer E)[] ? readonly E[] : Values<BothSchemas>[K];
};

export const SECRET_KEYS: readonly string[] = Object.entries(SCHEMA)
    .filter(([, s]) => s.kind === "secret" && s.placeholder)
    .map(([k]) => k);

/** Every key this program reads, by namespace, so that a typo in a stack file is an error rather than an ignored setting. */
export function knownKeys(): Record<string, readonly string[]> {
    return Object.keys(SCHEMA).reduce<Record<string, string[]>>((known, key) => {
        const [ns, name] = key.split(":");
        (known[ns] ??= []).push(name);
        return known;
    }, {});
}
