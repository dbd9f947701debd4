import { Problems } from "./problems";

export function checkInt(problems: Problems, key: string, raw: string | undefined, fallback: number, range: { min: number; max: number }): number {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n)) {
        problems.add(key, `"${raw}" is not a whole number`);
        return fallback;
    }
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

export function checkDomain(problems: Problems, key: string, domain: string): void {
    const labels = domain.toLowerCase().split(".");
    const tld = labels[labels.length - 1];
    if (domain.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || !/^[a-z]{2,}$/.test(tld)) {
        problems.add(key, `"${domain}" is not a domain name such as dev.example.com`);
    }
}

export function checkHostedZoneId(problems: Problems, key: string, id: string): void {
    if (!/^Z[A-Z0-9]{6,31}$/.test(id)) problems.add(key, `"${id}" is not a Route53 hosted zone id (Z followed by letters and digits)`);
}

export function checkArn(problems: Problems, key: string, arn: string): void {
    if (!/^arn:aws(-cn|-us-gov)?:(iam|sts)::\d{12}:(role|user|assumed-role)\/[\w+=,.@/-]+$/.test(arn)) {
        problems.add(key, `"${arn}" is not an IAM role or user ARN`);
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
    if (tag === "latest") return "\"latest\" cannot be deployed: tags are immutable, so deploy the commit tag the pipeline pushed";
    return undefined;
}
