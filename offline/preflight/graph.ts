/**
 * The order `pulumi up` creates things in, from the recorded dependencies.
 *
 * How the Node SDK orders registrations (@pulumi/pulumi 3.248.0 runtime/resource.js prepareResource): a resource's
 * RegisterResource is sent only after every `dependsOn` (a component expands to its custom and remote children,
 * runtime/dependsOn.js getAllTransitivelyReferencedResourceURNs) and the parent's URN have resolved ("Wait for the
 * parent to complete"), and the engine answers RegisterResource only when the step is done. So a child waits for
 * its parent, and a component's children wait for whatever the component was told to depend on. A remote component
 * (eks:index:Cluster) answers only when everything it creates is done, so waiting for it waits for its children;
 * those children (recorded `modeled`) already carry the component's dependencies.
 * A remote component's resource-reference inputs are left out of its recorded dependencies
 * (`excludeResourceReferencesFromDependencies: remote` in prepareResource), yet its provider awaits the referenced
 * resource's outputs before creating anything (a ManagedNodeGroup reads its `cluster`), so references count too.
 */
import { RecordedResource } from "../recorder";

export class DeployGraph {
    readonly byUrn: Map<string, RecordedResource>;
    private readonly modeledChildren = new Map<string, RecordedResource[]>();
    private readonly closures = new Map<string, Set<string>>();

    constructor(readonly resources: RecordedResource[]) {
        this.byUrn = new Map(resources.map((r) => [r.urn, r]));
        for (const r of resources) {
            if (!r.modeled) continue;
            const list = this.modeledChildren.get(r.parent) ?? [];
            list.push(r);
            this.modeledChildren.set(r.parent, list);
        }
    }

    /** What this resource's own create step directly waits for. */
    prerequisites(r: RecordedResource): RecordedResource[] {
        const urns = new Set([...r.dependencies, ...referencesIn(r.inputs)]);
        if (r.parent && !r.modeled) urns.add(r.parent);
        return [...urns].map((u) => this.byUrn.get(u)).filter((p): p is RecordedResource => !!p);
    }

    /** What a remote component's completion waits for besides its own work. */
    childrenOf(remote: RecordedResource): RecordedResource[] {
        return this.modeledChildren.get(remote.urn) ?? [];
    }

    /** Everything that is complete before this resource's create starts. */
    waitsFor(r: RecordedResource): Set<string> {
        const cached = this.closures.get(r.urn);
        if (cached) return cached;
        const seen = new Set<string>();
        const todo = this.prerequisites(r);
        for (let p = todo.pop(); p !== undefined; p = todo.pop()) {
            if (seen.has(p.urn)) continue;
            seen.add(p.urn);
            todo.push(...this.prerequisites(p), ...this.childrenOf(p));
        }
        this.closures.set(r.urn, seen);
        return seen;
    }
}

/** URNs of the resources an input value refers to (the recorder writes references as "ref:<urn>"). */
function referencesIn(value: unknown): string[] {
    if (typeof value === "string") return value.startsWith("ref:urn:") ? [value.slice(4)] : [];
    if (Array.isArray(value)) return value.flatMap(referencesIn);
    if (value && typeof value === "object") return Object.values(value).flatMap(referencesIn);
    return [];
}
