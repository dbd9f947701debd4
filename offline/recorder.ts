import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { setMockOptions } from "@pulumi/pulumi/runtime/settings";

// The SDK's runtime store (not in its typings): where the feature flags below live.
const { getStore } = require("@pulumi/pulumi/runtime/state") as { getStore: () => Record<string, unknown> };

// Internal to the SDK (not in its typings): resolves when every RPC started so far has been answered.
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };
import { PlatformMocks } from "./mocks";
import { ModeledChild } from "./models/ids";

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

class RecordingMonitor extends MockMonitor {
    readonly records: RecordedResource[] = [];
    readonly failures: RecordedFailure[] = [];
    /** Children a model says a remote component creates, keyed by the component's type and name. */
    private readonly modeled = new Map<string, ModeledChild[]>();

    constructor(mocks: PlatformMocks) {
        // The engine only ever sees id and state; keep the models' children for the recorder.
        super({
            newResource: (args) => {
                const result = mocks.newResource(args);
                if (result.children) this.modeled.set(`${args.type}::${args.name}`, result.children);
                return result;
            },
            call: (args) => mocks.call(args),
        });
    }

    private addChildren(parent: RecordedResource): void {
        const children = this.modeled.get(`${parent.type}::${parent.name}`) ?? [];
        const urnOf = (c: ModeledChild) => (this as any).newUrn(parent.urn, c.type, c.name) as string;
        // Siblings by name, and by type::name where a remote component reuses a name across types (awsx does).
        const byName = new Map(children.flatMap((c): [string, string][] => [[c.name, urnOf(c)], [`${c.type}::${c.name}`, urnOf(c)]]));
        for (const c of children) {
            this.records.push({
                urn: urnOf(c),
                type: c.type,
                name: c.name,
                parent: parent.urn,
                dependencies: [...parent.dependencies, ...(c.dependsOn ?? []).map((n) => byName.get(n) ?? n)],
                provider: this.providerFor(parent, c.type),
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

    /**
     * The provider a remote component's child gets: the engine merges the providers maps of the component's
     * ancestors into the component's own before construct (pulumi/pulumi#24125), and the child takes its package's.
     */
    private providerFor(component: RecordedResource, childType: string): string {
        const pkg = childType.split(":")[0];
        for (let r: RecordedResource | undefined = component; r; r = this.records.find((x) => x.urn === r!.parent)) {
            if (r.providers[pkg]) return r.providers[pkg];
        }
        return pkg === component.type.split(":")[0] ? component.provider : "";
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
        this.records.push(record);
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
export async function installMocks(opts: { project: string; stack: string; region: string; config?: Record<string, string>; secretKeys?: string[] }): Promise<Recorder> {
    const mocks = new PlatformMocks(opts.region);
    const monitor = new RecordingMonitor(mocks);
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
        supportsTransforms: false,
        supportsParameterization: true,
        supportsResourceHooks: true,
        supportsErrorHooks: true,
    });
    pulumi.runtime.setAllConfig({ "aws:region": opts.region, ...opts.config }, opts.secretKeys ?? []);
    return {
        records: monitor.records,
        failures: monitor.failures,
        reset: () => { monitor.records.length = 0; monitor.failures.length = 0; },
        settle: async () => {
            // registrations can start more registrations (outputs resolving); wait until none are added
            let before = -1;
            while (before !== monitor.records.length) {
                before = monitor.records.length;
                await waitForRPCs();
                await new Promise((r) => setImmediate(r));
            }
        },
    };
}
