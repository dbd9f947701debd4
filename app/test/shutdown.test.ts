import * as assert from "assert";
import * as http from "http";
import { connect2, get1, get2, sleep, startApp } from "./helpers";

describe("graceful shutdown on SIGTERM", function () {
    this.timeout(30000);

    it("fails no request across SIGTERM under load: readiness drops, in-flight requests finish, the process exits 0", async () => {
        const app = await startApp({ SHUTDOWN_DRAIN_MS: "1000", SHUTDOWN_GRACE_MS: "10000", DEBUG_ROUTES: "true" });
        const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
        const session = await connect2(app.port);
        const failures: string[] = [];
        let served = 0;
        // Like an ALB: new requests go to the pod until its health check has failed twice.
        let routing = true;
        const count = (status: number, what: string) => (status === 200 ? served++ : failures.push(`${what}: ${status}`));
        const worker = async (send: () => Promise<{ status: number }>, what: string) => {
            while (routing) {
                try {
                    count((await send()).status, what);
                } catch (err) {
                    failures.push(`${what}: ${(err as Error).message}`);
                }
            }
        };
        const workers = [
            ...Array.from({ length: 12 }, () => worker(() => get1(app.port, "/", agent), "http/1.1")),
            ...Array.from({ length: 4 }, () => worker(() => get2(session, "/"), "h2c")),
        ];
        const readiness: number[] = [];
        const healthCheck = (async () => {
            let bad = 0;
            while (routing) {
                const status = await get1(app.port, "/readyz").then(
                    (r) => r.status,
                    () => 0,
                );
                readiness.push(status);
                bad = status === 200 ? 0 : bad + 1;
                if (bad >= 2) routing = false;
                await sleep(100);
            }
        })();

        await sleep(500);
        const servedBeforeSignal = served;
        // Slow requests in flight across the moment the listener closes (after the 1 s drain).
        const slow = [
            ...Array.from({ length: 4 }, () => get1(app.port, "/debug/sleep?ms=2500", agent)),
            ...Array.from({ length: 2 }, () => get2(session, "/debug/sleep?ms=2500")),
        ];
        await sleep(50);
        const signalled = Date.now();
        app.proc.kill("SIGTERM");

        const slowReplies = await Promise.all(slow.map((p) => p.catch((err) => ({ status: 0, body: String(err) }))));
        await Promise.all([...workers, healthCheck]);
        const code = await app.exited;
        const exitedAfterMs = Date.now() - signalled;
        agent.destroy();
        session.destroy();

        assert.deepStrictEqual(failures, [], "requests failed");
        assert.deepStrictEqual(
            slowReplies.map((r) => r.status),
            [200, 200, 200, 200, 200, 200],
            "in-flight requests cut",
        );
        assert.ok(servedBeforeSignal > 50, `the load was too light to mean anything: ${servedBeforeSignal} requests`);
        assert.ok(served > servedBeforeSignal, "nothing was served after the signal");
        assert.ok(readiness.includes(503), "readiness never reported 503 while the pod was still serving");
        assert.strictEqual(code, 0);
        assert.ok(exitedAfterMs < 10000, `exit took ${exitedAfterMs} ms`);
        const done = app.logs().find((l) => l.msg === "shutdown: done");
        assert.strictEqual(done?.forced, false);
    });

    it("keeps serving while not ready during the drain delay", async () => {
        const app = await startApp({ SHUTDOWN_DRAIN_MS: "1500", SHUTDOWN_GRACE_MS: "5000" });
        app.proc.kill("SIGTERM");
        await sleep(300);
        const [ready, root] = await Promise.all([get1(app.port, "/readyz"), get1(app.port, "/")]);
        assert.strictEqual(ready.status, 503);
        assert.deepStrictEqual(JSON.parse(ready.body), { ready: false });
        assert.strictEqual(root.status, 200);
        assert.strictEqual(root.headers.connection, "close", "HTTP/1.1 clients must be told to reconnect elsewhere");
        assert.strictEqual(await app.exited, 0);
    });

    it("exits within the grace period, code 1, when a request outlives it", async () => {
        const app = await startApp({ SHUTDOWN_DRAIN_MS: "100", SHUTDOWN_GRACE_MS: "1500", DEBUG_ROUTES: "true" });
        const stuck = get1(app.port, "/debug/sleep?ms=8000").catch((err) => err);
        await sleep(100);
        const signalled = Date.now();
        app.proc.kill("SIGTERM");
        const code = await app.exited;
        const took = Date.now() - signalled;
        assert.strictEqual(code, 1);
        assert.ok(took >= 1400 && took < 4000, `exited after ${took} ms, grace was 1500 ms`);
        assert.ok((await stuck) instanceof Error, "the stuck request should have been cut");
    });
});
