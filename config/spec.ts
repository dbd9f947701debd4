/**
 * The schema mechanism: how a setting is declared (its parser, how it gets a default, whether it is secret) and the
 * parsers. Apart from config/schema.ts so that a group declared in its own file (config/karpenter.ts) can use them
 * while SCHEMA spreads that group in: a cycle through schema.ts would leave one side's exports undefined at load.
 */
import { checkArn, checkCidr, checkGiSize, checkInt, parseJson, Partition } from "./checks";
import { Problems } from "./problems";

export interface ParseContext {
    readonly problems: Problems;
    readonly key: string;
    /** The partition of the stack's region, for ARNs. */
    readonly partition: Partition;
}

export type Parser<T> = (raw: string, at: ParseContext) => T | undefined;

export interface Common<T> {
    readonly description: string;
    /** Reads a present, non-empty value, reporting problems under the key; undefined when it cannot be used. */
    readonly parse: Parser<T>;
}

/** How a key gets a value when the stack file does not set it. */
export type Fixed<T> = Common<T> & { readonly kind: "fixed"; readonly default: T };
export type PerProfile<T> = Common<T> & { readonly kind: "profile" };
export type Required<T> = Common<T> & { readonly kind: "required"; readonly why: string };
export type Optional<T> = Common<T> & { readonly kind: "optional" };
export type Spec<T> = Fixed<T> | PerProfile<T> | Required<T> | Optional<T>;

/** A secret is never parsed here: loadSecrets reads it as a secret Output. */
export interface SecretSpec {
    readonly kind: "secret";
    readonly description: string;
    /** The offline plan supplies a placeholder (it is required, or required with another setting). */
    readonly placeholder: boolean;
}

export const fixed = <T>(description: string, parse: Parser<T>, value: T): Fixed<T> => ({ kind: "fixed", description, parse, default: value });
export const perProfile = <T>(description: string, parse: Parser<T>): PerProfile<T> => ({ kind: "profile", description, parse });
export const required = <T>(description: string, parse: Parser<T>, why: string): Required<T> => ({ kind: "required", description, parse, why });
export const optional = <T>(description: string, parse: Parser<T>): Optional<T> => ({ kind: "optional", description, parse });
export const secret = (description: string, placeholder = true): SecretSpec => ({ kind: "secret", description, placeholder });

// Parsers, each reporting under the key it is given.

const listed = (values: readonly string[]) => (values.length <= 2 ? values.join(" or ") : `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`);

export const text =
    (check?: (p: Problems, key: string, v: string) => void): Parser<string> =>
    (raw, at) => {
        check?.(at.problems, at.key, raw);
        return raw;
    };

export const oneOf =
    <const V extends string>(...values: V[]): Parser<V> =>
    (raw, at) => {
        if ((values as string[]).includes(raw)) return raw as V;
        at.problems.add(at.key, `"${raw}" is not ${listed(values)}`);
        return undefined;
    };

export const int =
    (min: number, max: number): Parser<number> =>
    (raw, at) => {
        const n = checkInt(at.problems, at.key, raw, NaN, { min, max });
        return Number.isNaN(n) ? undefined : n;
    };

export const bool: Parser<boolean> = (raw, at) => {
    if (raw === "true" || raw === "false") return raw === "true";
    at.problems.add(at.key, `"${raw}" is not true or false`);
    return undefined;
};

/** A decimal in plain digits (no 0x, exponent or sign) inside (min, max] (or (min, max) when maxExclusive). */
export const decimal =
    (within: (n: number) => boolean, what: string): Parser<number> =>
    (raw, at) => {
        const n = /^\d{1,3}(\.\d{1,6})?$/.test(raw) ? Number(raw) : NaN;
        if (within(n)) return n;
        at.problems.add(at.key, `${raw} is not ${what} in decimal digits`);
        return undefined;
    };

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
export const isStringMap = (v: unknown): v is Record<string, string> =>
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");

/** A JSON list of strings, each checked. */
export const list =
    (what: string, each?: (at: ParseContext, item: string) => void): Parser<string[]> =>
    (raw, at) => {
        const items = parseJson<string[]>(at.problems, at.key, raw, isStringArray, what);
        if (items) for (const item of items) each?.(at, item);
        return items;
    };

export const cidrs = (minPrefix: number) => list("a JSON list of CIDRs", (at, c) => checkCidr(at.problems, at.key, c, { minPrefix, maxPrefix: 32 }));
export const arns = (what: string) => list(what, (at, arn) => checkArn(at.problems, at.key, arn, at.partition));
export const giSize = text(checkGiSize);

type ValueOf<S> = S extends Optional<infer T> ? T | undefined : S extends Common<infer T> ? T : never;

/** The values a schema's keys parse to, secrets aside. */
export type Values<S> = { -readonly [K in keyof S as S[K] extends SecretSpec ? never : K]: ValueOf<S[K]> };

/** Each key's value from raw config: the given one parsed, else its default (fixed, or `profileDefault`); problems name the key. */
export function readValues(
    schema: Readonly<Record<string, Spec<unknown> | SecretSpec>>,
    problems: Problems,
    raw: Readonly<Record<string, string | undefined>>,
    partition: Partition,
    profileDefault: (key: string) => unknown = () => undefined,
): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(schema)) {
        if (spec.kind === "secret") continue;
        const given = raw[key];
        const parsed = given === undefined || given.trim() === "" ? undefined : spec.parse(given, { problems, key, partition });
        if (parsed !== undefined) values[key] = parsed;
        else if (spec.kind === "fixed") values[key] = spec.default;
        else if (spec.kind === "profile") values[key] = profileDefault(key);
        else if (spec.kind === "required" && given === undefined) problems.add(key, `is required: ${spec.why}`);
        // An unset key is still listed, so that its namespace exists in the grouped settings.
        if (!(key in values)) values[key] = undefined;
    }
    return values;
}

/**
 * Settings `raw` restates with the value its profile (or the schema) already gives: a stack file states only what
 * differs, so that a profile's change reaches every stack that did not choose otherwise.
 */
export function restated(
    schema: Readonly<Record<string, Spec<unknown> | SecretSpec>>,
    raw: Readonly<Record<string, string | undefined>>,
    partition: Partition,
    profile: { name: string; default: (key: string) => unknown },
): string[] {
    const found: string[] = [];
    for (const [key, spec] of Object.entries(schema)) {
        const given = raw[key];
        if (given === undefined || (spec.kind !== "fixed" && spec.kind !== "profile")) continue;
        const fallback = spec.kind === "fixed" ? spec.default : profile.default(key);
        const parsed = spec.parse(given, { problems: new Problems(), key, partition });
        if (parsed !== undefined && JSON.stringify(parsed) === JSON.stringify(fallback)) {
            found.push(
                `${key}: restates ${spec.kind === "fixed" ? "the default" : `profile ${profile.name}'s default`} ${JSON.stringify(fallback)}: remove it (stack files state only what differs from their profile)`,
            );
        }
    }
    return found;
}

type Namespace<K> = K extends `${infer NS}:${string}` ? NS : never;
type Flat<T> = { [K in keyof T]: T[K] };
type InNamespace<V, NS extends string> = Flat<
    { readonly [K in keyof V as K extends `${NS}:${infer Name}` ? (undefined extends V[K] ? never : Name) : never]: Frozen<V[K]> } & {
        readonly [K in keyof V as K extends `${NS}:${infer Name}` ? (undefined extends V[K] ? Name : never) : never]?: Frozen<Exclude<V[K], undefined>>;
    }
>;

/** Deeply read-only, as deepFreeze leaves it. */
export type Frozen<T> = T extends readonly (infer E)[] ? readonly Frozen<E>[] : T extends object ? { readonly [K in keyof T]: Frozen<T[K]> } : T;

/** Settings by namespace: `{ "ns:key": T }` becomes `{ ns: { key: T } }`, an unset optional setting an absent property. */
export type Grouped<V> = { readonly [NS in Namespace<keyof V>]: InNamespace<V, NS> };

/** The settings `values` (each "ns:key") grouped by namespace; every listed key's namespace exists. */
export function grouped<V extends Record<string, unknown>>(values: V): Grouped<V> {
    const groups: Record<string, Record<string, unknown>> = {};
    for (const [key, value] of Object.entries(values)) {
        const at = key.indexOf(":");
        const group = (groups[key.slice(0, at)] ??= {});
        if (value !== undefined) group[key.slice(at + 1)] = value;
    }
    return groups as Grouped<V>;
}

/** `base` with each of `parts` laid over it: a part that is an object (a namespace) replaces only the names it has. */
export type Merged<B, P> = Flat<
    { readonly [K in Exclude<keyof B, keyof P>]: B[K] } & {
        readonly [K in keyof P]: K extends keyof B ? Flat<Omit<B[K], keyof P[K]> & P[K]> : P[K];
    }
>;

const isGroup = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function merged<B extends object, P extends object>(base: B, parts: P): Merged<B, P> {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [key, part] of Object.entries(parts)) {
        const under = out[key];
        out[key] = isGroup(under) && isGroup(part) ? { ...under, ...part } : part;
    }
    return out as Merged<B, P>;
}

/** Only `keys` of `values`. */
export function pick<V extends object, K extends keyof V>(values: V, keys: readonly K[]): Pick<V, K> {
    return Object.fromEntries(keys.map((k) => [k, values[k]])) as Pick<V, K>;
}

/** `values` without `keys`: the settings a composite part consumes. */
export function without<V extends object, K extends keyof V>(values: V, keys: readonly K[]): Omit<V, K> {
    const out = { ...values };
    for (const key of keys) delete out[key];
    return out;
}
