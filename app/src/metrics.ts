import { collectDefaultMetrics, Registry } from "prom-client";

export const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface Series {
    /** `method="GET",route="/",status="200"`, rendered once. */
    labels: string;
    /** Per bucket, not cumulative; observations above the last bucket are only in `count`. */
    counts: number[];
    sum: number;
    count: number;
}

/**
 * http_request_duration_seconds (histogram) and http_requests_total (counter) by method, route and status, in the
 * text prom-client renders for the same observations. Kept as plain numbers because prom-client's observe() builds a
 * closure, validates and hashes its label object on every call: the largest cost the app added to a request. The
 * callers pass label values from closed sets only, so the series are bounded and need no escaping.
 */
export class RequestMetrics {
    private readonly series = new Map<string, Series>();

    observe(method: string, route: string, status: number, seconds: number): void {
        const key = `${method} ${route} ${status}`;
        let s = this.series.get(key);
        if (s === undefined) {
            s = { labels: `method="${method}",route="${route}",status="${status}"`, counts: REQUEST_BUCKETS.map(() => 0), sum: 0, count: 0 };
            this.series.set(key, s);
        }
        for (let i = 0; i < REQUEST_BUCKETS.length; i++) {
            if (seconds <= REQUEST_BUCKETS[i]) {
                s.counts[i]++;
                break;
            }
        }
        s.sum += seconds;
        s.count++;
    }

    text(): string {
        const histogram = [
            "# HELP http_request_duration_seconds HTTP request duration in seconds, by route and status",
            "# TYPE http_request_duration_seconds histogram",
        ];
        const counter = ["# HELP http_requests_total HTTP requests served, by route and status", "# TYPE http_requests_total counter"];
        for (const { labels, counts, sum, count } of this.series.values()) {
            let cumulative = 0;
            REQUEST_BUCKETS.forEach((le, i) => histogram.push(`http_request_duration_seconds_bucket{le="${le}",${labels}} ${(cumulative += counts[i])}`));
            histogram.push(`http_request_duration_seconds_bucket{le="+Inf",${labels}} ${count}`);
            histogram.push(`http_request_duration_seconds_sum{${labels}} ${sum}`);
            histogram.push(`http_request_duration_seconds_count{${labels}} ${count}`);
            counter.push(`http_requests_total{${labels}} ${count}`);
        }
        return `${histogram.join("\n")}\n\n${counter.join("\n")}\n`;
    }
}

export interface Metrics {
    requests: RequestMetrics;
    contentType: string;
    /** The whole /metrics body: process and runtime metrics from prom-client, then the request metrics. */
    text(): Promise<string>;
}

export function createMetrics(): Metrics {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const requests = new RequestMetrics();
    return { requests, contentType: registry.contentType, text: async () => `${await registry.metrics()}\n${requests.text()}` };
}
