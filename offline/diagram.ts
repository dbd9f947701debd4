/**
 * Mermaid diagrams of a plan, sized for a page: an overview (one box per platform component with its key resources,
 * top-down, an arrow where a component waits for another) and one detail diagram per component (every resource it
 * owns, an arrow where one waits for another). Arrows come from the recorded dependencies, which hold `dependsOn`
 * and every resource whose outputs an input used. A row wider than WIDTH_BUDGET nodes is wrapped with invisible
 * links (`~~~`), which push a node one row down without drawing anything.
 */
import * as YAML from "yaml";
import { RecordedResource } from "./recorder";

const COMPONENT = /^platform:/;
/** Nodes side by side that still read at page width (about 180 px each on a 900 px page). */
export const WIDTH_BUDGET = 4;
/** Key resources shown in a component's overview box; the rest are counted in its title. */
const KEY_RESOURCES = 4;
const KEY_TYPES = [
    "awsx:ec2:Vpc",
    "eks:index:Cluster",
    "eks:index:ManagedNodeGroup",
    "kubernetes:helm.sh/v3:Release",
    "aws:ecr/repository:Repository",
    "aws:acm/certificate:Certificate",
    "aws:backup/vault:Vault",
    "aws:backup/plan:Plan",
    "aws:eks/addon:Addon",
    "aws:eks/accessEntry:AccessEntry",
    "aws:ssm/parameter:Parameter",
    "aws:cloudwatch/logGroup:LogGroup",
];

export interface Diagram {
    /** "overview", or the component's file name (its type's last segment, lower case). */
    name: string;
    title: string;
    text: string;
}

/** `map.get(key)` where this file put every key before: a miss is a bug here, named by `invariant`. */
function must<K, V>(map: Map<K, V>, key: K, invariant: string): V {
    const value = map.get(key);
    if (value === undefined) throw new Error(`diagram: ${invariant}, but ${String(key)} has none`);
    return value;
}

/** "aws:iam/role:Role" -> "Role": split(":").pop(), which the compiler cannot see is never undefined. */
function lastSegment(type: string): string {
    return type.slice(type.lastIndexOf(":") + 1);
}

/** Mermaid's own escapes inside a quoted label. */
function quoted(text: string): string {
    return `"${text.replace(/"/g, "#quot;")}"`;
}

/** "aws:iam/role:Role" -> "Role"; a Helm release is named by its chart (an OCI chart by its last segment). */
function kindOf(r: RecordedResource): string {
    if (r.type === "kubernetes:helm.sh/v3:Release" && typeof r.inputs.chart === "string") return `chart ${r.inputs.chart.split("/").pop()}`;
    if (r.type === "aws:eks/addon:Addon" && typeof r.inputs.addonName === "string") return `add-on ${r.inputs.addonName}`;
    return lastSegment(r.type);
}

/**
 * A resource's kind and name; inside a component, without the component's name in front, which every resource of
 * it repeats (eks-platform-dev-karpenter-node in eks-platform-dev: karpenter-node).
 */
function label(r: RecordedResource, owner?: RecordedResource): string {
    const prefix = owner ? `${owner.name}-` : "";
    const name = prefix && r.name.startsWith(prefix) && r.name.length > prefix.length ? r.name.slice(prefix.length) : r.name;
    return quoted(`${kindOf(r)}<br/>${name}`);
}

function componentTitle(c: RecordedResource): string {
    return `${c.type.split(":").pop()} ${c.name}`;
}

/**
 * Rows of a DAG as a top-down layout puts them (longest path from a root), with rows wider than `budget` wrapped:
 * each extra node gets an invisible link from a node of the row it overflowed, which moves it (and what follows it)
 * down. Returns the invisible links to draw and the rows.
 */
export function layered(nodes: string[], edges: [string, string][], budget = WIDTH_BUDGET): { rows: string[][]; invisible: [string, string][] } {
    const invisible: [string, string][] = [];
    for (;;) {
        const rank = new Map(nodes.map((n) => [n, 0]));
        const all = [...edges, ...invisible];
        // Longest path by relaxation: at most |nodes| rounds on a DAG.
        for (let i = 0, changed = true; changed && i <= nodes.length; i++) {
            changed = false;
            for (const [from, to] of all) {
                const next = must(rank, from, "every end of an edge is a node") + 1;
                if (must(rank, to, "every end of an edge is a node") < next) {
                    rank.set(to, next);
                    changed = true;
                }
            }
        }
        const rows: string[][] = [];
        for (const n of nodes) (rows[must(rank, n, "every node has a rank")] ??= []).push(n);
        const wide = rows.findIndex((row) => row && row.length > budget);
        if (wide < 0) return { rows: rows.filter(Boolean), invisible };
        const row = rows[wide];
        invisible.push([row[0], row[budget]]);
    }
}

/** The platform component a resource belongs to (itself, for a component). */
function componentFinder(resources: RecordedResource[]): (r: RecordedResource | undefined) => RecordedResource | undefined {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    return (r) => {
        for (let cur = r; cur; cur = byUrn.get(cur.parent)) if (COMPONENT.test(cur.type)) return cur;
        return undefined;
    };
}

/** Which resource waits for which: `[provider, dependent]` pairs among `resources`, once each, providers left out. */
function waits(resources: RecordedResource[]): [RecordedResource, RecordedResource][] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const pairs: [RecordedResource, RecordedResource][] = [];
    for (const r of resources) {
        for (const dep of new Set(r.dependencies)) {
            const from = byUrn.get(dep);
            if (from && !from.type.startsWith("pulumi:providers:")) pairs.push([from, r]);
        }
    }
    return pairs;
}

/**
 * Links `[from, to]` less those another path already implies (a waits for c because a waits for b, which waits for
 * c): the order drawn is the same, with far fewer lines crossing the page.
 */
export function reduced(edges: [string, string][]): [string, string][] {
    const next = new Map<string, string[]>();
    for (const [a, b] of edges) next.set(a, [...(next.get(a) ?? []), b]);
    const reachesWithoutLink = (from: string, to: string): boolean => {
        const seen = new Set<string>();
        const stack = (next.get(from) ?? []).filter((n) => n !== to);
        let n: string | undefined;
        while ((n = stack.pop()) !== undefined) {
            if (n === to) return true;
            if (seen.has(n)) continue;
            seen.add(n);
            stack.push(...(next.get(n) ?? []));
        }
        return false;
    };
    return edges.filter(([a, b]) => !reachesWithoutLink(a, b));
}

/**
 * Mermaid's layout (its defaults: 50 px between nodes and between ranks, labels wrapped at 200 px): tighter, for a
 * page. A detail's labels wrap narrower; the overview's wider, as a box title that wraps is drawn over its first node.
 */
const SPACING = { nodeSpacing: 20, rankSpacing: 30 };
const WRAP = { overview: 240, detail: 150 };

function fenced(title: string, direction: string, body: string[], wrappingWidth: number): string {
    // Config as front matter, the form mermaid 11 reads first (and GitHub passes on).
    const config = `---\n${YAML.stringify({ config: { flowchart: { ...SPACING, wrappingWidth } } })}---`;
    return ["```mermaid", config, `%% ${title}: generated by npm run plan from the recorded resources`, `flowchart ${direction}`, ...body, "```", ""].join(
        "\n",
    );
}

/** One box per platform component with its key resources, and an arrow from a component to each that waits for it. */
export function overview(resources: RecordedResource[], title: string): string {
    const componentOf = componentFinder(resources);
    const components = resources.filter((r) => COMPONENT.test(r.type) && !componentOf(resources.find((p) => p.urn === r.parent)));
    // Resources outside every component (the stack's own), providers aside, are nodes of their own.
    const loose = resources.filter((r) => !componentOf(r) && !r.type.startsWith("pulumi:providers:"));
    const ids = new Map<string, string>([...components, ...loose].map((r, i) => [r.urn, `c${i}`]));
    const boxOf = (r: RecordedResource): string | undefined => ids.get((componentOf(r) ?? r).urn);
    const body: string[] = [];
    // A box is titled by its kind and how many resources it owns; by its name too only where two share a kind: every
    // component of a stack is named after the stack, and mermaid cuts a subgraph title longer than about 170 px.
    const kind = (c: RecordedResource) => lastSegment(c.type);
    const boxTitle = (c: RecordedResource) => (components.filter((o) => kind(o) === kind(c)).length > 1 ? componentTitle(c) : kind(c));
    components.forEach((c, i) => {
        const owned = resources.filter((r) => r !== c && componentOf(r) === c && !r.modeled);
        const keys = owned
            .filter((r) => KEY_TYPES.includes(r.type))
            .sort((a, b) => KEY_TYPES.indexOf(a.type) - KEY_TYPES.indexOf(b.type))
            .slice(0, KEY_RESOURCES);
        body.push(`  subgraph ${ids.get(c.urn)}[${quoted(`${boxTitle(c)} (${owned.length})`)}]`, "    direction TB");
        keys.forEach((k, j) => body.push(`    c${i}k${j}[${label(k, c)}]`));
        // Stacked, not side by side: the box stays one node wide.
        for (let j = 1; j < keys.length; j++) body.push(`    c${i}k${j - 1} ~~~ c${i}k${j}`);
        body.push("  end");
    });
    for (const r of loose) body.push(`  ${ids.get(r.urn)}[${label(r)}]`);
    const edges = new Map<string, [string, string]>();
    for (const [from, to] of waits(resources)) {
        const [a, b] = [boxOf(from), boxOf(to)];
        if (a && b && a !== b) edges.set(`${a}>${b}`, [a, b]);
    }
    const real = reduced([...edges.values()].sort());
    const { invisible } = layered([...ids.values()], real);
    body.push(...real.map(([a, b]) => `  ${a} --> ${b}`), ...invisible.map(([a, b]) => `  ${a} ~~~ ${b}`));
    return fenced(title, "TD", body, WRAP.overview);
}

/**
 * Resources of one kind that wait for the same and are waited for by the same (a role's policy attachments) drawn
 * as one node naming them all: the diagram shows the same order with fewer nodes side by side. Updates `shapes`.
 */
function merged(
    owned: RecordedResource[],
    ids: Map<string, string>,
    links: [string, string][],
    component: RecordedResource,
    shapes: Map<string, string>,
): { nodes: string[]; links: [string, string][] } {
    const around = (id: string) => [
        links
            .filter(([, b]) => b === id)
            .map(([a]) => a)
            .sort()
            .join(","),
        links
            .filter(([a]) => a === id)
            .map(([, b]) => b)
            .sort()
            .join(","),
    ];
    const groups = new Map<string, RecordedResource[]>();
    for (const r of owned) {
        const key = [kindOf(r), ...around(must(ids, r.urn, "every owned resource has an id"))].join("|");
        groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const into = new Map<string, string>();
    for (const members of groups.values()) {
        const head = must(ids, members[0].urn, "every owned resource has an id");
        for (const m of members) into.set(must(ids, m.urn, "every owned resource has an id"), head);
        if (members.length > 1) {
            const names = members.map((m) => {
                const name = /<br\/>(.*)"$/.exec(label(m, component));
                if (!name) throw new Error(`diagram: every label has a name after its kind, but ${m.urn}'s has none`);
                return name[1];
            });
            shapes.set(head, `[${quoted(`${kindOf(members[0])} ×${members.length}<br/>${names.join(", ")}`)}]`);
        }
    }
    const to = (id: string) => into.get(id) ?? id;
    const unique = new Map(links.map(([a, b]): [string, [string, string]] => [`${to(a)}>${to(b)}`, [to(a), to(b)]]));
    return { nodes: [...new Set(owned.map((r) => to(must(ids, r.urn, "every owned resource has an id"))))], links: [...unique.values()] };
}

/** Every resource a component owns (its nested components' too) and which waits for which. */
export function componentDetail(resources: RecordedResource[], component: RecordedResource, title: string): string {
    const componentOf = componentFinder(resources);
    const inside = (r: RecordedResource): boolean => {
        for (let cur: RecordedResource | undefined = r; cur; cur = resources.find((p) => p.urn === cur.parent)) if (cur === component) return true;
        return false;
    };
    const owned = resources.filter((r) => r !== component && inside(r));
    const ids = new Map(owned.map((r, i) => [r.urn, `r${i}`]));
    // Each node as mermaid draws it: a box for what the component owns, a stadium for what it waits for elsewhere.
    const shapes = new Map(owned.map((r) => [must(ids, r.urn, "every owned resource has an id"), `[${label(r, component)}]`]));
    // What it waits for elsewhere, once per other component.
    const outside = new Map<string, string>();
    const edges = new Map<string, [string, string]>();
    for (const [from, to] of waits(resources)) {
        const b = ids.get(to.urn);
        if (b === undefined) continue;
        let a = ids.get(from.urn);
        if (!a) {
            const other = componentOf(from) ?? from;
            a = outside.get(other.urn);
            if (a === undefined) {
                a = `x${outside.size}`;
                outside.set(other.urn, a);
                shapes.set(a, `([${quoted(COMPONENT.test(other.type) ? componentTitle(other) : kindOf(other))}])`);
            }
        }
        edges.set(`${a}>${b}`, [a, b]);
    }
    const { nodes, links } = merged(owned, ids, reduced([...edges.values()].sort()), component, shapes);
    const { rows } = layered([...outside.values(), ...nodes], links, Infinity);
    // Ranks run across the page: left to right while the chain of waits is shorter than the widest rank, the many
    // resources of a rank stacking downwards where the page scrolls; top-down, rows wrapped, when the chain is longer.
    const across = rows.length <= Math.max(...rows.map((r) => r.length));
    const { invisible } = across ? { invisible: [] } : layered([...outside.values(), ...nodes], links);
    const body = [
        ...[...outside.values(), ...nodes].map((id) => `  ${id}${shapes.get(id)}`),
        ...links.map(([a, b]) => `  ${a} --> ${b}`),
        ...invisible.map(([a, b]) => `  ${a} ~~~ ${b}`),
    ];
    return fenced(`${title}, ${componentTitle(component)}`, across ? "LR" : "TD", body, WRAP.detail);
}

/** The overview and one detail diagram per top-level component, each with the name of the file it goes to. */
export function diagrams(resources: RecordedResource[], title: string): Diagram[] {
    const componentOf = componentFinder(resources);
    const components = resources.filter((r) => COMPONENT.test(r.type) && !componentOf(resources.find((p) => p.urn === r.parent)));
    const names = new Map<string, number>();
    return [
        { name: "overview", title, text: overview(resources, title) },
        ...components.map((c) => {
            const base = lastSegment(c.type).toLowerCase();
            const seen = names.get(base) ?? 0;
            names.set(base, seen + 1);
            return { name: seen ? `${base}-${c.name}` : base, title: `${title}, ${componentTitle(c)}`, text: componentDetail(resources, c, title) };
        }),
    ];
}
