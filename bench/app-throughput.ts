/**
 * Loads the real app (the built app/dist, one process) on loopback with autocannon and reports req/s, p50, p99
 * and errors. `npm run bench -- [--connections 50] [--duration 10] [--check]`; see bench/README.md.
 */
import autocannon from "autocannon";
import { spawn } from "child_process";
import * as path from "path";

/** A single-worker FastAPI/Uvicorn service returning the same JSON, measured on this machine (see README). */
const REFERENCE = { name: "FastAPI/Uvicorn, 1 worker", requestsPerSec: 3300, p99Ms: 28 };
const TARGET = { requestsPerSec: REFERENCE.requestsPerSec * 3, p99Ms: REFERENCE.p99Ms };

function flag(name: string, fallback: number): number {
    const at = process.argv.indexOf(`--${name}`);
    return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

async function main(): Promise<number> {
    const connections = flag("connections", 50);
    const duration = flag("duration", 10);
    const main = path.resolve(__dirname, "../app/dist/src/main.js");
    const app = spawn(process.execPath, [main], { env: { PATH: process.env.PATH, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "inherit"] });
    // info is the production level: it logs start and stop, not each request.
    const port = await new Promise<number>((resolve, reject) => {
        app.once("exit", (code) => reject(new Error(`app exited with ${code}; run npm --prefix app run build first`)));
        app.stdout!.on("data", (d: Buffer) => {
            for (const line of d.toString().split("\n").filter(Boolean)) {
                const entry = JSON.parse(line);
                if (entry.msg === "listening") resolve(entry.port);
            }
        });
    });
    try {
        const result = await autocannon({ url: `http://127.0.0.1:${port}/`, connections, duration });
        const report = {
            connections,
            durationS: duration,
            requestsPerSec: Math.round(result.requests.average),
            p50Ms: result.latency.p50,
            p99Ms: result.latency.p99,
            errors: result.errors + result.timeouts,
            non2xx: result.non2xx,
            total: result.requests.total,
        };
        console.log(JSON.stringify(report, null, 2));
        const meets = report.requestsPerSec >= TARGET.requestsPerSec && report.p99Ms < TARGET.p99Ms && report.errors === 0 && report.non2xx === 0;
        console.log(`${meets ? "meets" : "MISSES"} the target: >= ${TARGET.requestsPerSec} req/s (3x ${REFERENCE.name}), p99 < ${TARGET.p99Ms} ms, zero errors`);
        return process.argv.includes("--check") && !meets ? 1 : 0;
    } finally {
        app.kill("SIGKILL");
    }
}

main().then((code) => process.exit(code), (err) => { console.error(err); process.exit(1); });
