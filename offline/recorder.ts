import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { setMockOptions } from "@pulumi/pulumi/runtime/settings";

// The SDK's runtime store (not in its typings): where the feature flags below live.
const { getStore } = require("@pulumi/pulumi/runtime/state") as { getStore: () => Record<string, unknown> };

// Internal to the SDK (not in its typings): resolves when every RPC started so far has been answered.
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };
import { PlatformMocks } from "./mocks";
import { customResourceProblem } from "./models/custom-resources";
import { ModeledChild } from "./models/ids";
// The engine's callback message (not in the SDK's public typings).
const { Callback } = require("@pulumi/pulumi/proto/callback_pb") as { Callback: new () => { setTarget(t: string): void; setToken(t: string): void } };

/** One resource registration as the engine would see it. */
export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    parent: string;
    dependencies: string[];
    /** The provider reference ("urn::id"), empty when the default provider would be used. */
    provider: string;
    /** Providers handed to a component for its children, by package. */
    providers: Record<string, string>;
    custom: boolean;
    remote: boolean;
    /** `protect: true`: the engine refuses to delete it. */
    protect: boolean;
    /** Inputs as sent to the engine, with secrets replaced by "[secret]" and resource references by their URN. */
    inputs: Record<string, unknown>;
    /** Outputs the (mocked) provider computed beyond the inputs: ids, ARNs, subnet ids of a VPC, … */
    outputs: Record<string, unknown>;
    /** Created inside a remote component, as its model in offline/models says upstream does; not registered by this program. */
    modeled?: boolean;
    /** The `aliases` option: identities this resource had before, which the engine moves to it instead of replacing. */
    aliases?: RecordedAlias[];
    /** The `customTimeouts` option, as Go durations ("85m"); an operation without one gets the provider's default. */
    customTimeouts?: { create?: string; update?: string; delete?: string };
}

/** One entry of the `aliases` option as the SDK sends it: a whole URN, or a spec whose empty fields mean "unchanged". */
export interface RecordedAlias {
    urn?: string;
    name?: string;
    type?: string;
    parentUrn?: string;
    noParent?: boolean;
}

function aliasesOf(req: any): RecordedAlias[] {
    return (req.getAliasesList?.() ?? []).map((a: any): RecordedAlias => {
        if (a.getUrn()) return { urn: a.getUrn() };
        const spec = a.getSpec();
        return {
            name: spec.getName() || undefined,
            type: spec.getType() || undefined,
            parentUrn: spec.getParenturn() || undefined,
            noParent: spec.getNoparent() || undefined,
        };
    });
}

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const REDACTED = "[secret]";

/** Serialized engine values to plain JSON: secrets redacted, resource references as their URN. */
export function redact(value: unknown): unknown {
    if (value === UNKNOWN) return "[unknown]";
    if (Array.isArray(value)) return value.map(redact);
    if (value && typeof value === "object") {
        const o = value as Record<string, unknown>;
        if (o[SIG] === SECRET_SIG) return REDACTED;
        if (o[SIG] === RESOURCE_SIG) return `ref:${o.urn}`;
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, redact(v)]));
    }
    return value;
}

/** A registration the (modelled) upstream refused: the real `pulumi up` would fail here. */
export interface RecordedFailure {
    type: string;
    name: string;
    message: string;
}

/**
 * Stands in for the engine's callback server: keeps each `transforms` function the program registers, so the
 * recorder can apply it where the engine would, to the resource's children, those of remote components included.
 */
class TransformRegistry {
    private readonly functions = new Map<string, pulumi.ResourceTransform>();

    async registerTransform(transform: pulumi.ResourceTransform): Promise<unknown> {
        const token = `transform-${this.functions.size}`;
        this.functions.set(token, transform);
        const callback = new Callback();
        callback.setTarget("offline-recorder");
        callback.setToken(token);
        return callback;
    }

    /** The SDK waits on this before every registration; stack transforms are not used here. */
    async awaitStackRegistrations(): Promise<void> {}

    lookup(tokens: string[]): pulumi.ResourceTransform[] {
        return tokens.map((t) => this.functions.get(t)).filter((f): f is pulumi.ResourceTransform => f !== undefined);
    }
}

class RecordingMonitor extends MockMonitor {
    readonly records: RecordedResource[] = [];
    readonly failures: RecordedFailure[] = [];
    readonly transforms = new TransformRegistry();
    /** Children a model says a remote component creates, keyed by the component's type and name. */
    private readonly modeled = new Map<string, ModeledChild[]>();
    /** Transform tokens registered with each resource, by URN. */
    private readonly transformTokens = new Map<string, string[]>();
    /** The transforms of the registration being handed to the mocks (set and read synchronously). */
    private pending: pulumi.ResourceTransform[] = [];

    constructor(mocks: PlatformMocks) {
        // The engine only ever sees id and state; keep the models' children for the recorder.
        super({
            newResource: async (args) => {
                const transforms = this.pending;
                const result = await mocks.newResource(args, (child) => applyTransforms(transforms, child));
                if (result.children) this.modeled.set(`${args.type}::${args.name}`, result.children);
                return result;
            },
            call: (args) => mocks.call(args),
        });
    }

    /** The transforms that reach a resource: its own and every ancestor's, as the engine applies them. */
    private transformsFor(parentUrn: string, own: string[]): pulumi.ResourceTransform[] {
        const tokens = [...own];
        for (let urn = parentUrn; urn; urn = this.records.find((r) => r.urn === urn)?.parent ?? "") {
            tokens.push(...(this.transformTokens.get(urn) ?? []));
        }
        return this.transforms.lookup(tokens);
    }

    /** The provider a child of `parent` gets for its package: the nearest ancestor's `providers` entry, as the engine resolves it. */
    private inheritedProvider(parent: RecordedResource, pkg: string): string {
        for (let r: RecordedResource | undefined = parent; r; r = this.records.find((x) => x.urn === r.parent)) {
            if (r.providers[pkg]) return r.providers[pkg];
            if (r.custom && r.provider && r.provider.split("::")[2] === `pulumi:providers:${pkg}`) return r.provider;
        }
        return "";
    }

    private addChildren(parent: RecordedResource): void {
        const children = this.modeled.get(`${parent.type}::${parent.name}`) ?? [];
        // urn:pulumi:<stack>::<project>::<parent type chain>$<type>::<name>, as the engine builds a child's URN.
        const [prefix, project, chain] = parent.urn.split("::");
        const urnOf = (c: ModeledChild) => `${prefix}::${project}::${chain}$${c.type}::${c.name}`;
        // Siblings by name, and by type::name where a remote component reuses a name across types (awsx does).
        const byName = new Map(
            children.flatMap((c): [string, string][] => [
                [c.name, urnOf(c)],
                [`${c.type}::${c.name}`, urnOf(c)],
            ]),
        );
        for (const c of children) {
            this.records.push({
                urn: urnOf(c),
                type: c.type,
                name: c.name,
                parent: parent.urn,
                dependencies: [...parent.dependencies, ...(c.dependsOn ?? []).map((n) => byName.get(n) ?? n)],
                provider: this.inheritedProvider(parent, c.type.split(":")[0]),
                providers: {},
                custom: true,
                remote: false,
                protect: false,
                inputs: redact(c.inputs) as Record<string, unknown>,
                outputs: {},
                modeled: true,
            });
        }
    }

    registerResource(req: any, callback: (err: any, resp: any) => void): Promise<void> {
        const type: string = req.getType();
        const name: string = req.getName();
        const record: RecordedResource = {
            urn: (this as any).newUrn(req.getParent(), type, name),
            type,
            name,
            parent: req.getParent(),
            dependencies: req.getDependenciesList(),
            provider: req.getProvider(),
            providers: Object.fromEntries(req.getProvidersMap().toArray()),
            custom: req.getCustom(),
            remote: req.getRemote(),
            protect: req.getProtect() === true,
            inputs: redact(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
            outputs: {},
        };
        const aliases = aliasesOf(req);
        if (aliases.length > 0) record.aliases = aliases;
        const timeouts = req.getCustomtimeouts();
        const given = timeouts
            ? Object.entries({ create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() }).filter(([, v]) => v)
            : [];
        if (given.length > 0) record.customTimeouts = Object.fromEntries(given);
        this.records.push(record);
        // The harness runs `pulumi up` (setMockOptions preview false) on a cluster with no CRDs of its own.
        const crdProblem = record.custom ? customResourceProblem(record, this.records, { preview: false }) : undefined;
        if (crdProblem) this.failures.push({ type, name, message: crdProblem });
        const own: string[] = req.getTransformsList().map((t: any) => t.getToken());
        this.transformTokens.set(record.urn, own);
        this.pending = this.transformsFor(record.parent, own);
        return super.registerResource(req, (err: any, resp: any) => {
            if (!err && resp) {
                const state = redact(resp.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
                record.outputs = Object.fromEntries(Object.entries(state).filter(([k]) => !(k in record.inputs)));
                this.addChildren(record);
            } else if (err) {
                this.failures.push({ type, name, message: err instanceof Error ? err.message : String(err) });
            }
            callback(err, resp);
        });
    }
}

/** Applies transforms to a modelled child the way the engine applies them to a real one: in order, each on the last result. */
async function applyTransforms(transforms: pulumi.ResourceTransform[], child: ModeledChild): Promise<ModeledChild> {
    let current = child;
    for (const transform of transforms) {
        const result = await transform({ type: current.type, name: current.name, custom: true, props: current.inputs, opts: {} });
        if (result) current = { ...current, inputs: result.props };
    }
    return current;
}

export interface Recorder {
    readonly records: RecordedResource[];
    /** Registrations a model refused, with the upstream message. */
    readonly failures: RecordedFailure[];
    /** Forget what was recorded so far (between tests). */
    reset(): void;
    /** Wait until every registration started so far has been answered. */
    settle(): Promise<void>;
}

/**
 * Installs realistic mocks and a monitor that records every registration with its parent, dependencies
 * and provider: the pieces `setMocks` alone does not show.
 */
/** The one program-error listener: errors the program throws (in an apply, say) are failures of the deploy too. */
let programErrors: ((err: unknown) => void) | undefined;

export async function installMocks(opts: {
    project: string;
    stack: string;
    region: string;
    config?: Record<string, string>;
    secretKeys?: string[];
    deployer?: string;
}): Promise<Recorder> {
    const mocks = new PlatformMocks(opts.region, opts.deployer);
    const monitor = new RecordingMonitor(mocks);
    if (programErrors) process.off("unhandledRejection", programErrors);
    programErrors = (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        // A refused registration rejects every output that waits on it: those echoes are recorded already.
        if (message.includes("failed to register new resource")) return;
        if (!monitor.failures.some((f) => f.message === message)) monitor.failures.push({ type: "program", name: "", message });
    };
    process.on("unhandledRejection", programErrors);
    setMockOptions(monitor, opts.project, opts.stack, false);
    // setMockOptions turns every runtime feature off; turn on what setMocks would (secrets, resource references),
    // or secrets would be serialized as plain values.
    Object.assign(getStore(), {
        supportsSecrets: true,
        supportsResourceReferences: true,
        supportsOutputValues: false,
        supportsDeletedWith: true,
        supportsReplaceWith: true,
        supportsAliasSpecs: true,
        supportsTransforms: true,
        callbacks: monitor.transforms,
        supportsParameterization: true,
        supportsResourceHooks: true,
        supportsErrorHooks: true,
    });
    pulumi.runtime.setAllConfig({ "aws:region": opts.region, ...opts.config }, opts.secretKeys ?? []);
    return {
        records: monitor.records,
        failures: monitor.failures,
        reset: () => {
            monitor.records.length = 0;
            monitor.failures.length = 0;
        },
        settle: async () => {
            // Registrations can start more registrations (outputs resolving): wait until none are added. After a
            // refusal, whatever waits on the refused resource's outputs never registers, so its RPCs never end:
            // then stop once nothing new has registered for a moment.
            for (;;) {
                const before = monitor.records.length;
                const done = await Promise.race([waitForRPCs().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 100))]);
                await new Promise((r) => setImmediate(r));
                if (monitor.records.length === before && (done || monitor.failures.length > 0)) return;
            }
        },
    };
}
