import * as assert from "assert";
import { Counter, Histogram, Registry } from "prom-client";
import { REQUEST_BUCKETS, RequestMetrics } from "../src/metrics";

describe("request metrics", () => {
    it("render exactly what prom-client renders for the same observations", async () => {
        const samples: [string, string, number, number][] = [
            ["GET", "/", 200, 0.0004],
            ["GET", "/", 200, 0.001],
            ["GET", "/", 200, 0.003],
            ["HEAD", "/healthz", 200, 0.2],
            ["other", "/", 405, 7],
            ["GET", "unmatched", 404, 0.0011],
            ["GET", "/metrics", 200, 0.02],
        ];
        const registry = new Registry();
        const labelNames = ["method", "route", "status"];
        const histogram = new Histogram({
            name: "http_request_duration_seconds",
            help: "HTTP request duration in seconds, by route and status",
            labelNames,
            buckets: [...REQUEST_BUCKETS],
            registers: [registry],
        });
        const counter = new Counter({ name: "http_requests_total", help: "HTTP requests served, by route and status", labelNames, registers: [registry] });
        const ours = new RequestMetrics();
        for (const [method, route, status, seconds] of samples) {
            histogram.observe({ method, route, status: String(status) }, seconds);
            counter.inc({ method, route, status: String(status) });
            ours.observe(method, route, status, seconds);
        }
        assert.strictEqual(ours.text(), await registry.metrics());
    });
});
