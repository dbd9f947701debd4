import * as assert from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { smoke } from "../../ci/smoke";

describe("smoke test", () => {
    let server: http.Server;
    let calls = 0;
    let url: string;
    before(async () => {
        // Unhealthy twice (ALB still registering), then healthy.
        server = http.createServer((req, res) => {
            calls++;
            if (req.url === "/healthz" && calls > 2) {
                res.writeHead(200, { "content-type": "application/json" });
                res.end('{"status":"ok"}');
                return;
            }
            res.writeHead(503);
            res.end("not yet");
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server.close());

    it("retries until the service answers healthy", async () => {
        calls = 0;
        const r = await smoke(`${url}/healthz`, 5, 10);
        assert.deepStrictEqual([r.ok, r.attempts], [true, 3]);
    });

    it("fails after the last attempt with what it last saw", async () => {
        const r = await smoke(`${url}/nope`, 2, 10);
        assert.strictEqual(r.ok, false);
        assert.match(r.last, /HTTP 503 not yet/);
    });
});
