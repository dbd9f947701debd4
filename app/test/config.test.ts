import * as assert from "assert";
import { spawnSync } from "child_process";
import { AppConfigError, loadConfig } from "../src/config";
import { createLogger } from "../src/logger";
import { MAIN } from "./helpers";

describe("configuration from the environment", () => {
    it("has production defaults", () => {
        const c = loadConfig({});
        assert.deepStrictEqual([c.port, c.logLevel, c.drainDelayMs, c.shutdownGraceMs, c.debugRoutes], [8080, "info", 2000, 20000, false]);
    });

    it("has timeouts for silent, slow and idle clients, idle longer than the ALB's 60 s", () => {
        const c = loadConfig({});
        assert.deepStrictEqual([c.headersTimeoutMs, c.requestTimeoutMs, c.idleTimeoutMs], [10000, 30000, 65000]);
    });

    it("rejects timeouts out of range, and a headers timeout longer than the request timeout (Node's http.Server throws)", () => {
        assert.throws(() => loadConfig({ HEADERS_TIMEOUT_MS: "0" }), /HEADERS_TIMEOUT_MS=0: must be a whole number from 500 to 300000/);
        assert.throws(() => loadConfig({ IDLE_TIMEOUT_MS: "1m" }), /IDLE_TIMEOUT_MS=1m/);
        assert.throws(
            () => loadConfig({ HEADERS_TIMEOUT_MS: "20000", REQUEST_TIMEOUT_MS: "10000" }),
            /REQUEST_TIMEOUT_MS=10000 must not be shorter than HEADERS_TIMEOUT_MS=20000/,
        );
    });

    it("names every bad variable at once", () => {
        assert.throws(
            () => loadConfig({ PORT: "http", LOG_LEVEL: "verbose", SHUTDOWN_GRACE_MS: "5s", DEBUG_ROUTES: "yes" }),
            (err: AppConfigError) => {
                assert.ok(err instanceof AppConfigError);
                assert.strictEqual(err.problems.length, 4);
                for (const key of ["PORT=http", "LOG_LEVEL=verbose", "SHUTDOWN_GRACE_MS=5s", "DEBUG_ROUTES=yes"]) assert.match(err.message, new RegExp(key));
                return true;
            },
        );
    });

    it("rejects out-of-range values and a grace period shorter than the drain delay", () => {
        assert.throws(() => loadConfig({ PORT: "70000" }), /PORT=70000: must be a whole number from 0 to 65535/);
        assert.throws(() => loadConfig({ PORT: "-1" }), /PORT=-1/);
        assert.throws(() => loadConfig({ SHUTDOWN_DRAIN_MS: "10000", SHUTDOWN_GRACE_MS: "5000" }), /must be longer than SHUTDOWN_DRAIN_MS/);
    });

    it("the process refuses to start on bad values, with the message on stderr and exit code 2", () => {
        const r = spawnSync(process.execPath, [MAIN], { env: { PATH: process.env.PATH, PORT: "abc", LOG_LEVEL: "loud" }, encoding: "utf8", timeout: 10000 });
        assert.strictEqual(r.status, 2);
        const entry = JSON.parse(r.stderr.trim());
        assert.strictEqual(entry.level, "error");
        assert.deepStrictEqual(
            entry.problems.map((p: string) => p.split("=")[0]),
            ["PORT", "LOG_LEVEL"],
        );
    });

    it("logs one JSON object per line, filtered by level", () => {
        const lines: string[] = [];
        const log = createLogger("warn", (l) => lines.push(l));
        log.info("hidden");
        log.error("shown", { code: 7 });
        assert.strictEqual(lines.length, 1);
        const entry = JSON.parse(lines[0]);
        assert.deepStrictEqual([entry.level, entry.msg, entry.code], ["error", "shown", 7]);
    });
});
