import * as assert from "assert";
import * as http from "http";
import * as net from "net";
import { connect2, get1, get2, RunningApp, startApp } from "./helpers";

describe("serving HTTP/1.1 and h2c on one port", () => {
    let app: RunningApp;
    before(async () => {
        app = await startApp();
    });
    after(async () => {
        app?.proc.kill("SIGKILL");
        await app?.exited;
    });

    it("answers HTTP/1.1 with JSON", async () => {
        const r = await get1(app.port, "/");
        assert.strictEqual(r.status, 200);
        assert.match(String(r.headers["content-type"]), /^application\/json/);
        const body = JSON.parse(r.body);
        assert.strictEqual(body.protocol, "1.1");
        assert.strictEqual(body.service, "platform-sample-app");
    });

    it("answers HTTP/2 with prior knowledge (what an ALB set to HTTP2 sends) on the same port", async () => {
        const session = await connect2(app.port);
        try {
            const replies = await Promise.all(["/", "/healthz", "/readyz", "/"].map((p) => get2(session, p)));
            assert.deepStrictEqual(
                replies.map((r) => r.status),
                [200, 200, 200, 200],
            );
            assert.strictEqual(JSON.parse(replies[0].body).protocol, "2.0");
        } finally {
            session.close();
        }
    });

    it("keeps answering HTTP/1.1 after HTTP/2 connections, and over keep-alive", async () => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const replies = await Promise.all(Array.from({ length: 5 }, () => get1(app.port, "/healthz", agent)));
        agent.destroy();
        assert.ok(replies.every((r) => r.status === 200));
    });

    it("answers the raw HTTP/2 preface instead of rejecting it as a bad HTTP/1 request", async () => {
        // The bytes an HTTP/1-only server answers with 400 "PRI * HTTP/2.0" (and an ALB turns into 504s).
        const reply = await new Promise<Buffer>((resolve, reject) => {
            const s = net.connect(app.port, "127.0.0.1", () => s.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
            s.once("data", (d) => {
                resolve(d);
                s.destroy();
            });
            s.once("error", reject);
        });
        assert.ok(!reply.toString("latin1").startsWith("HTTP/1.1 400"), "treated the preface as HTTP/1");
        assert.strictEqual(reply[3], 0x04, "the first frame back must be an HTTP/2 SETTINGS frame");
    });

    it("probes: /healthz is alive and /readyz ready once listening", async () => {
        assert.deepStrictEqual(JSON.parse((await get1(app.port, "/healthz")).body), { status: "ok" });
        const ready = await get1(app.port, "/readyz");
        assert.strictEqual(ready.status, 200);
        assert.deepStrictEqual(JSON.parse(ready.body), { ready: true });
    });

    it("exports request count and duration by route and status, for both protocols, plus process metrics", async () => {
        await get1(app.port, "/nope");
        const metrics = (await get1(app.port, "/metrics")).body;
        assert.match(metrics, /http_requests_total\{method="GET",route="\/",status="200"\} \d+/);
        assert.match(metrics, /http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
        assert.match(metrics, /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/",status="200"\}/);
        assert.match(metrics, /process_cpu_user_seconds_total/);
        assert.match(metrics, /nodejs_eventloop_lag_seconds/);
        const served = Number(/http_requests_total\{method="GET",route="\/",status="200"\} (\d+)/.exec(metrics)![1]);
        assert.ok(served >= 3, `expected the HTTP/1.1 and HTTP/2 requests to / counted, got ${served}`);
    });

    it("keeps the test-only routes off unless asked for", async () => {
        assert.strictEqual((await get1(app.port, "/debug/sleep?ms=10")).status, 404);
    });

    it("writes structured JSON logs", () => {
        const started = app.logs().find((l) => l.msg === "listening");
        assert.ok(started && typeof started.time === "string" && started.level === "info");
        assert.deepStrictEqual(started.protocols, ["http/1.1", "h2c"]);
    });
});
