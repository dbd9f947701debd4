import * as assert from "assert";
import * as http2 from "http2";
import { connect2, get2, H2_PREFACE, h2Frame, openRaw, RawConnection, RunningApp, sleep, startApp } from "./helpers";

const HEADERS_TIMEOUT_MS = 1000;
const IDLE_TIMEOUT_MS = 1500;
/** Node adds this to keepAliveTimeout before it closes an idle HTTP/1 socket (v20 lib/_http_server.js). */
const NODE_KEEP_ALIVE_BUFFER_MS = 1000;
/** Room for a loaded machine (2 shared cores) and for Node's timeout check, which runs every 500 ms. */
const SLACK_MS = 2000;

const SETTINGS = 0x4,
    HEADERS = 0x1;
const END_STREAM = 0x1,
    END_HEADERS = 0x4;

/** Keeps writing `piece` every 200 ms until the server closes: activity that an inactivity timeout never ends. */
function drip(conn: RawConnection, piece: () => Buffer | string): void {
    const timer = setInterval(() => conn.socket.write(piece()), 200);
    conn.socket.once("end", () => clearInterval(timer));
    conn.socket.once("close", () => clearInterval(timer));
}

async function assertCutAfter(conn: RawConnection, boundMs: number, what: string): Promise<void> {
    const closedAfter = await conn.closedWithin(boundMs + SLACK_MS);
    conn.socket.destroy();
    assert.ok(closedAfter !== undefined, `${what}: still open after ${boundMs + SLACK_MS} ms`);
    assert.ok(closedAfter >= boundMs - 100, `${what}: closed after ${closedAfter} ms, before the ${boundMs} ms bound`);
}

describe("timeouts for silent, slow and idle clients (both protocols on one port)", function () {
    this.timeout(20000);
    let app: RunningApp;
    before(async () => {
        app = await startApp({ HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS), REQUEST_TIMEOUT_MS: "5000", IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS) });
    });
    after(async () => {
        app?.proc.kill("SIGKILL");
        await app?.exited;
    });

    it("closes a connection that never sends a byte", async () => {
        await assertCutAfter(await openRaw(app.port), HEADERS_TIMEOUT_MS, "silent connection");
    });

    it("HTTP/1.1: answers 408 and closes when half the request head arrives and then nothing", async () => {
        const conn = await openRaw(app.port);
        conn.socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        await assertCutAfter(conn, HEADERS_TIMEOUT_MS, "half a head");
        assert.match(conn.received(), /^HTTP\/1\.1 408 /);
    });

    it("HTTP/1.1: cuts a head sent one header line at a time, though bytes keep arriving", async () => {
        const conn = await openRaw(app.port);
        conn.socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        drip(conn, () => "X-Slow: 1\r\n");
        await assertCutAfter(conn, HEADERS_TIMEOUT_MS, "slow head");
        assert.match(conn.received(), /^HTTP\/1\.1 408 /);
    });

    it("HTTP/1.1: closes a keep-alive connection left idle after a response", async () => {
        const conn = await openRaw(app.port);
        conn.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        await sleep(200);
        assert.match(conn.received(), /^HTTP\/1\.1 200 /);
        await assertCutAfter(conn, IDLE_TIMEOUT_MS + NODE_KEEP_ALIVE_BUFFER_MS, "idle keep-alive");
        assert.match(conn.received(), /Keep-Alive: timeout=1\r\n/i, "the keep-alive timeout advertised to the client");
    });

    it("h2c: closes a connection that sends half the preface and then nothing", async () => {
        const conn = await openRaw(app.port);
        conn.socket.write(H2_PREFACE.slice(0, 10));
        await assertCutAfter(conn, HEADERS_TIMEOUT_MS, "half a preface");
    });

    it("h2c: closes a session that sends the preface and settings but never a request", async () => {
        const conn = await openRaw(app.port);
        conn.socket.write(Buffer.concat([Buffer.from(H2_PREFACE, "latin1"), h2Frame(SETTINGS, 0, 0)]));
        await assertCutAfter(conn, HEADERS_TIMEOUT_MS, "session without a request");
        assert.strictEqual(conn.received().charCodeAt(3), SETTINGS, "the server spoke HTTP/2 before closing");
    });

    it("h2c: cuts a HEADERS frame whose bytes arrive one at a time, though bytes keep arriving", async () => {
        const conn = await openRaw(app.port);
        // HPACK (RFC 7541): indexed :method GET, :path /, :scheme http, then the literal "x-slow: aaa…" (90 bytes).
        const block = Buffer.concat([Buffer.from([0x82, 0x84, 0x86, 0x00, 0x06]), Buffer.from("x-slow"), Buffer.from([90]), Buffer.alloc(90, "a")]);
        const frame = h2Frame(HEADERS, END_HEADERS | END_STREAM, 1, block);
        conn.socket.write(Buffer.concat([Buffer.from(H2_PREFACE, "latin1"), h2Frame(SETTINGS, 0, 0), frame.subarray(0, 12)]));
        let sent = 12;
        drip(conn, () => frame.subarray(sent, ++sent));
        await assertCutAfter(conn, HEADERS_TIMEOUT_MS, "slow HEADERS frame");
        assert.ok(sent < frame.length, "the frame was complete before the cut");
    });

    it("h2c: keeps a session open while requests keep coming, and closes it with GOAWAY once idle", async () => {
        const session = await connect2(app.port);
        let goaway = false;
        session.once("goaway", () => (goaway = true));
        const closed = new Promise<number>((r) => session.once("close", () => r(Date.now())));
        session.on("error", () => undefined);
        try {
            for (let elapsed = 0; elapsed < IDLE_TIMEOUT_MS * 2; elapsed += 500) {
                assert.strictEqual((await get2(session, "/healthz")).status, 200);
                await sleep(500);
            }
            const idleFrom = Date.now();
            const closedAt = await Promise.race([closed, sleep(IDLE_TIMEOUT_MS + SLACK_MS).then(() => undefined)]);
            assert.ok(closedAt !== undefined, "the idle session is still open");
            assert.ok(closedAt - idleFrom >= IDLE_TIMEOUT_MS - 600, `closed after ${closedAt - idleFrom} ms idle`);
            assert.ok(goaway, "no GOAWAY before the close");
        } finally {
            session.destroy();
        }
    });
});

describe("metrics labels come from closed sets", function () {
    this.timeout(20000);
    let app: RunningApp;
    before(async () => {
        app = await startApp();
    });
    after(async () => {
        app?.proc.kill("SIGKILL");
        await app?.exited;
    });

    it('counts HTTP/2 requests with made-up methods as method="other", so /metrics does not grow with them', async () => {
        const session = await connect2(app.port);
        const sizeBefore = (await get2(session, "/metrics")).body.length;
        const sent = 300;
        const statuses = await Promise.all(
            Array.from(
                { length: sent },
                (_, i) =>
                    new Promise<number>((resolve, reject) => {
                        const req = session.request({ ":method": `M${i}`, ":path": "/" });
                        let status = 0;
                        req.on("response", (h) => (status = Number(h[":status"])));
                        req.on("end", () => resolve(status));
                        req.on("error", reject);
                        req.resume();
                        req.end();
                    }),
            ),
        );
        const counted = /http_requests_total\{method="other",route="\/",status="405"\} (\d+)/;
        let metrics = "";
        // The server counts a request when its response has finished, a moment after the client has read it.
        for (let tries = 0; tries < 20 && Number(counted.exec(metrics)?.[1]) !== sent; tries++) {
            metrics = (await get2(session, "/metrics")).body;
            await sleep(100);
        }
        session.close();
        assert.ok(statuses.every((s) => s === 405));
        assert.ok(!/method="M\d+"/.test(metrics), "a client-chosen method became a label value");
        assert.strictEqual(Number(counted.exec(metrics)?.[1]), sent, 'requests with made-up methods counted as method="other"');
        // One new series (and its histogram) for all of them, not one per method.
        assert.ok(metrics.length - sizeBefore < 5000, `/metrics grew by ${metrics.length - sizeBefore} bytes`);
    });
});

describe("prompt exit on SIGTERM with silent and idle connections open", function () {
    this.timeout(30000);

    it("drains in about the drain delay and exits 0 instead of waiting out the grace period", async () => {
        const drainMs = 1000;
        const app = await startApp({ SHUTDOWN_DRAIN_MS: String(drainMs), SHUTDOWN_GRACE_MS: "10000" });
        const silent = await openRaw(app.port);
        const halfPreface = await openRaw(app.port);
        halfPreface.socket.write(H2_PREFACE.slice(0, 10));
        const halfHead = await openRaw(app.port);
        halfHead.socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        const idleKeepAlive = await openRaw(app.port);
        idleKeepAlive.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        const quietSession = await openRaw(app.port);
        quietSession.socket.write(Buffer.concat([Buffer.from(H2_PREFACE, "latin1"), h2Frame(SETTINGS, 0, 0)]));
        const idleSession: http2.ClientHttp2Session = await connect2(app.port);
        idleSession.on("error", () => undefined);
        assert.strictEqual((await get2(idleSession, "/healthz")).status, 200);
        await sleep(200);

        const signalled = Date.now();
        app.proc.kill("SIGTERM");
        const code = await Promise.race([app.exited, sleep(12000).then(() => "still running")]);
        const took = Date.now() - signalled;
        for (const c of [silent, halfPreface, halfHead, idleKeepAlive, quietSession]) c.socket.destroy();
        idleSession.destroy();
        if (code === "still running") app.proc.kill("SIGKILL");

        assert.strictEqual(code, 0, `exit code after ${took} ms`);
        assert.ok(took < drainMs + 1500, `exit took ${took} ms; the drain delay is ${drainMs} ms`);
        assert.strictEqual(app.logs().find((l) => l.msg === "shutdown: done")?.forced, false);
        assert.match(halfHead.received(), /^HTTP\/1\.1 408 /, "the half-sent request is told it timed out");
    });
});
