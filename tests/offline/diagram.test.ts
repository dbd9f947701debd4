import * as assert from "assert";
import * as fs from "fs";
import { componentDetail, diagrams, layered, overview, reduced, WIDTH_BUDGET } from "../../offline/diagram";
import { CHROMIUM, maxWidth, renderSizes, tooWide } from "../../offline/diagram-render";
import { FIXED_PLAN } from "../helpers/fixed-plan";
import { committedStacks } from "../helpers/stacks";
import { planFor } from "../helpers/plans";

// mermaid is an ES module; ts-node compiles import() to require(), which cannot load it.
const importEsm = new Function("m", "return import(m)") as (m: string) => Promise<any>;

/**
 * mermaid's own parser (mermaid.parse, the one its renderer runs first). Its flowchart parser sanitizes labels
 * with DOMPurify, which needs a DOM: jsdom stands in for the browser's.
 */
async function mermaidParser(): Promise<(text: string) => Promise<unknown>> {
    const { JSDOM } = await importEsm("jsdom");
    const dom = new JSDOM("<!doctype html><html><body></body></html>");
    Object.assign(globalThis, { window: dom.window, document: dom.window.document });
    const mermaid = (await importEsm("mermaid")).default;
    mermaid.initialize({ startOnLoad: false });
    return (text) => mermaid.parse(text.replace(/^```mermaid\n|```\n?$/g, ""));
}

/** Rows of the drawn graph, nodes placed as a top-down layout ranks them (longest path over every link drawn). */
function rowsOf(text: string): string[][] {
    const lines = text.split("\n").map((l) => l.trim());
    // Top-level nodes: subgraphs and nodes outside any subgraph.
    const nodes: string[] = [];
    let depth = 0;
    for (const l of lines) {
        const sub = /^subgraph (\w+)\[/.exec(l);
        if (sub) {
            if (depth === 0) nodes.push(sub[1]);
            depth++;
            continue;
        }
        if (l === "end") {
            depth--;
            continue;
        }
        const node = /^(\w+)[[(]/.exec(l);
        if (node && depth === 0) nodes.push(node[1]);
    }
    const edges = lines
        .map((l) => /^(\w+) (?:-->|~~~) (\w+)$/.exec(l))
        .filter((m): m is RegExpExecArray => !!m && nodes.includes(m[1]) && nodes.includes(m[2]))
        .map((m): [string, string] => [m[1], m[2]]);
    return layered(nodes, edges, Infinity).rows;
}

describe("architecture diagrams", () => {
    const text = overview(FIXED_PLAN, "fixed");
    const lines = text.split("\n");

    it("draws the overview top-down in a fenced Mermaid block", () => {
        assert.strictEqual(lines[0], "```mermaid");
        assert.ok(lines.includes("flowchart TD"));
        assert.strictEqual(lines[lines.length - 2], "```");
    });

    it("boxes each component with its key resources, stacked, and counts the rest", () => {
        const titles = lines.filter((l) => l.trim().startsWith("subgraph")).map((l) => /\["(.*)"\]/.exec(l)![1]);
        assert.deepStrictEqual(
            titles.map((t) => t.replace(/ \(.*/, "")),
            ["Network", "Cluster", "Ingress"],
        );
        const cluster = text.slice(text.indexOf('"Cluster ('), text.indexOf("end", text.indexOf('"Cluster (')));
        for (const label of ["Cluster<br/>eks", "ManagedNodeGroup<br/>ng"]) assert.ok(cluster.includes(label), label);
        assert.ok(!cluster.includes("Vpc"));
        assert.match(cluster, /~~~/, "key resources are chained invisibly so the box stays one node wide");
    });

    it("links components where one waits for another, once per pair", () => {
        const id = (title: string) => /subgraph (\w+)\[/.exec(lines.find((l) => l.includes(`"${title}`))!)![1];
        const [net, cl, ing] = ["Network (", "Cluster (", "Ingress ("].map(id);
        const edges = lines.filter((l) => l.includes("-->")).map((l) => l.trim());
        assert.deepStrictEqual(edges.sort(), [`${net} --> ${cl}`, `${net} --> ${ing}`].sort());
    });

    it("wraps a row wider than the budget with invisible links", () => {
        const nodes = Array.from({ length: 10 }, (_, i) => `n${i}`);
        const { rows, invisible } = layered(nodes, [], 4);
        assert.deepStrictEqual(
            rows.map((r) => r.length),
            [4, 4, 2],
        );
        assert.strictEqual(invisible.length, 8, "each link moves one node one row down");
    });

    it("details every resource of one component and what it waits for elsewhere", () => {
        const cluster = FIXED_PLAN.find((r) => r.type === "platform:cluster:Cluster")!;
        const detail = componentDetail(FIXED_PLAN, cluster, "fixed");
        for (const name of ["eks", "lt", "ng", "key"]) assert.match(detail, new RegExp(`<br/>${name}"`));
        assert.match(detail, /x0\(\["Network net"\]\) *\n|x0\(\["Network net"\]\)/);
    });

    for (const stack of committedStacks()) {
        it(`${stack}: the overview and every component's diagram parse with mermaid; drawn top-down, they keep to ${WIDTH_BUDGET} nodes a row`, async () => {
            const parse = await mermaidParser();
            const plan = await planFor(stack);
            const all = diagrams(plan.resources, stack);
            assert.deepStrictEqual(all.map((d) => d.name).sort(), [
                "backup",
                "cicd",
                "cluster",
                "containerlogs",
                "ingress",
                "karpenter",
                "network",
                "observability",
                "overview",
                "registry",
            ]);
            for (const d of all) {
                await parse(d.text);
                // Drawn left to right, a rank's nodes stack down the page; the render test measures every diagram.
                if (!d.text.includes("\nflowchart TD\n")) continue;
                const widest = Math.max(...rowsOf(d.text).map((r) => r.length));
                assert.ok(widest <= WIDTH_BUDGET, `${d.name}: ${widest} nodes in one row`);
            }
            await assert.rejects(() => parse('```mermaid\nflowchart TD\n  a["unclosed\n```\n'), "the parser refuses what is not mermaid");
        });
    }

    it("draws a link only where no other path already implies it", () => {
        assert.deepStrictEqual(
            reduced([
                ["a", "b"],
                ["b", "c"],
                ["a", "c"],
                ["a", "d"],
            ]),
            [
                ["a", "b"],
                ["b", "c"],
                ["a", "d"],
            ],
        );
    });

    it("draws resources of one kind with the same waits as one node naming them all", () => {
        const cluster = FIXED_PLAN.find((r) => r.type === "platform:cluster:Cluster")!;
        const twin = FIXED_PLAN.filter((r) => r.parent === cluster.urn).find((r) => r.name === "key")!;
        const plan = [...FIXED_PLAN, { ...twin, urn: `${twin.urn}-2`, name: "key2" }];
        const detail = componentDetail(plan, cluster, "fixed");
        assert.match(detail, new RegExp(`${twin.type.split(":").pop()} ×2<br/>key, key2"`));
    });

    for (const stack of committedStacks()) {
        it(`${stack}: rendered by mermaid in Chromium, the overview fits a page and each detail a wide screen`, async function () {
            if (!fs.existsSync(CHROMIUM)) {
                console.log(`      skipped: ${CHROMIUM} is absent (the render needs a browser; the parse test above still runs)`);
                this.skip();
            }
            this.timeout(300_000);
            const sizes = await renderSizes(diagrams((await planFor(stack)).resources, stack));
            console.log(`      ${sizes.map((s) => `${s.name} ${s.width}x${s.height}`).join(", ")}`);
            assert.ok(sizes.every((s) => s.width > 0 && s.height > 0));
            assert.deepStrictEqual(tooWide(sizes), [], `max widths: overview ${maxWidth("overview")} px, details ${maxWidth("cluster")} px`);
        });
    }
});
