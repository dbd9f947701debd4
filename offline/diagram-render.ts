/**
 * Renders Mermaid diagrams the way a reader sees them: mermaid 11.12.1 (node_modules, loaded as a script, no network)
 * in a headless Chromium driven by playwright-core, measuring each SVG's drawn size. Needs a Chromium binary, which
 * the development machine has (Debian's, /usr/bin/chromium) and CI does not.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
/** A page's width: the overview must fit it without scaling. */
export const OVERVIEW_MAX_WIDTH = 1200;
/** A detail diagram may be read on a wide screen, not wider. */
export const DETAIL_MAX_WIDTH = 1600;

const CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

export interface RenderedSize {
    name: string;
    width: number;
    height: number;
}

/** The diagram text inside its ```mermaid fence. */
export function unfenced(text: string): string {
    return text.replace(/^```mermaid\n|```\n?$/g, "");
}

/** The widest each diagram may be drawn. */
export function maxWidth(name: string): number {
    return name === "overview" ? OVERVIEW_MAX_WIDTH : DETAIL_MAX_WIDTH;
}

/** Sizes over their limit, as sentences. */
export function tooWide(sizes: RenderedSize[]): string[] {
    return sizes.filter((s) => s.width > maxWidth(s.name)).map((s) => `${s.name} is ${s.width} px wide, over ${maxWidth(s.name)} px`);
}

/**
 * Each diagram's rendered width and height in CSS px (the SVG's bounding box at scale 1), in order. With
 * `screenshot`, the first diagram is also saved there as a PNG.
 */
export async function renderSizes(diagrams: { name: string; text: string }[], screenshot?: string): Promise<RenderedSize[]> {
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "diagram-render-"));
    const context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 2400, height: 1600 },
        offline: true,
    });
    try {
        const page = context.pages()[0] ?? (await context.newPage());
        // Nothing is fetched: mermaid is inlined and every request is refused.
        await page.route("**/*", (route) => route.abort());
        await page.setContent("<!doctype html><html><body style='margin:0'><div id='out'></div></body></html>");
        await page.addScriptTag({ content: fs.readFileSync(require.resolve("mermaid/dist/mermaid.min.js"), "utf8") });
        // The callbacks run in the page; this project compiles without the DOM's types.
        await page.evaluate(() => (globalThis as any).mermaid.initialize({ startOnLoad: false, securityLevel: "strict" }));
        const sizes: RenderedSize[] = [];
        for (const [i, d] of diagrams.entries()) {
            const size = await page.evaluate(
                async ({ id, text }) => {
                    const page = globalThis as any;
                    const out = page.document.getElementById("out");
                    const { svg } = await page.mermaid.render(id, text);
                    out.innerHTML = svg;
                    // mermaid sets max-width to the diagram's natural width and width 100%: draw it at its natural size.
                    const el = out.querySelector("svg");
                    el.style.maxWidth = "none";
                    el.removeAttribute("width");
                    const box = el.viewBox.baseVal;
                    el.setAttribute("width", String(box.width));
                    el.setAttribute("height", String(box.height));
                    const r = el.getBoundingClientRect();
                    return { width: Math.round(r.width), height: Math.round(r.height) };
                },
                { id: `d${i}`, text: unfenced(d.text) },
            );
            sizes.push({ name: d.name, ...size });
            if (screenshot && i === 0) await page.locator("#out svg").screenshot({ path: screenshot });
        }
        return sizes;
    } finally {
        await context.close();
        fs.rmSync(userDataDir, { recursive: true, force: true });
    }
}
