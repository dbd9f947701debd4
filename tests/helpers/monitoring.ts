/** What tests of a component's monitoring share: the monitors a plan's kube-prometheus-stack renders, the metrics a contribution reads, upstream sources. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import { KPS, MonitoringContribution } from "../../components/observability/monitoring";
import { Plan } from "../../offline/plan";

export interface RenderedMonitor {
    kind: "ServiceMonitor" | "PodMonitor";
    name: string;
    matchLabels: Record<string, string>;
    namespaces: string[];
    port: string;
    path: string;
    jobLabel?: string;
}

/** The kube-prometheus-stack release's values in a plan. */
export function kpsValuesOf(plan: Plan): any {
    const kps = plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as any).chart === KPS.chart);
    if (!kps) throw new Error("the plan has no kube-prometheus-stack release");
    return (kps.inputs as any).values;
}

/** The ServiceMonitors and PodMonitors the release renders (templates/prometheus/servicemonitors.yaml, podmonitors.yaml). */
export function monitorsOf(plan: Plan): RenderedMonitor[] {
    const p = kpsValuesOf(plan).prometheus;
    const of = (kind: RenderedMonitor["kind"], m: any, endpoint: any): RenderedMonitor => ({
        kind,
        name: m.name,
        matchLabels: m.selector.matchLabels,
        namespaces: m.namespaceSelector.matchNames,
        port: endpoint.port,
        path: endpoint.path,
        ...(m.jobLabel ? { jobLabel: m.jobLabel } : {}),
    });
    return [
        ...(p.additionalServiceMonitors ?? []).map((m: any) => of("ServiceMonitor", m, m.endpoints[0])),
        ...(p.additionalPodMonitors ?? []).map((m: any) => of("PodMonitor", m, m.podMetricsEndpoints[0])),
    ];
}

/** Series Prometheus makes itself for every target. */
const PROMETHEUS_SERIES = ["up"];
const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/;

/** Every expression a contribution evaluates: its rules' and its dashboards' panels'. */
export function expressionsOf(c: MonitoringContribution): string[] {
    const panels = Object.values(c.dashboards ?? {}).flatMap((d: any) => d.panels);
    return [...(c.ruleGroups ?? []).flatMap((g) => g.rules.map((r) => r.expr)), ...panels.flatMap((p: any) => p.targets.map((t: any) => t.expr))];
}

/**
 * The metric names an expression reads that are neither `exported` (a histogram's _bucket/_sum/_count counting as its
 * name) nor made by Prometheus. Each selector is written `name{...}`, so a bare name would also be reported.
 */
export function foreignMetrics(c: MonitoringContribution, exported: readonly string[]): string[] {
    const read = expressionsOf(c).flatMap((e) => [...e.replace(/"[^"]*"/g, '""').matchAll(/([a-zA-Z_:][\w:]*)\s*\{/g)].map((m) => m[1]));
    const bare = expressionsOf(c).filter((e) => !/\{/.test(e));
    const known = (n: string) => PROMETHEUS_SERIES.includes(n) || exported.includes(n) || exported.includes(n.replace(HISTOGRAM_SUFFIX, ""));
    return [...new Set([...read.filter((n) => !known(n)), ...bare])];
}

/** Git mirrors of upstream repositories on the development machine (not in CI). */
const MIRRORS = "/work/.mirror";

/** A file of an upstream repository at a revision, from the local mirror; the test skips, saying why, without it. */
export function upstreamSource(ctx: Mocha.Context, repo: string, rev: string, path: string): string {
    const gitDir = `${MIRRORS}/${repo.replace("/", "+")}/repo`;
    if (!fs.existsSync(gitDir)) {
        console.log(`      skipped: no mirror of ${repo} at ${gitDir} (upstream sources are only on the development machine)`);
        ctx.skip();
    }
    return execFileSync("git", ["--git-dir", gitDir, "show", `${rev}:${path}`], { encoding: "utf8", maxBuffer: 64 << 20 });
}
