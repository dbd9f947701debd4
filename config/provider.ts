import type { ProviderArgs } from "@pulumi/aws";
import { Problems } from "./problems";

type Kind = "string" | "boolean" | "integer" | "string[]" | "object" | "object[]";

/**
 * The `aws:` keys a stack file may hold: exactly the configuration of the @pulumi/aws 7.48.0 provider
 * (node_modules/@pulumi/aws/config/vars.d.ts), each with the kind vars.js reads it as (`get` is a string,
 * `getObject` JSON). `region` is read by parseConfig itself; `defaultTags` is refused (platform:tags sets them).
 */
const AWS_PROVIDER_KEYS: Readonly<Record<string, Kind>> = {
    accessKey: "string",
    allowedAccountIds: "string[]",
    assumeRoleWithWebIdentity: "object",
    assumeRoles: "object[]",
    customCaBundle: "string",
    defaultTags: "object",
    ec2MetadataServiceEndpoint: "string",
    ec2MetadataServiceEndpointMode: "string",
    endpoints: "object[]",
    forbiddenAccountIds: "string[]",
    httpProxy: "string",
    httpsProxy: "string",
    ignoreTags: "object",
    insecure: "boolean",
    maxRetries: "integer",
    noProxy: "string",
    profile: "string",
    region: "string",
    retryMode: "string",
    s3UsEast1RegionalEndpoint: "string",
    s3UsePathStyle: "boolean",
    secretKey: "string",
    sharedConfigFiles: "string[]",
    sharedCredentialsFiles: "string[]",
    skipCredentialsValidation: "boolean",
    skipMetadataApiCheck: "boolean",
    skipRegionValidation: "boolean",
    skipRequestingAccountId: "boolean",
    stsRegion: "string",
    tagPolicyCompliance: "string",
    token: "string",
    tokenBucketRateLimiterCapacity: "integer",
    useDualstackEndpoint: "boolean",
    useFipsEndpoint: "boolean",
    userAgents: "string[]",
};

/** Provider settings from the stack's `aws:` keys, for the program's one explicit AWS provider. */
export type AwsProviderSettings = Omit<ProviderArgs, "region" | "defaultTags">;

const isObject = (v: unknown): boolean => typeof v === "object" && v !== null && !Array.isArray(v);
const FITS: Record<Kind, (v: unknown) => boolean> = {
    string: (v) => typeof v === "string",
    boolean: (v) => typeof v === "boolean",
    integer: (v) => Number.isInteger(v),
    "string[]": (v) => Array.isArray(v) && v.every((x) => typeof x === "string"),
    object: isObject,
    "object[]": (v) => Array.isArray(v) && v.every(isObject),
};

/**
 * Checks every `aws:` key and returns the settings the provider must be given. The program's AWS provider is
 * explicit (index.ts), and an explicit provider reads no stack config (by design: pulumi/pulumi-aws#1307, #3259),
 * so a key that is accepted here but not handed over would be silently ignored.
 */
export function awsProviderSettings(problems: Problems, raw: Readonly<Record<string, string | undefined>>): AwsProviderSettings {
    const settings: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
        if (!key.startsWith("aws:") || value === undefined || value === "") continue;
        const name = key.slice("aws:".length);
        const kind = AWS_PROVIDER_KEYS[name];
        if (!kind) {
            problems.add(
                key,
                `is not a setting of the AWS provider (@pulumi/aws 7.48.0 reads ${Object.keys(AWS_PROVIDER_KEYS)
                    .filter((k) => k !== "defaultTags")
                    .join(", ")})`,
            );
        } else if (name === "defaultTags") {
            problems.add(key, "is set by the program from platform:tags (with Project, Environment, Stack, ManagedBy): put extra tags there");
        } else if (name !== "region") {
            let parsed: unknown = value;
            if (kind !== "string") {
                try {
                    parsed = JSON.parse(value);
                } catch {
                    parsed = undefined;
                }
            }
            if (FITS[kind](parsed)) settings[name] = parsed;
            else problems.add(key, `must be ${kind === "integer" ? "a whole number" : kind === "boolean" ? "true or false" : `a JSON ${kind}`}, got ${value}`);
        }
    }
    return settings;
}
