import { Problems } from "./problems";

export function checkInt(problems: Problems, key: string, raw: string | undefined, fallback: number, range: { min: number; max: number }): number {
    if (raw === undefined) return fallback;
    // Number() would also take "0x4", "4e0" and " 4 ": a stack file says what it means in plain digits.
    if (!/^\d{1,9}$/.test(raw)) {
        problems.add(key, `"${raw}" is not a whole number in plain decimal digits`);
        return fallback;
    }
    const n = Number(raw);
    if (n < range.min || n > range.max) problems.add(key, `${n} is outside ${range.min}..${range.max}`);
    return n;
}

/** Parses an IPv4 CIDR; undefined when it is not one. */
export function parseCidr(cidr: string): { address: number; prefix: number } | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    return { address: octets.reduce((a, o) => a * 256 + o, 0), prefix };
}

export function checkCidr(problems: Problems, key: string, cidr: string, range: { minPrefix: number; maxPrefix: number }): void {
    const parsed = parseCidr(cidr);
    if (!parsed) {
        problems.add(key, `"${cidr}" is not an IPv4 CIDR such as 10.0.0.0/16`);
        return;
    }
    const hostBits = 32 - parsed.prefix;
    if (parsed.prefix < 32 && parsed.address % 2 ** hostBits !== 0) {
        problems.add(key, `"${cidr}" has host bits set (the network address is not aligned to /${parsed.prefix})`);
    }
    if (parsed.prefix < range.minPrefix || parsed.prefix > range.maxPrefix) {
        problems.add(key, `"${cidr}" must have a prefix between /${range.minPrefix} and /${range.maxPrefix}`);
    }
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function isDomain(domain: string): boolean {
    const labels = domain.toLowerCase().split(".");
    const tld = labels[labels.length - 1];
    return domain.length <= 253 && labels.length >= 2 && labels.every((l) => LABEL.test(l)) && /^[a-z]{2,}$/.test(tld);
}

export function checkDomain(problems: Problems, key: string, domain: string): void {
    if (!isDomain(domain)) problems.add(key, `"${domain}" is not a domain name such as dev.example.com`);
}

export function checkHostedZoneId(problems: Problems, key: string, id: string): void {
    if (!/^Z[A-Z0-9]{6,31}$/.test(id)) problems.add(key, `"${id}" is not a Route53 hosted zone id (Z followed by letters and digits)`);
}

export const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

export type Partition = "aws" | "aws-cn" | "aws-us-gov";

export function partitionOf(region: string): Partition {
    return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

/**
 * An IAM principal of this stack's partition. EKS access entries and role trust policies name IAM roles and users;
 * an STS assumed-role ARN is one session of a role, so the role's own ARN is what they need.
 */
export function checkArn(problems: Problems, key: string, arn: string, partition: Partition, kinds: readonly ("role" | "user")[] = ["role", "user"]): void {
    const m = /^arn:([a-z-]+):(iam|sts)::(\d{12}):([a-z-]+)\/([\w+=,.@/-]{1,512})$/.exec(arn);
    const what = `IAM ${kinds.join(" or ")}`;
    if (!m) {
        problems.add(key, `"${arn}" is not an ${what} ARN`);
    } else if (m[4] === "assumed-role") {
        problems.add(key, `"${arn}" is an STS session (assumed-role), not an ${what}: use the role's ARN, arn:${m[1]}:iam::${m[3]}:role/${m[5].split("/")[0]}`);
    } else if (m[2] !== "iam" || !(kinds as string[]).includes(m[4])) {
        problems.add(key, `"${arn}" is not an ${what} ARN`);
    } else if (m[1] !== partition) {
        problems.add(key, `"${arn}" is in partition ${m[1]}, but this stack's region is in ${partition}`);
    }
}

/** Why a Pulumi stack name is not one (`name` or `org/project/name`), or undefined. Shared by config and the deploy CLI. */
export function stackNameProblem(stack: string): string | undefined {
    const parts = stack.split("/");
    const ok = (parts.length === 1 || parts.length === 3) && parts.every((p) => /^[A-Za-z0-9_.-]{1,100}$/.test(p) && p !== "." && p !== "..");
    return ok ? undefined : `"${stack}" is not a stack name (name or org/project/name; letters, digits, - _ .)`;
}

/** A stack name that also names a file (Pulumi.<stack>.yaml), so no org/project prefix. */
export function shortStackNameProblem(stack: string): string | undefined {
    return stackNameProblem(stack) ?? (stack.includes("/") ? `"${stack}" is not a short stack name: give the name in Pulumi.<stack>.yaml` : undefined);
}

/** An https URL with a valid host, such as the app URL a promotion checks after deploying. */
export function checkHttpsUrl(problems: Problems, key: string, raw: string): void {
    let url: URL | undefined;
    try {
        url = new URL(raw);
    } catch {
        // reported below
    }
    if (!url || url.protocol !== "https:" || url.username || url.password || !isDomain(url.hostname)) {
        problems.add(key, `"${raw}" is not an https:// URL with a domain name such as https://app.example.com`);
    }
}

// Repository names as the ECR API accepts them (CreateRepository: repositoryName pattern, 2..256 characters).
const ECR_REPOSITORY = /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>`, in this stack's partition. */
export function checkEcrRepositoryUrl(problems: Problems, key: string, url: string, partition: Partition): void {
    const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/(.+)$/.exec(url);
    if (!m || !REGION.test(m[2]) || !ECR_REPOSITORY.test(m[4]) || (m[3] === ".cn") !== (partitionOf(m[2]) === "aws-cn")) {
        problems.add(key, `"${url}" is not an ECR repository URL such as 111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/team/app`);
    } else if (partitionOf(m[2]) !== partition) {
        problems.add(
            key,
            `"${url}" is in partition ${partitionOf(m[2])}, but this stack's region is in ${partition}: the pipeline's credentials reach one partition`,
        );
    }
}

export function parseJson<T>(problems: Problems, key: string, raw: string | undefined, guard: (v: unknown) => v is T, what: string): T | undefined {
    if (raw === undefined) return undefined;
    try {
        const value: unknown = JSON.parse(raw);
        if (guard(value)) return value;
    } catch {
        // reported below, with what was expected
    }
    problems.add(key, `must be ${what}, got ${raw}`);
    return undefined;
}

export function checkGiSize(problems: Problems, key: string, size: string): void {
    if (!/^[1-9]\d*Gi$/.test(size)) problems.add(key, `"${size}" is not a size in Gi such as 20Gi`);
}

/** Why a container image tag cannot be deployed, or undefined when it can. Shared by config and the deploy CLI. */
export function imageTagProblem(tag: string): string | undefined {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) return `"${tag}" is not a container image tag`;
    if (tag === "latest") return '"latest" cannot be deployed: tags are immutable, so deploy the commit tag the pipeline pushed';
    return undefined;
}

// AWS tag rules common to every service (Tagging AWS resources, "Tag naming limits and requirements";
// the Resource Groups Tagging API's key/value pattern): 50 tags per resource, keys 1..128 and values 0..256
// characters, letters, digits, spaces and _ . : / = + - @, and no aws: prefix in any case.
const MAX_TAGS_PER_RESOURCE = 50;
// AWS allows Unicode letters in tags, but the stack's tags also become the EBS CSI add-on's
// controller.extraVolumeTags, whose configuration schema (describe-addon-configuration, aws-ebs-csi-driver) allows
// only ^[a-zA-Z0-9 _.:/=+\-@]*$: CreateAddon would refuse anything else.
const TAG_TEXT = /^[a-zA-Z0-9 _.:/=+\-@]*$/;
/** The tags every resource gets from the program (config/index.ts). */
export const PROGRAM_TAG_KEYS = ["Project", "Environment", "Stack", "ManagedBy"] as const;
// Set on single resources after the default tags, so a user tag of the same key is silently replaced there:
// Name (components, and awsx's Vpc on every child) and SubnetType (awsx 3.x awsx/ec2/vpc.ts, subnets and route tables).
const RESOURCE_TAG_KEYS = ["Name", "SubnetType"];
// A subnet carries the most tags the program adds: the four above, Name, SubnetType and the load balancer
// controller's two discovery tags (components/network.ts subnetTags).
const MOST_TAGS_ADDED = PROGRAM_TAG_KEYS.length + RESOURCE_TAG_KEYS.length + 2;
export const MAX_USER_TAGS = MAX_TAGS_PER_RESOURCE - MOST_TAGS_ADDED;

export function checkTags(problems: Problems, key: string, tags: Record<string, string>): void {
    const keys = Object.keys(tags);
    if (keys.length > MAX_USER_TAGS) {
        problems.add(
            key,
            `${keys.length} tags: AWS allows ${MAX_TAGS_PER_RESOURCE} per resource and the program adds up to ${MOST_TAGS_ADDED} (on subnets), so at most ${MAX_USER_TAGS}`,
        );
        return;
    }
    const owned = [...PROGRAM_TAG_KEYS, ...RESOURCE_TAG_KEYS];
    for (const [name, value] of Object.entries(tags)) {
        const shown = JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}...` : name);
        const clash = owned.find((o) => o.toLowerCase() === name.toLowerCase());
        if (name.toLowerCase().startsWith("aws:")) problems.add(key, `tag ${shown}: the aws: prefix is reserved for AWS`);
        else if (clash) problems.add(key, `tag ${shown}: the program sets ${clash} itself and would silently replace (or, differing in case, duplicate) it`);
        if ([...name].length < 1 || [...name].length > 128) problems.add(key, `tag ${shown}: keys are 1 to 128 characters`);
        if ([...value].length > 256) problems.add(key, `tag ${shown}: its value has ${[...value].length} characters, AWS allows 256`);
        if (!TAG_TEXT.test(name) || !TAG_TEXT.test(value))
            problems.add(
                key,
                `tag ${shown}: tags may hold only ASCII letters, digits, spaces and _ . : / = + - @ (what AWS and the EBS CSI add-on's volume tags both accept)`,
            );
    }
}

// Prometheus durations (one unit) in hours; ms, s and m are far below the lower bound anyway.
const HOURS: Record<string, number> = { h: 1, d: 24, w: 24 * 7, y: 24 * 365 };
/** Retention bounds: below a day an incident is gone before anyone looks; beyond a year belongs in long-term storage, not on one EBS volume. */
export const RETENTION_HOURS = { min: 24, max: 24 * 365 };

export function checkRetention(problems: Problems, key: string, retention: string): void {
    const m = /^(\d{1,6})([hdwy])$/.exec(retention);
    if (!m) {
        problems.add(key, `"${retention}" is not a Prometheus retention such as 15d (a number and one of h, d, w, y)`);
        return;
    }
    const hours = Number(m[1]) * HOURS[m[2]];
    if (hours < RETENTION_HOURS.min || hours > RETENTION_HOURS.max) problems.add(key, `"${retention}" is outside 1d..365d`);
}
