import * as pulumi from "@pulumi/pulumi";
import { ADDON_VERSIONS } from "../components/cluster/addons";
import { Problems } from "./problems";
import {
    checkArn, checkCidr, checkDomain, checkEcrRepositoryUrl, checkGiSize, checkHostedZoneId, checkHttpsUrl, checkInt, checkRetention, checkTags,
    imageTagProblem, parseCidr, parseJson, partitionOf, REGION, stackNameProblem,
} from "./checks";
import { AwsProviderSettings, awsProviderSettings } from "./provider";
import { KARPENTER_KEYS, KarpenterSettings, parseKarpenter } from "./karpenter";

export { ConfigError } from "./problems";

// The Network component's pure checks: what EC2, awsx and the ALB accept, and the AZs each region has.
import { regionAzNames, REGION_AZS_SOURCE } from "../components/network/region-azs";
import { networkProblems, privateRangeProblem, vpcCidrProblem } from "../components/network/vpc-layout";

export type Environment = "dev" | "prod";
export type NatStrategy = "single" | "onePerAz";
export type CapacityType = "ON_DEMAND" | "SPOT";

export interface NodeGroupSettings {
    readonly instanceTypes: readonly string[];
    readonly capacityType: CapacityType;
    readonly minSize: number;
    readonly desiredSize: number;
    readonly maxSize: number;
    readonly diskSizeGiB: number;
}

export interface PlatformConfig {
    readonly project: string;
    readonly stack: string;
    readonly environment: Environment;
    readonly region: string;
    /** The stack's other `aws:` keys, for the program's explicit AWS provider (which reads no stack config itself). */
    readonly awsProvider: AwsProviderSettings;
    /** Tags every AWS resource carries (through the provider's default tags). */
    readonly tags: Readonly<Record<string, string>>;
    readonly network: {
        readonly vpcCidr: string;
        readonly azCount: number;
        readonly natStrategy: NatStrategy;
    };
    readonly cluster: {
        /** Derived from project and stack so that Network can tag subnets before the cluster exists. */
        readonly name: string;
        readonly version: string;
        readonly nodeGroup: NodeGroupSettings;
        /** Empty means the public API endpoint is off and the cluster is reached only from inside the VPC. */
        readonly publicAccessCidrs: readonly string[];
        readonly adminPrincipalArns: readonly string[];
        readonly logTypes: readonly string[];
        /** Days CloudWatch keeps the control-plane and container logs. */
        readonly logRetentionDays: number;
    };
    readonly dns: {
        readonly domain: string;
        readonly hostedZoneId: string;
    };
    readonly ingress: {
        /** Source CIDRs of the admin ALB (Jenkins, Grafana); the app's ALB stays open to everyone. */
        readonly adminCidrs: readonly string[];
    };
    readonly app: {
        /** Unset until the pipeline's first build: the app workload is then not deployed (its registry is). */
        readonly imageTag?: string;
        readonly minReplicas: number;
        readonly maxReplicas: number;
        readonly logLevel: string;
        /** How many images the registry keeps. */
        readonly keepImages: number;
    };
    readonly cicd: {
        /** Run Jenkins in this stack (dev); other stacks are only deployed to, by promotion. */
        readonly jenkins: boolean;
        readonly gitRepoUrl?: string;
        readonly gitBranch: string;
        readonly storageSize: string;
        readonly stateBackendUrl: string;
        readonly trustedDeployerArns: readonly string[];
        readonly promoteTo?: Readonly<{ stack: string; deployRoleArn: string; repositoryUrl: string; appUrl: string }>;
        /** Jenkins user ids or groups who may approve a promotion to promoteTo (the `input` step's submitter). */
        readonly promoteApprovers: readonly string[];
        /** The app stack's awskms:// secrets-provider key; its deployer may Encrypt and Decrypt with it. */
        readonly appSecretsKeyArn?: string;
        /** The state bucket's SSE-KMS key, if it has one; the app deployer may Decrypt and GenerateDataKey with it. */
        readonly stateKeyArn?: string;
        /** Where the promoting pipeline reaches this cluster's API from (dev's NAT addresses); added to the public endpoint's CIDRs. */
        readonly pipelineEgressCidrs: readonly string[];
    };
    readonly observability: {
        readonly retention: string;
        readonly prometheusStorage: string;
        readonly alertmanagerStorage: string;
        readonly grafanaStorage: string;
        /** App 5xx ratio that alerts (0..1). */
        readonly errorRatio: number;
        /** App p99 latency in seconds that alerts. */
        readonly p99Seconds: number;
        readonly alerts: AlertReceiverSettings;
    };
    readonly backup: {
        /** Days AWS Backup keeps each daily recovery point. */
        readonly retentionDays: number;
    };
    readonly karpenter: KarpenterSettings;
}

/** Where Alertmanager sends alerts; the webhook URLs and SMTP password are secrets (PlatformSecrets). */
export interface AlertReceiverSettings {
    readonly slackChannel?: string;
    readonly email?: Readonly<{ to: string; from: string; smarthost: string; username?: string }>;
    /** Send the always-firing Watchdog to observability:heartbeatUrl (a dead man's switch service). */
    readonly heartbeat: boolean;
}

/** Kubernetes versions EKS supports (standard or extended) as of 2026-08; see shared/reference/eks/versions.yaml. */
export const SUPPORTED_KUBERNETES_VERSIONS = ["1.32", "1.33", "1.34", "1.35", "1.36"] as const;
const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

interface Defaults {
    retention: string;
    prometheusStorage: string;
    jenkins: boolean;
    jenkinsStorage: string;
    replicas: { min: number; max: number };
    azCount: number;
    natStrategy: NatStrategy;
    nodeGroup: NodeGroupSettings;
    logTypes: string[];
    logRetentionDays: number;
    backupRetentionDays: number;
}

const DEFAULTS: Record<Environment, Defaults> = {
    // dev: cheap to leave running; one NAT and spot nodes are acceptable losses.
    dev: {
        retention: "7d",
        prometheusStorage: "20Gi",
        jenkins: true,
        jenkinsStorage: "20Gi",
        replicas: { min: 2, max: 4 },
        azCount: 2,
        natStrategy: "single",
        nodeGroup: { instanceTypes: ["t3.large", "t3a.large"], capacityType: "SPOT", minSize: 1, desiredSize: 2, maxSize: 3, diskSizeGiB: 50 },
        logTypes: ["api", "audit"],
        logRetentionDays: 14,
        backupRetentionDays: 7,
    },
    // prod: survives the loss of an AZ, so NAT per AZ and on-demand capacity.
    prod: {
        retention: "30d",
        prometheusStorage: "100Gi",
        jenkins: false,
        jenkinsStorage: "50Gi",
        replicas: { min: 3, max: 12 },
        azCount: 3,
        natStrategy: "onePerAz",
        nodeGroup: { instanceTypes: ["m6i.xlarge", "m6a.xlarge"], capacityType: "ON_DEMAND", minSize: 3, desiredSize: 3, maxSize: 9, diskSizeGiB: 100 },
        logTypes: CONTROL_PLANE_LOG_TYPES,
        logRetentionDays: 90,
        backupRetentionDays: 35,
    },
};

/** The broadest source CIDR the admin ALB accepts: a /8 is already sixteen million addresses. */
export const MIN_ADMIN_PREFIX = 8;

const MIN_AZS: Record<Environment, number> = { dev: 2, prod: 3 };

/** Every key this program reads, so that a typo in a stack file is an error rather than a silently ignored setting. */
export const KNOWN_KEYS: Record<string, readonly string[]> = {
    platform: ["environment", "tags"],
    network: ["vpcCidr", "azCount", "natStrategy"],
    cluster: ["version", "instanceTypes", "capacityType", "minSize", "desiredSize", "maxSize", "diskSizeGiB", "publicAccessCidrs", "adminPrincipalArns", "logTypes", "logRetentionDays"],
    dns: ["domain", "hostedZoneId"],
    ingress: ["adminCidrs"],
    app: ["imageTag", "minReplicas", "maxReplicas", "logLevel", "keepImages"],
    cicd: ["jenkins", "gitRepoUrl", "gitBranch", "storageSize", "stateBackendUrl", "trustedDeployerArns", "promoteTo", "promoteApprovers", "jenkinsAdminPassword", "gitToken", "gitReadToken", "pulumiPassphrase", "appSecretsKeyArn", "stateKeyArn", "pipelineEgressCidrs"],
    observability: ["retention", "prometheusStorage", "alertmanagerStorage", "grafanaStorage", "errorRatio", "p99Seconds", "grafanaAdminPassword",
        "alertSlackChannel", "alertSlackWebhookUrl", "alertEmailTo", "alertEmailFrom", "smtpSmarthost", "smtpUsername", "smtpPassword", "heartbeat", "heartbeatUrl"],
    backup: ["retentionDays"],
    karpenter: KARPENTER_KEYS,
};

/** Secret keys: never read as plain strings; the offline plan supplies placeholders for them. */
export const SECRET_KEYS: readonly string[] = [
    "cicd:jenkinsAdminPassword", "observability:grafanaAdminPassword",
    "observability:alertSlackWebhookUrl", "observability:smtpPassword", "observability:heartbeatUrl",
];

/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy retentionInDays). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

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

// Namespaces outside KNOWN_KEYS that a stack file may use, and why the others are refused.
const PULUMI_KEYS = ["disable-default-providers"];
const KUBERNETES_REFUSED = "is not read: every Kubernetes resource goes through the cluster's own provider, and an explicit provider reads no stack config";

export type RawConfig = Readonly<Record<string, string | undefined>>;

/** Known keys with the same name in another namespace, for "did you mean". */
function lookalikes(name: string): string[] {
    return Object.entries(KNOWN_KEYS).filter(([, keys]) => keys.includes(name)).map(([ns]) => `${ns}:${name}`);
}

function checkKeyNames(problems: Problems, raw: RawConfig, project: string): void {
    for (const key of Object.keys(raw)) {
        const at = key.indexOf(":");
        const [ns, name] = at < 0 ? [project, key] : [key.slice(0, at), key.slice(at + 1)];
        const known = KNOWN_KEYS[ns];
        const hint = lookalikes(name).length > 0 ? `; did you mean ${lookalikes(name).join(" or ")}?` : "";
        if (known) {
            if (!known.includes(name)) problems.add(key, `is not a setting this program reads (known ${ns} keys: ${known.join(", ")})`);
        } else if (ns === "aws") {
            continue; // awsProviderSettings knows the provider's keys
        } else if (ns === "kubernetes") {
            problems.add(key, KUBERNETES_REFUSED);
        } else if (ns === "pulumi") {
            if (!PULUMI_KEYS.includes(name)) problems.add(key, `is not a Pulumi engine setting this program allows (${PULUMI_KEYS.join(", ")})`);
        } else if (ns === project) {
            problems.add(key, `is not a setting this program reads: a key without a namespace belongs to the project (${project}:) and the program reads none${hint}`);
        } else {
            problems.add(key, `"${ns}" is not a namespace this program reads (${[...Object.keys(KNOWN_KEYS), "aws", "pulumi"].join(", ")})${hint}`);
        }
    }
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
    const get = (key: string): string | undefined => {
        const value = raw[key];
        return value === undefined || value.trim() === "" ? undefined : value;
    };
    checkKeyNames(problems, raw, project);

    const envRaw = get("platform:environment") ?? stack;
    const environment = envRaw === "dev" || envRaw === "prod" ? envRaw : undefined;
    if (!environment) {
        problems.add("platform:environment", `unknown environment "${envRaw}": set it to dev or prod (it defaults to the stack name)`);
    }
    const env: Environment = environment ?? "dev";
    const d = DEFAULTS[env];

    const region = get("aws:region");
    if (!region) {
        problems.add("aws:region", "is required (pulumi config set aws:region ap-northeast-2)");
    } else if (!REGION.test(region)) {
        problems.add("aws:region", `"${region}" is not an AWS region name`);
    }
    const partition = partitionOf(region ?? "");
    const awsProvider = awsProviderSettings(problems, raw);

    const extraTags = parseJson<Record<string, string>>(problems, "platform:tags", get("platform:tags"), isStringMap, "an object of string tags") ?? {};
    checkTags(problems, "platform:tags", extraTags);

    const vpcCidr = get("network:vpcCidr") ?? "10.0.0.0/16";
    const azCount = checkInt(problems, "network:azCount", get("network:azCount"), d.azCount, { min: 1, max: 6 });
    if (azCount < MIN_AZS[env]) {
        problems.add("network:azCount", `${azCount} AZs is below the ${MIN_AZS[env]} a ${env} stack needs to survive the loss of an AZ`);
    }
    // Exactly what EC2, awsx's subnet arithmetic and the ALB accept (the Network component's own functions), in a private range.
    const cidrProblem = vpcCidrProblem(vpcCidr) ?? privateRangeProblem(vpcCidr);
    if (cidrProblem) problems.add("network:vpcCidr", cidrProblem);
    else if (azCount >= 1) for (const why of networkProblems(vpcCidr, azCount)) problems.add("network:vpcCidr/azCount", why);
    const regionAzs = region ? regionAzNames(region) : undefined;
    if (region && !regionAzs) {
        pulumi.log.warn(`network:azCount: cannot check ${azCount} AZs against ${region}, which ${REGION_AZS_SOURCE} does not list; awsx fails at deploy if the region has fewer`);
    } else if (regionAzs && azCount > regionAzs.length) {
        problems.add("network:azCount", `${region} has ${regionAzs.length} AZs (${regionAzs.join(", ")}; ${REGION_AZS_SOURCE}), fewer than ${azCount}: awsx would fail to pick them`);
    }
    const natRaw = get("network:natStrategy") ?? d.natStrategy;
    if (natRaw !== "single" && natRaw !== "onePerAz") {
        problems.add("network:natStrategy", `"${natRaw}" is not single or onePerAz`);
    } else if (env === "prod" && natRaw === "single") {
        problems.add("network:natStrategy", "prod needs onePerAz: a single NAT makes one AZ's outage take every node offline");
    }

    const version = get("cluster:version") ?? "1.35";
    if (!(SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(version)) {
        problems.add("cluster:version", `"${version}" is not a Kubernetes version EKS supports (${SUPPORTED_KUBERNETES_VERSIONS.join(", ")})`);
    } else if (!(version in ADDON_VERSIONS)) {
        problems.add("cluster:version", `"${version}" has no pinned EKS add-on builds (components/addons.ts lists ${Object.keys(ADDON_VERSIONS).join(", ")}): `
            + "add the vpc-cni, kube-proxy, coredns and aws-ebs-csi-driver builds for it, from `aws eks describe-addon-versions`, first");
    }

    const instanceTypes = parseJson<string[]>(problems, "cluster:instanceTypes", get("cluster:instanceTypes"), isStringArray, "a JSON list of instance types") ?? d.nodeGroup.instanceTypes;
    if (instanceTypes.length === 0) {
        problems.add("cluster:instanceTypes", "is empty: the node group needs at least one instance type");
    }
    for (const t of instanceTypes) {
        if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(t)) problems.add("cluster:instanceTypes", `"${t}" is not an EC2 instance type`);
    }
    const capacityRaw = get("cluster:capacityType") ?? d.nodeGroup.capacityType;
    if (capacityRaw !== "ON_DEMAND" && capacityRaw !== "SPOT") {
        problems.add("cluster:capacityType", `"${capacityRaw}" is not ON_DEMAND or SPOT`);
    }
    const minSize = checkInt(problems, "cluster:minSize", get("cluster:minSize"), d.nodeGroup.minSize, { min: 0, max: 100 });
    const desiredSize = checkInt(problems, "cluster:desiredSize", get("cluster:desiredSize"), d.nodeGroup.desiredSize, { min: 0, max: 100 });
    const maxSize = checkInt(problems, "cluster:maxSize", get("cluster:maxSize"), d.nodeGroup.maxSize, { min: 1, max: 100 });
    if (env === "prod" && desiredSize === 0) {
        problems.add("cluster:desiredSize", "prod cannot run on zero nodes");
    }
    if (env === "prod" && minSize === 0) {
        problems.add("cluster:minSize", "prod cannot scale to zero nodes: the app, ingress controller and monitoring would stop");
    }
    if (!(minSize <= desiredSize && desiredSize <= maxSize)) {
        problems.add("cluster:minSize/desiredSize/maxSize", `need min <= desired <= max, got ${minSize} / ${desiredSize} / ${maxSize}`);
    }
    const diskSizeGiB = checkInt(problems, "cluster:diskSizeGiB", get("cluster:diskSizeGiB"), d.nodeGroup.diskSizeGiB, { min: 20, max: 1000 });

    const publicAccessCidrs = parseJson<string[]>(problems, "cluster:publicAccessCidrs", get("cluster:publicAccessCidrs"), isStringArray, "a JSON list of CIDRs") ?? [];
    // An open prod endpoint is the policy eks-public-endpoint-restricted-in-prod's to refuse (plan and previews).
    for (const cidr of publicAccessCidrs) checkCidr(problems, "cluster:publicAccessCidrs", cidr, { minPrefix: 0, maxPrefix: 32 });
    const adminPrincipalArns = parseJson<string[]>(problems, "cluster:adminPrincipalArns", get("cluster:adminPrincipalArns"), isStringArray, "a JSON list of IAM role/user ARNs") ?? [];
    for (const arn of adminPrincipalArns) checkArn(problems, "cluster:adminPrincipalArns", arn, partition);
    // The cluster has no other admin: EKS's bootstrap creator entry is off (components/cluster.ts), and the program's
    // own Kubernetes provider authenticates as whoever runs `pulumi up`.
    if (adminPrincipalArns.length === 0) {
        problems.add("cluster:adminPrincipalArns", "is empty: list the IAM role or user you run `pulumi up` as (and any other admins); the cluster has no other admin");
    }
    const logTypes = parseJson<string[]>(problems, "cluster:logTypes", get("cluster:logTypes"), isStringArray, "a JSON list of log types") ?? d.logTypes;
    for (const t of logTypes) {
        if (!CONTROL_PLANE_LOG_TYPES.includes(t)) problems.add("cluster:logTypes", `"${t}" is not one of ${CONTROL_PLANE_LOG_TYPES.join(", ")}`);
    }

    const logRetentionDays = checkInt(problems, "cluster:logRetentionDays", get("cluster:logRetentionDays"), d.logRetentionDays, { min: 1, max: 3653 });
    if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) problems.add("cluster:logRetentionDays", `${logRetentionDays} is not a retention CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(", ")})`);

    const domain = get("dns:domain");
    if (!domain) problems.add("dns:domain", "is required: the domain under which jenkins., grafana. and app. are served");
    else checkDomain(problems, "dns:domain", domain);
    const hostedZoneId = get("dns:hostedZoneId");
    if (!hostedZoneId) problems.add("dns:hostedZoneId", "is required: the Route53 hosted zone that holds dns:domain");
    else checkHostedZoneId(problems, "dns:hostedZoneId", hostedZoneId);

    const adminCidrs = parseJson<string[]>(problems, "ingress:adminCidrs", get("ingress:adminCidrs"), isStringArray, "a JSON list of CIDRs") ?? [];
    if (get("ingress:adminCidrs") === undefined) {
        problems.add("ingress:adminCidrs", "is required: the networks (office, VPN) that may reach jenkins. and grafana., e.g. [\"203.0.113.0/24\"]");
    } else if (adminCidrs.length === 0) {
        problems.add("ingress:adminCidrs", "is empty: an admin ALB that admits nobody; name the networks that may reach jenkins. and grafana.");
    }
    for (const cidr of adminCidrs) {
        checkCidr(problems, "ingress:adminCidrs", cidr, { minPrefix: 0, maxPrefix: 32 });
        const prefix = parseCidr(cidr)?.prefix;
        if (prefix !== undefined && prefix < MIN_ADMIN_PREFIX) {
            problems.add("ingress:adminCidrs", `"${cidr}" is broader than /${MIN_ADMIN_PREFIX}: it would open Jenkins' and Grafana's login pages to much of the internet`);
        }
    }

    const imageTag = get("app:imageTag");
    const tagProblem = imageTag === undefined ? undefined : imageTagProblem(imageTag);
    if (tagProblem) problems.add("app:imageTag", tagProblem);
    const minReplicas = checkInt(problems, "app:minReplicas", get("app:minReplicas"), d.replicas.min, { min: 1, max: 100 });
    const maxReplicas = checkInt(problems, "app:maxReplicas", get("app:maxReplicas"), d.replicas.max, { min: 1, max: 500 });
    if (minReplicas > maxReplicas) problems.add("app:minReplicas/maxReplicas", `min ${minReplicas} is above max ${maxReplicas}`);
    if (env === "prod" && minReplicas < 2) problems.add("app:minReplicas", "prod needs at least 2 replicas so a node or AZ loss is not an outage");
    const logLevel = get("app:logLevel") ?? "info";
    if (!["debug", "info", "warn", "error"].includes(logLevel)) problems.add("app:logLevel", `"${logLevel}" is not debug, info, warn or error`);
    const keepImages = checkInt(problems, "app:keepImages", get("app:keepImages"), 30, { min: 1, max: 1000 });

    const jenkinsRaw = get("cicd:jenkins");
    if (jenkinsRaw !== undefined && jenkinsRaw !== "true" && jenkinsRaw !== "false") problems.add("cicd:jenkins", `"${jenkinsRaw}" is not true or false`);
    const jenkins = jenkinsRaw === undefined ? d.jenkins : jenkinsRaw === "true";
    const gitRepoUrl = get("cicd:gitRepoUrl");
    if (jenkins && !gitRepoUrl) problems.add("cicd:gitRepoUrl", "is required where Jenkins runs: the repository its pipeline builds");
    if (gitRepoUrl && !/^(https:\/\/|git@|ssh:\/\/)\S+$/.test(gitRepoUrl)) problems.add("cicd:gitRepoUrl", `"${gitRepoUrl}" is not an https:// or ssh git URL`);
    const gitBranch = get("cicd:gitBranch") ?? "main";
    const storageSize = get("cicd:storageSize") ?? d.jenkinsStorage;
    checkGiSize(problems, "cicd:storageSize", storageSize);
    const stateBackendUrl = get("cicd:stateBackendUrl");
    if (!stateBackendUrl) problems.add("cicd:stateBackendUrl", "is required: the s3://bucket[/prefix] that holds Pulumi state, which deploys read and write");
    else if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^?\s]*)?(\?\S*)?$/.test(stateBackendUrl)) problems.add("cicd:stateBackendUrl", `"${stateBackendUrl}" is not an s3://bucket URL`);
    const trustedDeployerArns = parseJson<string[]>(problems, "cicd:trustedDeployerArns", get("cicd:trustedDeployerArns"), isStringArray, "a JSON list of IAM role ARNs") ?? [];
    for (const arn of trustedDeployerArns) checkArn(problems, "cicd:trustedDeployerArns", arn, partition);
    if (!jenkins && trustedDeployerArns.length === 0) {
        problems.add("cicd:trustedDeployerArns", "is empty and this stack runs no Jenkins: list the Jenkins agent role that promotes to it (the dev stack's jenkinsAgentRoleArn output)");
    }
    const promoteTo = parseJson<{ stack: string; deployRoleArn: string; repositoryUrl: string; appUrl: string }>(problems, "cicd:promoteTo", get("cicd:promoteTo"), isPromotion,
        "an object {stack, deployRoleArn, repositoryUrl, appUrl} (the target stack's outputs)");
    if (promoteTo) {
        const stackProblem = stackNameProblem(promoteTo.stack);
        if (stackProblem) problems.add("cicd:promoteTo.stack", stackProblem);
        checkArn(problems, "cicd:promoteTo.deployRoleArn", promoteTo.deployRoleArn, partition, ["role"]);
        checkEcrRepositoryUrl(problems, "cicd:promoteTo.repositoryUrl", promoteTo.repositoryUrl, partition);
        checkHttpsUrl(problems, "cicd:promoteTo.appUrl", promoteTo.appUrl);
    }
    const promoteApprovers = parseJson<string[]>(problems, "cicd:promoteApprovers", get("cicd:promoteApprovers"), isStringArray, "a JSON list of Jenkins user ids or groups") ?? [];
    // The input step's submitter is a comma-separated list: a comma or space inside a name would split or break it.
    for (const a of promoteApprovers) if (!/^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(a)) problems.add("cicd:promoteApprovers", `"${a}" is not a Jenkins user id or group name (letters, digits, . _ @ -)`);
    // Jenkins' built-in groups: every logged-in user, or nobody.
    for (const a of promoteApprovers) if (["authenticated", "anonymous"].includes(a.toLowerCase())) problems.add("cicd:promoteApprovers", `"${a}" is a built-in group (every user or none), not an approver`);
    if (promoteTo && jenkins && promoteApprovers.length === 0) problems.add("cicd:promoteApprovers", "is required with cicd:promoteTo: the Jenkins users or groups who may approve a promotion (otherwise anyone who may build the job could)");
    const kmsKey = (key: string) => {
        const arn = get(key);
        // Any region: the state bucket may live elsewhere. An alias ARN does not name the key IAM checks.
        if (arn !== undefined && !new RegExp(`^arn:${partition}:kms:[a-z0-9-]+:\\d{12}:key/[0-9a-f-]{36}$`).test(arn)) {
            problems.add(key, `"${arn}" is not a KMS key ARN (arn:${partition}:kms:<region>:<account>:key/<key id>; not an alias)`);
        }
        return arn;
    };
    const appSecretsKeyArn = kmsKey("cicd:appSecretsKeyArn");
    const stateKeyArn = kmsKey("cicd:stateKeyArn");
    const pipelineEgressCidrs = parseJson<string[]>(problems, "cicd:pipelineEgressCidrs", get("cicd:pipelineEgressCidrs"), isStringArray, "a JSON list of CIDRs") ?? [];
    for (const cidr of pipelineEgressCidrs) checkCidr(problems, "cicd:pipelineEgressCidrs", cidr, { minPrefix: 16, maxPrefix: 32 });
    // A stack promoted to from another stack's Jenkins is reached through its public endpoint, from that stack's NAT addresses.
    if (!jenkins && publicAccessCidrs.length === 0) {
        problems.add("cluster:publicAccessCidrs", "is empty (private endpoint only), but this stack is deployed to by another stack's pipeline, which cannot reach a private endpoint");
    } else if (!jenkins && pipelineEgressCidrs.length === 0) {
        problems.add("cicd:pipelineEgressCidrs", "is empty, so the promoting pipeline cannot reach this cluster's API: list the promoting stack's NAT gateway addresses as /32 CIDRs (aws ec2 describe-nat-gateways --filter Name=vpc-id,Values=<its vpcId>)");
    }

    const retention = get("observability:retention") ?? d.retention;
    checkRetention(problems, "observability:retention", retention);
    const size = (key: string, fallback: string) => {
        const v = get(key) ?? fallback;
        checkGiSize(problems, key, v);
        return v;
    };
    const prometheusStorage = size("observability:prometheusStorage", d.prometheusStorage);
    const alertmanagerStorage = size("observability:alertmanagerStorage", "5Gi");
    const grafanaStorage = size("observability:grafanaStorage", "10Gi");
    const decimal = (key: string, fallback: string) => {
        const v = get(key) ?? fallback;
        return /^\d{1,3}(\.\d{1,6})?$/.test(v) ? Number(v) : NaN;
    };
    const errorRatio = decimal("observability:errorRatio", "0.05");
    if (!(errorRatio > 0 && errorRatio < 1)) problems.add("observability:errorRatio", `${get("observability:errorRatio")} is not a ratio between 0 and 1 in decimal digits`);
    const p99Seconds = decimal("observability:p99Seconds", "0.5");
    if (!(p99Seconds > 0 && p99Seconds <= 60)) problems.add("observability:p99Seconds", `${get("observability:p99Seconds")} is not a number of seconds (0..60] in decimal digits`);

    const alerts = alertReceivers(problems, get, env);
    const karpenter = parseKarpenter(problems, get, env, jenkins);
    const backupRetentionDays = checkInt(problems, "backup:retentionDays", get("backup:retentionDays"), d.backupRetentionDays, { min: 1, max: 3650 });

    problems.throwIfAny(stack);

    return deepFreeze<PlatformConfig>({
        project,
        stack,
        environment: env,
        region: region!,
        awsProvider,
        tags: { ...extraTags, Project: project, Environment: env, Stack: stack, ManagedBy: "pulumi" },
        network: { vpcCidr, azCount, natStrategy: natRaw as NatStrategy },
        cluster: {
            name: `${project}-${stack}`,
            version,
            nodeGroup: { instanceTypes, capacityType: capacityRaw as CapacityType, minSize, desiredSize, maxSize, diskSizeGiB },
            publicAccessCidrs,
            adminPrincipalArns,
            logTypes,
            logRetentionDays,
        },
        dns: { domain: domain!.toLowerCase(), hostedZoneId: hostedZoneId! },
        ingress: { adminCidrs },
        app: { imageTag, minReplicas, maxReplicas, logLevel, keepImages },
        cicd: { jenkins, gitRepoUrl, gitBranch, storageSize, stateBackendUrl: stateBackendUrl!, trustedDeployerArns, promoteTo, promoteApprovers, appSecretsKeyArn, stateKeyArn, pipelineEgressCidrs },
        observability: { retention, prometheusStorage, alertmanagerStorage, grafanaStorage, errorRatio, p99Seconds, alerts },
        backup: { retentionDays: backupRetentionDays },
        karpenter,
    });
}

function alertReceivers(problems: Problems, get: (key: string) => string | undefined, env: Environment): AlertReceiverSettings {
    const slackChannel = get("observability:alertSlackChannel");
    if (slackChannel !== undefined && !/^[#@]?[\w.-]{1,80}$/.test(slackChannel)) problems.add("observability:alertSlackChannel", `"${slackChannel}" is not a Slack channel name such as #platform-alerts`);
    const emailKeys = ["observability:alertEmailTo", "observability:alertEmailFrom", "observability:smtpSmarthost"];
    const [to, from, smarthost] = emailKeys.map(get);
    let email: AlertReceiverSettings["email"];
    if (to !== undefined || from !== undefined || smarthost !== undefined) {
        emailKeys.filter((k) => get(k) === undefined).forEach((k) => problems.add(k, `is required with ${emailKeys.filter((o) => get(o) !== undefined).join(", ")}: email alerts need a recipient, a sender and an SMTP host`));
        for (const [key, v] of [["observability:alertEmailTo", to], ["observability:alertEmailFrom", from]]) {
            if (v !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) problems.add(key!, `"${v}" is not an email address`);
        }
        if (smarthost !== undefined && !/^[\w.-]+:\d{2,5}$/.test(smarthost)) problems.add("observability:smtpSmarthost", `"${smarthost}" is not host:port, e.g. email-smtp.ap-northeast-2.amazonaws.com:587`);
        if (to && from && smarthost) email = { to, from, smarthost, username: get("observability:smtpUsername") };
    }
    const heartbeatRaw = get("observability:heartbeat") ?? "false";
    if (heartbeatRaw !== "true" && heartbeatRaw !== "false") problems.add("observability:heartbeat", `"${heartbeatRaw}" is not true or false`);
    // Without a receiver every alert goes to the chart's "null" receiver: nobody learns prod is down.
    if (env === "prod" && slackChannel === undefined && email === undefined) {
        problems.add("observability:alertSlackChannel/alertEmailTo", "prod needs somewhere to send alerts: set a Slack channel (and the secret alertSlackWebhookUrl) or email settings");
    }
    return { slackChannel, email, heartbeat: heartbeatRaw === "true" };
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
    jenkinsAdminPassword?: pulumi.Output<string>;
    gitToken?: pulumi.Output<string>;
    gitReadToken?: pulumi.Output<string>;
    pulumiPassphrase?: pulumi.Output<string>;
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
        problems.add("cicd:gitReadToken", "is required with cicd:gitToken: a read-only token for the multibranch job, whose builds can read it: pulumi config set --secret cicd:gitReadToken <token>");
    }
    problems.throwIfAny(config.stack);
    return { grafanaAdminPassword: grafanaAdminPassword!, alertSecrets, jenkinsAdminPassword, gitToken, gitReadToken, pulumiPassphrase: cicd.getSecret("pulumiPassphrase") };
}

function isStringArray(v: unknown): v is string[] {
    return Array.isArray(v) && v.every((x) => typeof x === "string");
}

function isPromotion(v: unknown): v is { stack: string; deployRoleArn: string; repositoryUrl: string; appUrl: string } {
    return isStringMap(v) && ["stack", "deployRoleArn", "repositoryUrl", "appUrl"].every((k) => typeof v[k] === "string");
}

function isStringMap(v: unknown): v is Record<string, string> {
    return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
}

function deepFreeze<T>(o: T): T {
    if (o && typeof o === "object") {
        Object.values(o as object).forEach(deepFreeze);
        Object.freeze(o);
    }
    return o;
}
