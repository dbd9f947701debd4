/**
 * npm run diagram:render [-- <stack>...] [--screenshot <file.png>]: renders the diagrams `npm run plan` wrote to
 * plan/<stack>.md and plan/<stack>/*.md in headless Chromium and prints each one's size; fails when the overview
 * is wider than a page or a detail diagram wider than a wide screen (offline/diagram-render.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { CHROMIUM, maxWidth, renderSizes, tooWide } from "../offline/diagram-render";
import { PROJECT_DIR } from "../offline/plan";
import { committedStacks } from "../tests/helpers/stacks";

function diagramsOf(stack: string): { name: string; text: string }[] {
    const planDir = path.join(PROJECT_DIR, "plan");
    const overview = path.join(planDir, `${stack}.md`);
    if (!fs.existsSync(overview)) throw new Error(`${path.relative(process.cwd(), overview)} is missing: run npm run plan -- ${stack} first`);
    const fence = (file: string) => /```mermaid\n[\s\S]*?```\n?/.exec(fs.readFileSync(file, "utf8"))?.[0] ?? "";
    const dir = path.join(planDir, stack);
    const details = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".md")) : [];
    return [{ name: "overview", text: fence(overview) }, ...details.sort().map((f) => ({ name: f.replace(/\.md$/, ""), text: fence(path.join(dir, f)) }))];
}

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const shotAt = args.indexOf("--screenshot");
    const screenshot = shotAt >= 0 ? args.splice(shotAt, 2)[1] : undefined;
    const stacks = args.length ? args : committedStacks();
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
    const problems: string[] = [];
    for (const [i, stack] of stacks.entries()) {
        const sizes = await renderSizes(diagramsOf(stack), i === 0 ? screenshot : undefined);
        console.log(`${stack}:`);
        for (const s of sizes)
            console.log(`  ${s.name.padEnd(16)} ${String(s.width).padStart(5)} x ${String(s.height).padStart(5)} px (max width ${maxWidth(s.name)})`);
        problems.push(...tooWide(sizes).map((p) => `${stack}: ${p}`));
    }
    if (screenshot) console.log(`screenshot of ${stacks[0]}'s overview: ${screenshot}`);
    if (problems.length) {
        console.error(problems.join("\n"));
        process.exit(1);
    }
}

main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
