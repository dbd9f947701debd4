import * as assert from "assert";
import { mermaid } from "../../offline/diagram";
import { FIXED_PLAN } from "../helpers/fixed-plan";

describe("architecture diagram", () => {
    const text = mermaid(FIXED_PLAN, "fixed");
    const lines = text.split("\n");
    const idOf = (label: string) => /^\s*(?:subgraph )?(r\d+)\[/.exec(lines.find((l) => l.includes(label))!)![1];

    it("is a Mermaid flowchart in a fenced block", () => {
        assert.strictEqual(lines[0], "```mermaid");
        assert.ok(lines.includes("flowchart LR"));
        assert.strictEqual(lines[lines.length - 2], "```");
    });

    it("draws each component as a subgraph holding its own resources", () => {
        assert.deepStrictEqual(lines.filter((l) => l.trim().startsWith("subgraph")).map((l) => /\["(.*)"\]/.exec(l)![1]), ["Network net", "Cluster cl", "Ingress ing"]);
        const cluster = text.slice(text.indexOf('"Cluster cl"'), text.indexOf("end", text.indexOf('"Cluster cl"')));
        for (const label of ["eks Cluster<br/>eks", "aws LaunchTemplate<br/>lt", "eks ManagedNodeGroup<br/>ng", "aws Key<br/>key"]) assert.ok(cluster.includes(label), label);
        assert.ok(!cluster.includes("awsx Vpc"));
    });

    it("links components in dependency order, once per pair", () => {
        const [net, cl, ing] = ["Network net", "Cluster cl", "Ingress ing"].map(idOf);
        const edges = lines.filter((l) => l.includes("-->")).map((l) => l.trim());
        assert.deepStrictEqual(edges.sort(), [`${net} --> ${cl}`, `${net} --> ${ing}`].sort());
    });

    it("gives every node a unique id", () => {
        const ids = lines.map((l) => /^\s*(?:subgraph )?(r\d+)\[/.exec(l)?.[1]).filter(Boolean);
        assert.strictEqual(new Set(ids).size, ids.length);
        assert.strictEqual(ids.length, FIXED_PLAN.length);
    });
});
