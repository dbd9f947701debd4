import * as pulumi from "@pulumi/pulumi";
import { Problems } from "./problems";
import { parseCidr, Partition, partitionOf, REGION } from "./checks";
import { environmentOf, Profile, profileNamed, resolveProfile } from "./profiles";
import { APP_CONFIG_KEYS } from "./app";
import { AwsProviderSettings, awsProviderSettings } from "./provider";
import { checkNodeClassTags, KarpenterSettings, parseKarpenter } from "./karpenter";
import { parsePromotions, PromotionStage } from "./promotion";
import { Frozen, grouped, Grouped, knownKeys, merged, Merged, pick, ProfileDefaults, readValues, restated, SCHEMA, Settings, without } from "./schema";

export { ConfigError } from "./problems";
export { Guardrails, Profile, PROFILES } from "./profiles";
export { knownKeys, LOG_RETENTION_DAYS, SECRET_KEYS, SUPPORTED_KUBERNETES_VERSIONS } from "./schema";

// The Network component's pure checks: what EC2, awsx and the ALB accept, and the AZs each region has.
import { regionAzNames, REGION_AZS_SOURCE } from "../components/network/region-azs";
import { networkProblems, privateRangeProblem, vpcCidrProblem } from "../components/network/vpc-layout";

export type NatStrategy = Settings["network:natStrategy"];
export type CapacityType = Settings["cluster:capacityType"];

/** The system node group's settings, one sub-object because the Cluster component takes them as one. */
const NODE_GROUP_KEYS = [
    "cluster:instanceTypes",
    "cluster:capacityType",
    "cluster:minSize",
    "cluster:desiredSize",
    "cluster:maxSize",
    "cluster:diskSizeGiB",
] as const;
export type NodeGroupSettings = Grouped<Pick<Settings, (typeof NODE_GROUP_KEYS)[number]>>["cluster"];

/** Where Jenkins runs in this stack (dev); other stacks are only deployed to, by promotion. */
const JENKINS_KEYS = ["cicd:jenkins", "cicd:gitRepoUrl", "cicd:gitBranch", "cicd:storageSize", "cicd:promoteTo", "cicd:promoteApprovers"] as const;
export type JenkinsSettings = Frozen<{
    gitRepoUrl: string;
    gitBranch: string;
    storageSize: string;
    /** The stages the pipeline promotes its image through after this stack, in order (config/promotion.ts). */
    promotions: PromotionStage[];
}>;

/** Where Alertmanager sends alerts; the webhook URLs and SMTP password are secrets (PlatformSecrets). */
const ALERT_KEYS = [
    "observability:alertSlackChannel",
    "observability:alertEmailTo",
    "observability:alertEmailFrom",
    "observability:smtpSmarthost",
    "observability:smtpUsername",
    "observability:heartbeat",
] as const;
export interface AlertReceiverSettings {
    readonly slackChannel?: string;
    readonly email?: Readonly<{ to: string; from: string; smarthost: string; username?: string }>;
    /** Send the always-firing Watchdog to observability:heartbeatUrl (a dead man's switch service). */
    readonly heartbeat: boolean;
}

/** Settings that reach PlatformConfig only through a composite part (Composite) rather than as themselves. */
const CONSUMED = ["platform:environment", "platform:tags", ...NODE_GROUP_KEYS, ...JENKINS_KEYS, ...ALERT_KEYS, "karpenter:general", "karpenter:ci"] as const;
/** The settings folded into a composite part. */
export type Consumed = (typeof CONSUMED)[number];

/** The parts of PlatformConfig that are more than one setting as it was parsed; each is built beside its checks. */
interface Composite {
    readonly project: string;
    readonly stack: string;
    /** The profile's name (platform:environment): also the Environment tag. */
    readonly environment: string;
    /** Defaults and guardrails of the stack's environment; branch on these, never on the environment's name. */
    readonly profile: Profile;
    readonly region: string;
    /** The stack's other `aws:` keys, for the program's explicit AWS provider (which reads no stack config itself). */
    readonly awsProvider: AwsProviderSettings;
    /** Tags every AWS resource carries (through the provider's default tags). */
    readonly tags: Readonly<Record<string, string>>;
    readonly cluster: {
        /** Derived from project and stack so that Network can tag subnets before the cluster exists. */
        readonly name: string;
        readonly nodeGroup: NodeGroupSettings;
    };
    readonly dns: { readonly domain: string };
    readonly cicd: { readonly jenkins?: JenkinsSettings };
    readonly observability: { readonly alerts: AlertReceiverSettings };
    readonly karpenter: KarpenterSettings;
}

/**
 * The validated stack config: every setting of config/schema.ts grouped by namespace (`"ns:key"` is `config.ns.key`),
 * with the composite parts laid over them. A plain key added to SCHEMA reaches it with no other edit.
 */
export type PlatformConfig = Merged<Grouped<Omit<Settings, Consumed>>, Composite>;

/** The broadest source CIDR the admin ALB accepts: a /8 is already sixteen million addresses. */
export const MIN_ADMIN_PREFIX = 8;

/**
 * A Kubernetes upgrade moves one minor at a time (EKS UpdateClusterVersion refuses more, and the add-on pins of
 * the minor in between would be skipped). Undefined when `to` is allowed from `from`.
 */
export function versionJumpProblem(from: string, to: string): string | undefined {
    const minor = (v: string) => /^1\.(\d+)$/.exec(v)?.[1];
    const [a, b] = [minor(from), minor(to)];
    if (a === undefined || b === undefined) return undefined;
    if (Number(b) - Number(a) > 1) return `${from} -> ${to} skips a minor: upgrade one minor at a time (${from} -> 1.${Number(a) + 1} first)`;
    if (Number(b) < Number(a)) return `${from} -> ${to} is a downgrade, which EKS refuses`;
    return undefined;
}

// Namespaces outside knownKeys() that a stack file may use, and why the others are refused.
const PULUMI_KEYS = ["disable-default-providers"];
const KUBERNETES_REFUSED = "is not read: every Kubernetes resource goes through the cluster's own provider, and an explicit provider reads no stack config";

/** Keys this program no longer reads, and where their setting went. */
const MOVED: Readonly<Record<string, string>> = {
    "app:keepImages": "moved to registry:keepImages: how many images the registry keeps is the platform's setting",
};

export type RawConfig = Readonly<Record<string, string | undefined>>;

/** Known keys with the same name in another namespace, for "did you mean". */
function lookalikes(known: Record<string, readonly string[]>, name: string): string[] {
    return Object.entries(known)
        .filter(([, keys]) => keys.includes(name))
        .map(([ns]) => `${ns}:${name}`);
}

function checkKeyNames(problems: Problems, raw: RawConfig, project: string): void {
    const knownByNamespace = knownKeys();
    for (const key of Object.keys(raw)) {
        const at = key.indexOf(":");
        const [ns, name] = at < 0 ? [project, key] : [key.slice(0, at), key.slice(at + 1)];
        const known = knownByNamespace[ns];
        const similar = lookalikes(knownByNamespace, name);
        const hint = similar.length > 0 ? `; did you mean ${similar.join(" or ")}?` : "";
        if (key in MOVED) {
            problems.add(key, MOVED[key]);
        } else if (ns === "app") {
            problems.add(key, `is the app stack's setting: set it in appstack/Pulumi.<stack>.yaml (the app stack's keys: ${APP_CONFIG_KEYS.join(", ")})`);
        } else if (known) {
            if (!known.includes(name)) problems.add(key, `is not a setting this program reads (known ${ns} keys: ${known.join(", ")})`);
        } else if (ns === "aws") {
            continue; // awsProviderSettings knows the provider's keys
        } else if (ns === "kubernetes") {
            problems.add(key, KUBERNETES_REFUSED);
        } else if (ns === "pulumi") {
            if (!PULUMI_KEYS.includes(name)) problems.add(key, `is not a Pulumi engine setting this program allows (${PULUMI_KEYS.join(", ")})`);
        } else if (ns === project) {
            problems.add(
                key,
                `is not a setting this program reads: a key without a namespace belongs to the project (${project}:) and the program reads none${hint}`,
            );
        } else {
            problems.add(key, `"${ns}" is not a namespace this program reads (${[...Object.keys(knownByNamespace), "aws", "pulumi"].join(", ")})${hint}`);
        }
    }
}

/** Each setting's value: the stack file's, else the profile's or the fixed default; problems name the key. */
function readSettings(problems: Problems, raw: RawConfig, profile: Profile, partition: Partition): Settings {
    return readValues(SCHEMA, problems, raw, partition, (key) => profile.defaults[key as keyof ProfileDefaults]) as Settings;
}

/** Settings the stack file restates with the value its profile (or the schema) already gives. */
export function restatedDefaults(raw: RawConfig, stack: string): string[] {
    const profile = profileNamed(environmentOf(raw, stack));
    if (!profile) return [];
    return restated(SCHEMA, raw, partitionOf(raw["aws:region"] ?? ""), {
        name: profile.name,
        default: (key) => profile.defaults[key as keyof ProfileDefaults],
    });
}

/** A value a profile's guardrail refuses, named by key, value and rule. */
function guardrail(problems: Problems, profile: Profile, key: string, value: unknown, rule: string, why: string): void {
    problems.add(key, `${JSON.stringify(value)} breaks profile ${profile.name}'s guardrail ${rule}: ${why}`);
}

/**
 * Turns raw stack config ("namespace:key" -> string, as Pulumi stores it) into a validated, frozen object.
 * Collects every problem before failing so one run names all bad keys.
 */
export function parseConfig(raw: RawConfig, project: string, stack: string): PlatformConfig {
    const problems = new Problems();
    // An empty value would otherwise fall back to the default unnoticed.
    for (const [key, value] of Object.entries(raw)) {
        if (value !== undefined && value.trim() === "") problems.add(key, "is set but empty: give it a value, or remove the key to use the default");
    }
    checkKeyNames(problems, raw, project);
    const profile = resolveProfile(problems, raw, stack);
    const rules = profile.guardrails;

    // Empty only when the problem below has been reported, and parseConfig throws.
    const region = raw["aws:region"]?.trim() ? raw["aws:region"] : "";
    if (!region) {
        problems.add("aws:region", "is required (pulumi config set aws:region ap-northeast-2)");
    } else if (!REGION.test(region)) {
        problems.add("aws:region", `"${region}" is not an AWS region name`);
    }
    const partition = partitionOf(region);
    const awsProvider = awsProviderSettings(problems, raw);
    const s = readSettings(problems, raw, profile, partition);

    const { "network:vpcCidr": vpcCidr, "network:azCount": azCount, "network:natStrategy": natStrategy } = s;
    if (azCount < rules.minAzs) {
        problems.add(
            "network:azCount",
            `${azCount} AZs is below the ${rules.minAzs} profile ${profile.name} needs (guardrail minAzs) to survive the loss of an AZ`,
        );
    }
    // Exactly what EC2, awsx's subnet arithmetic and the ALB accept (the Network component's own functions), in a private range.
    const cidrProblem = vpcCidrProblem(vpcCidr) ?? privateRangeProblem(vpcCidr);
    if (cidrProblem) problems.add("network:vpcCidr", cidrProblem);
    else if (azCount >= 1) for (const why of networkProblems(vpcCidr, azCount)) problems.add("network:vpcCidr/azCount", why);
    const regionAzs = region ? regionAzNames(region) : undefined;
    if (region && !regionAzs) {
        void pulumi.log.warn(
            `network:azCount: cannot check ${azCount} AZs against ${region}, which ${REGION_AZS_SOURCE} does not list; awsx fails at deploy if the region has fewer`,
        );
    } else if (regionAzs && azCount > regionAzs.length) {
        problems.add(
            "network:azCount",
            `${region} has ${regionAzs.length} AZs (${regionAzs.join(", ")}; ${REGION_AZS_SOURCE}), fewer than ${azCount}: awsx would fail to pick them`,
        );
    }
    if (rules.natPerAz && natStrategy === "single") {
        guardrail(problems, profile, "network:natStrategy", natStrategy, "natPerAz (onePerAz)", "a single NAT makes one AZ's outage take every node offline");
    }

    const { "cluster:minSize": minSize, "cluster:desiredSize": desiredSize, "cluster:maxSize": maxSize, "cluster:capacityType": capacityType } = s;
    if (desiredSize < rules.minNodes) {
        guardrail(problems, profile, "cluster:desiredSize", desiredSize, `minNodes ${rules.minNodes}`, `${profile.name} cannot run on zero nodes`);
    }
    if (minSize < rules.minNodes) {
        guardrail(
            problems,
            profile,
            "cluster:minSize",
            minSize,
            `minNodes ${rules.minNodes}`,
            `${profile.name} cannot scale to zero nodes: the app, ingress controller and monitoring would stop`,
        );
    }
    if (!(minSize <= desiredSize && desiredSize <= maxSize)) {
        problems.add("cluster:minSize/desiredSize/maxSize", `need min <= desired <= max, got ${minSize} / ${desiredSize} / ${maxSize}`);
    }
    if (!rules.spotAllowed && capacityType === "SPOT") {
        problems.add(
            "cluster:capacityType",
            `${profile.name}'s system node group runs Karpenter and CoreDNS: it must be ON_DEMAND ` +
                `(${JSON.stringify(capacityType)} breaks profile ${profile.name}'s guardrail spotAllowed false: spot nodes can all be reclaimed at once)`,
        );
    }
    // An open endpoint is the policy eks-public-endpoint-restricted's to refuse (plan and previews).
    const publicAccessCidrs = s["cluster:publicAccessCidrs"];
    const adminPrincipalArns = s["cluster:adminPrincipalArns"];
    // The cluster has no other admin: EKS's bootstrap creator entry is off (components/cluster/index.ts), and the program's
    // own Kubernetes provider authenticates as whoever runs `pulumi up`.
    if (adminPrincipalArns.length === 0) {
        problems.add(
            "cluster:adminPrincipalArns",
            "is empty: list the IAM role or user you run `pulumi up` as (and any other admins); the cluster has no other admin",
        );
    }

    const adminCidrs = s["ingress:adminCidrs"] ?? [];
    if (raw["ingress:adminCidrs"] !== undefined && adminCidrs.length === 0) {
        problems.add("ingress:adminCidrs", "is empty: an admin ALB that admits nobody; name the networks that may reach jenkins. and grafana.");
    }
    for (const cidr of adminCidrs) {
        const prefix = parseCidr(cidr)?.prefix;
        if (prefix !== undefined && prefix < MIN_ADMIN_PREFIX) {
            problems.add(
                "ingress:adminCidrs",
                `"${cidr}" is broader than /${MIN_ADMIN_PREFIX}: it would open Jenkins' and Grafana's login pages to much of the internet`,
            );
        }
    }

    const jenkins = s["cicd:jenkins"];
    const trustedDeployerArns = s["cicd:trustedDeployerArns"];
    if (!jenkins && trustedDeployerArns.length === 0) {
        problems.add(
            "cicd:trustedDeployerArns",
            "is empty and this stack runs no Jenkins: list the Jenkins agent role that promotes to it (the dev stack's jenkinsAgentRoleArn output)",
        );
    }
    const pipelineEgressCidrs = s["cicd:pipelineEgressCidrs"];
    const promotions = parsePromotions(problems, s["cicd:promoteTo"], s["cicd:promoteApprovers"], stack, jenkins, partition);
    // A stack promoted to from another stack's Jenkins is reached through its public endpoint, from that stack's NAT addresses.
    if (!jenkins && publicAccessCidrs.length === 0) {
        problems.add(
            "cluster:publicAccessCidrs",
            "is empty (private endpoint only), but this stack is deployed to by another stack's pipeline, which cannot reach a private endpoint",
        );
    } else if (!jenkins && pipelineEgressCidrs.length === 0) {
        problems.add(
            "cicd:pipelineEgressCidrs",
            "is empty, so the promoting pipeline cannot reach this cluster's API: list the promoting stack's NAT gateway addresses as /32 CIDRs (aws ec2 describe-nat-gateways --filter Name=vpc-id,Values=<its vpcId>)",
        );
    }

    const alerts = alertReceivers(problems, s, profile);
    const karpenter = parseKarpenter(problems, s, profile.defaults, jenkins, raw["karpenter:ci"] !== undefined);
    const jenkinsSettings = jenkinsOf(problems, s, promotions);
    const extraTags = s["platform:tags"] ?? {};
    checkNodeClassTags(problems, "platform:tags", extraTags);

    problems.throwIfAny(stack);
    // A warning, not a refusal: restating pins a value against a later change of the profile, which may be meant.
    for (const warning of restatedDefaults(raw, stack)) void pulumi.log.warn(warning);

    const composite: Composite = {
        project,
        stack,
        environment: profile.name,
        profile,
        region,
        awsProvider,
        tags: { ...extraTags, Project: project, Environment: profile.name, Stack: stack, ManagedBy: "pulumi" },
        cluster: { name: `${project}-${stack}`, nodeGroup: grouped(pick(s, NODE_GROUP_KEYS)).cluster },
        dns: { domain: s["dns:domain"].toLowerCase() },
        cicd: { jenkins: jenkinsSettings },
        observability: { alerts },
        karpenter,
    };
    return deepFreeze(merged(grouped(without(s, CONSUMED)), composite));
}

/** The Jenkins group where it runs: its repository is required there. */
function jenkinsOf(problems: Problems, s: Settings, promotions: PromotionStage[]): JenkinsSettings | undefined {
    const gitRepoUrl = s["cicd:gitRepoUrl"];
    if (!s["cicd:jenkins"]) return undefined;
    if (!gitRepoUrl) {
        problems.add("cicd:gitRepoUrl", "is required where Jenkins runs: the repository its pipeline builds");
        return undefined;
    }
    return {
        gitRepoUrl,
        gitBranch: s["cicd:gitBranch"],
        storageSize: s["cicd:storageSize"],
        promotions,
    };
}

function alertReceivers(problems: Problems, s: Settings, profile: Profile): AlertReceiverSettings {
    const slackChannel = s["observability:alertSlackChannel"];
    const emailKeys = ["observability:alertEmailTo", "observability:alertEmailFrom", "observability:smtpSmarthost"] as const;
    const [to, from, smarthost] = emailKeys.map((k) => s[k]);
    let email: AlertReceiverSettings["email"];
    if (to !== undefined || from !== undefined || smarthost !== undefined) {
        emailKeys
            .filter((k) => s[k] === undefined)
            .forEach((k) =>
                problems.add(
                    k,
                    `is required with ${emailKeys.filter((o) => s[o] !== undefined).join(", ")}: email alerts need a recipient, a sender and an SMTP host`,
                ),
            );
        if (to && from && smarthost) email = { to, from, smarthost, username: s["observability:smtpUsername"] };
    }
    // Without a receiver every alert goes to the chart's "null" receiver: nobody learns the stack is down.
    if (profile.guardrails.alertsRequired && slackChannel === undefined && email === undefined) {
        problems.add(
            "observability:alertSlackChannel/alertEmailTo",
            `profile ${profile.name}'s guardrail alertsRequired: ${profile.name} needs somewhere to send alerts: set a Slack channel (and the secret alertSlackWebhookUrl) or email settings`,
        );
    }
    return { slackChannel, email, heartbeat: s["observability:heartbeat"] };
}

/** Reads the current stack's config. The only place the program touches pulumi.Config. */
export function loadConfig(): PlatformConfig {
    return parseConfig(pulumi.runtime.allConfig(), pulumi.getProject(), pulumi.getStack());
}

export interface AlertSecrets {
    slackWebhookUrl?: pulumi.Output<string>;
    smtpPassword?: pulumi.Output<string>;
    heartbeatUrl?: pulumi.Output<string>;
}

export interface PlatformSecrets {
    grafanaAdminPassword: pulumi.Output<string>;
    /** The receivers' secrets, present where their receiver is configured. */
    alertSecrets: AlertSecrets;
    /** Present exactly where Jenkins runs (config.cicd.jenkins). */
    jenkins?: {
        adminPassword: pulumi.Output<string>;
        gitToken?: pulumi.Output<string>;
        gitReadToken?: pulumi.Output<string>;
        pulumiPassphrase?: pulumi.Output<string>;
    };
}

/**
 * Secrets from stack config (`pulumi config set --secret ns:key`), kept secret in state and outputs.
 * Kept apart from PlatformConfig so that object stays plain, frozen data.
 */
export function loadSecrets(config: PlatformConfig): PlatformSecrets {
    const cicd = new pulumi.Config("cicd");
    const problems = new Problems();
    const jenkinsAdminPassword = cicd.getSecret("jenkinsAdminPassword");
    if (config.cicd.jenkins && jenkinsAdminPassword === undefined) {
        problems.add("cicd:jenkinsAdminPassword", "is required where Jenkins runs: pulumi config set --secret cicd:jenkinsAdminPassword <password>");
    }
    const grafanaAdminPassword = new pulumi.Config("observability").getSecret("grafanaAdminPassword");
    if (grafanaAdminPassword === undefined) {
        problems.add("observability:grafanaAdminPassword", "is required: pulumi config set --secret observability:grafanaAdminPassword <password>");
    }
    const alerts = config.observability.alerts;
    const required = (key: string, when: boolean, why: string) => {
        const value = new pulumi.Config("observability").getSecret(key);
        if (when && value === undefined) problems.add(`observability:${key}`, `is required ${why}: pulumi config set --secret observability:${key} <value>`);
        return when ? value : undefined;
    };
    const alertSecrets: AlertSecrets = {
        slackWebhookUrl: required("alertSlackWebhookUrl", alerts.slackChannel !== undefined, "with observability:alertSlackChannel"),
        smtpPassword: alerts.email?.username !== undefined ? required("smtpPassword", true, "with observability:smtpUsername") : undefined,
        heartbeatUrl: required("heartbeatUrl", alerts.heartbeat, "with observability:heartbeat true"),
    };
    const gitToken = cicd.getSecret("gitToken");
    const gitReadToken = cicd.getSecret("gitReadToken");
    // Branch and pull-request builds can read the multibranch job's token: it must not be the deploy folder's.
    if (config.cicd.jenkins && gitToken !== undefined && gitReadToken === undefined) {
        problems.add(
            "cicd:gitReadToken",
            "is required with cicd:gitToken: a read-only token for the multibranch job, whose builds can read it: pulumi config set --secret cicd:gitReadToken <token>",
        );
    }
    problems.throwIfAny(config.stack);
    const jenkins =
        config.cicd.jenkins && jenkinsAdminPassword
            ? { adminPassword: jenkinsAdminPassword, gitToken, gitReadToken, pulumiPassphrase: cicd.getSecret("pulumiPassphrase") }
            : undefined;
    // Unset, its problem was reported above and loadSecrets threw: the empty output is never used.
    return { grafanaAdminPassword: grafanaAdminPassword ?? pulumi.output(""), alertSecrets, jenkins };
}

function deepFreeze<T>(o: T): T {
    if (o && typeof o === "object") {
        Object.values(o as object).forEach(deepFreeze);
        Object.freeze(o);
    }
    return o;
}
