import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

export interface Metrics {
    registry: Registry;
    /** One observation per finished request; http_requests_total is read from its counts. */
    duration: Histogram<"method" | "route" | "status">;
}

export function createMetrics(): Metrics {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const labelNames = ["method", "route", "status"] as const;
    const duration = new Histogram({
        name: "http_request_duration_seconds",
        help: "HTTP request duration in seconds, by route and status",
        labelNames,
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
    });
    new Counter({
        name: "http_requests_total",
        help: "HTTP requests served, by route and status",
        labelNames,
        registers: [registry],
        // Filled from the histogram's _count series when scraped, so a request costs one observation, not two.
        async collect() {
            this.reset();
            for (const v of (await duration.get()).values) {
                if (v.metricName === "http_request_duration_seconds_count") this.inc(v.labels, v.value);
            }
        },
    });
    return { registry, duration };
}
