/**
 * Smoke test after a deploy: `npm run smoke -- https://app.dev.example.com/healthz [--attempts 20] [--interval-ms 6000]`.
 * Retries while DNS, the ALB and the pods settle; exits 0 on the first 200 whose JSON says status ok.
 */
export interface SmokeResult {
    ok: boolean;
    attempts: number;
    last: string;
}

export async function smoke(url: string, attempts: number, intervalMs: number, log: (line: string) => void = () => undefined): Promise<SmokeResult> {
    let last = "";
    for (let i = 1; i <= attempts; i++) {
        try {
            const res = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: "manual" });
            const body = await res.text();
            last = `HTTP ${res.status} ${body.slice(0, 200)}`;
            if (res.status === 200 && (JSON.parse(body) as { status?: unknown }).status === "ok") return { ok: true, attempts: i, last };
        } catch (err) {
            last = (err as Error).cause ? String((err as Error).cause) : String(err);
        }
        log(`attempt ${i}/${attempts}: ${last}`);
        if (i < attempts) await new Promise((r) => setTimeout(r, intervalMs));
    }
    return { ok: false, attempts, last };
}

if (require.main === module) {
    const args = process.argv.slice(2);
    const opt = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
    const url = args.find((a) => /^https?:\/\//.test(a));
    if (!url) {
        process.stderr.write("usage: smoke <url> [--attempts N] [--interval-ms MS]\n");
        process.exit(2);
    }
    smoke(url, opt("--attempts", 20), opt("--interval-ms", 6000), (l) => process.stdout.write(`${l}\n`)).then(
        (r) => {
            process.stdout.write(`${r.ok ? "healthy" : "NOT healthy"} after ${r.attempts} attempt(s): ${r.last}\n`);
            process.exit(r.ok ? 0 : 1);
        },
        (err) => {
            process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(1);
        },
    );
}
