/**
 * Loads the real app (the built app/dist, one process) and a bare `node:http` server (bench/bare-server.ts, one
 * process) on loopback with autocannon, in the same run and in alternating order, and reports req/s, p50, p99, errors
 * and the app's share of the bare server's req/s.
 * `npm run bench -- [--connections 50] [--duration 10] [--rounds 5] [--check]`; see bench/README.md.
 */
import autocannon from "autocannon";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** A single-worker FastAPI/Uvicorn service returning the same JSON, measured on this machine (see README). */
const REFERENCE = { name: "FastAPI/Uvicorn, 1 worker", requestsPerSec: 3300, p99Ms: 28 };
const TARGET = { requestsPerSec: REFERENCE.requestsPerSec * 3, p99Ms: REFERENCE.p99Ms, shareOfBare: 0.85 };
const WARMUP_S = 2;

interface Run {
    requestsPerSec: number;
    p50Ms: number;
    p99Ms: number;
    errors: number;
    non2xx: number;
    /** The server process's CPU time per 1,000 requests: steadier than req/s when other work shares the cores. */
    cpuMsPer1kRequests?: number;
}

function flag(name: string, fallback: number): number {
    const at = process.argv.indexOf(`--${name}`);
    return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function start(args: string[], env: Record<string, string>): Promise<{ proc: ChildProcess; port: number }> {
    const proc = spawn(process.execPath, args, { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "inherit"] });
    return new Promise((resolve, reject) => {
        proc.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}; run npm --prefix app run build first`)));
        proc.stdout!.on("data", (d: Buffer) => {
            for (const line of d.toString().split("\n").filter(Boolean)) {
                const entry = JSON.parse(line);
                if (entry.msg === "listening") resolve({ proc, port: entry.port });
            }
        });
    });
}

/** User + system CPU milliseconds a process has used so far (Linux /proc, fields 14 and 15 in clock ticks of 10 ms). */
function cpuMs(pid: number): number | undefined {
    try {
        const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
        return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
        return undefined;
    }
}

async function load(server: { proc: ChildProcess; port: number }, connections: number, duration: number): Promise<Run> {
    const cpuBefore = cpuMs(server.proc.pid!);
    const result = await autocannon({ url: `http://127.0.0.1:${server.port}/`, connections, duration });
    const cpuAfter = cpuMs(server.proc.pid!);
    return {
        requestsPerSec: Math.round(result.requests.average),
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
        cpuMsPer1kRequests:
            cpuBefore === undefined || cpuAfter === undefined ? undefined : Math.round(((cpuAfter - cpuBefore) / result.requests.total) * 1e5) / 100,
    };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<number> {
    const connections = flag("connections", 50);
    const duration = flag("duration", 10);
    const rounds = flag("rounds", 5);
    // info is the production level: it logs start and stop, not each request.
    const app = await start([path.resolve(__dirname, "../app/dist/src/main.js")], { HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info" });
    const bare = await start(["-r", "ts-node/register/transpile-only", path.resolve(__dirname, "bare-server.ts")], {});
    try {
        await load(bare, connections, WARMUP_S);
        await load(app, connections, WARMUP_S);
        const runs: { round: number; bare: Run; app: Run; share: number }[] = [];
        for (let round = 1; round <= rounds; round++) {
            // Alternating who goes first spreads drift in the machine's other load over both.
            const order = round % 2 === 1 ? [bare, app] : [app, bare];
            const [first, second] = [await load(order[0], connections, duration), await load(order[1], connections, duration)];
            const [b, a] = order[0] === bare ? [first, second] : [second, first];
            runs.push({ round, bare: b, app: a, share: Math.round((a.requestsPerSec / b.requestsPerSec) * 1000) / 1000 });
        }
        const share = median(runs.map((r) => r.share));
        const appRun = runs.find((r) => r.share === share)!.app;
        const clean = runs.every((r) => r.app.errors === 0 && r.app.non2xx === 0);
        console.log(JSON.stringify({ connections, durationS: duration, runs, medianShareOfBare: share }, null, 2));
        const meetsShare = share >= TARGET.shareOfBare && clean;
        const meetsReference = appRun.requestsPerSec >= TARGET.requestsPerSec && appRun.p99Ms < TARGET.p99Ms && clean;
        console.log(
            `app/bare req/s per round: ${runs.map((r) => `${r.app.requestsPerSec}/${r.bare.requestsPerSec} = ${(r.share * 100).toFixed(1)}%`).join(", ")}`,
        );
        console.log(`CPU ms per 1,000 requests, bare/app per round: ${runs.map((r) => `${r.bare.cpuMsPer1kRequests}/${r.app.cpuMsPer1kRequests}`).join(", ")}`);
        console.log(
            `${meetsShare ? "meets" : "MISSES"} the target: median >= ${TARGET.shareOfBare * 100}% of a bare node:http server's req/s in the same run, zero errors`,
        );
        console.log(
            `${meetsReference ? "meets" : "MISSES"} the target: >= ${TARGET.requestsPerSec} req/s (3x ${REFERENCE.name}), p99 < ${TARGET.p99Ms} ms, zero errors`,
        );
        return process.argv.includes("--check") && !(meetsShare && meetsReference) ? 1 : 0;
    } finally {
        app.proc.kill("SIGKILL");
        bare.proc.kill("SIGKILL");
    }
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err);
        process.exit(1);
    },
);
