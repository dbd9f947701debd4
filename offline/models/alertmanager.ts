/**
 * A model of what kube-prometheus-stack 88.5.3 makes of `alertmanager.*` values and of how Alertmanager v0.34.0
 * (the chart's image, values.yaml alertmanager.alertmanagerSpec.image.tag) routes and inhibits alerts with it.
 * Followed files:
 *   prometheus-community/helm-charts kube-prometheus-stack-88.5.3 charts/kube-prometheus-stack/values.yaml
 *     alertmanager.config (the defaults below) and alertmanagerSpec.secrets (mounted at /etc/alertmanager/secrets/<name>/)
 *   Helm's value coalescing (helm/helm pkg/chartutil/coalesce.go): maps merge key by key, lists and scalars replace
 *   prometheus/alertmanager v0.34.0:
 *     dispatch/route.go   newRoute (receiver, group_by inherited unless set), Route.Match (depth first; a matching
 *                         child without `continue` stops the siblings; no matching child: the route itself)
 *     inhibit/inhibit.go  Inhibitor.Mutes, InhibitRule.hasEqual (target matches, a firing source matches with equal
 *                         labels; a source that also matches the target side does not inhibit it)
 *     pkg/labels/parse.go, matcher.go  matcher syntax; regexes anchored as ^(?:v)$; a missing label is ""
 *     config/config.go    every route's receiver must be defined; receiver names unique
 */
import { RejectedByUpstream } from "./ids";

const CHART = "kube-prometheus-stack alertmanager";

/** values.yaml alertmanager.config at the tag. */
export const CHART_ALERTMANAGER_CONFIG = {
    global: { resolve_timeout: "5m" },
    inhibit_rules: [
        { source_matchers: ["severity = critical"], target_matchers: ["severity =~ warning|info"], equal: ["namespace", "alertname"] },
        { source_matchers: ["severity = warning"], target_matchers: ["severity = info"], equal: ["namespace", "alertname"] },
        { source_matchers: ["alertname = InfoInhibitor"], target_matchers: ["severity = info"], equal: ["namespace"] },
        { target_matchers: ["alertname = InfoInhibitor"] },
    ],
    route: {
        group_by: ["namespace"],
        group_wait: "30s",
        group_interval: "5m",
        repeat_interval: "12h",
        receiver: "null",
        routes: [{ receiver: "null", matchers: ['alertname = "Watchdog"'] }],
    },
    receivers: [{ name: "null" }],
    templates: ["/etc/alertmanager/config/*.tmpl"],
};

export type Labels = Record<string, string>;

/** Helm's coalescing of user values over a chart's: maps merge, anything else replaces; null deletes. */
export function coalesce(chart: unknown, user: unknown): unknown {
    const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
    if (user === undefined) return chart;
    if (!isMap(chart) || !isMap(user)) return user;
    const out: Record<string, unknown> = { ...chart };
    for (const [k, v] of Object.entries(user)) {
        if (v === null) delete out[k];
        else out[k] = coalesce(chart[k], v);
    }
    return out;
}

interface Matcher {
    name: string;
    op: "=" | "!=" | "=~" | "!~";
    value: string;
}

/** pkg/labels/parse.go: `name op value`, the value optionally double-quoted. */
export function parseMatcher(text: string): Matcher {
    const m = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/.exec(text);
    if (!m) throw new RejectedByUpstream(CHART, `bad matcher ${JSON.stringify(text)}`);
    const raw = m[3];
    const value = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? JSON.parse(raw) : raw;
    return { name: m[1], op: m[2] as Matcher["op"], value };
}

function matches(matchers: Matcher[], labels: Labels): boolean {
    return matchers.every((m) => {
        const v = labels[m.name] ?? "";
        switch (m.op) {
            case "=":
                return v === m.value;
            case "!=":
                return v !== m.value;
            case "=~":
                return new RegExp(`^(?:${m.value})$`).test(v);
            case "!~":
                return !new RegExp(`^(?:${m.value})$`).test(v);
        }
    });
}

interface RawRoute {
    receiver?: string;
    group_by?: string[];
    matchers?: string[];
    match?: Record<string, string>;
    match_re?: Record<string, string>;
    continue?: boolean;
    routes?: RawRoute[];
}

export interface Route {
    receiver: string;
    groupBy: string[];
    matchers: Matcher[];
    continue: boolean;
    routes: Route[];
    /** Position in the tree, e.g. "root/2". */
    path: string;
}

/** dispatch/route.go newRoute: receiver and group_by come from the parent unless the route sets them. */
function buildRoute(raw: RawRoute, parent: Route | undefined, path: string): Route {
    const matchers = [
        ...Object.entries(raw.match ?? {}).map(([name, value]) => ({ name, op: "=" as const, value })),
        ...Object.entries(raw.match_re ?? {}).map(([name, value]) => ({ name, op: "=~" as const, value })),
        ...(raw.matchers ?? []).map(parseMatcher),
    ];
    const route: Route = {
        receiver: raw.receiver || parent?.receiver || "",
        groupBy: raw.group_by ?? parent?.groupBy ?? [],
        matchers,
        continue: raw.continue ?? false,
        routes: [],
        path,
    };
    route.routes = (raw.routes ?? []).map((child, i) => buildRoute(child, route, `${path}/${i}`));
    return route;
}

/** Route.Match. */
export function matchRoutes(route: Route, labels: Labels): Route[] {
    if (!matches(route.matchers, labels)) return [];
    const all: Route[] = [];
    for (const child of route.routes) {
        const found = matchRoutes(child, labels);
        all.push(...found);
        if (found.length > 0 && !child.continue) break;
    }
    return all.length > 0 ? all : [route];
}

interface InhibitRule {
    source: Matcher[];
    target: Matcher[];
    equal: string[];
}

export interface RenderedAlertmanager {
    config: Record<string, any>;
    root: Route;
    inhibitRules: InhibitRule[];
    receivers: Map<string, Record<string, unknown>>;
    /** Every `*_file` the configuration reads. */
    files: string[];
}

function collectFiles(value: unknown, into: string[]): string[] {
    if (Array.isArray(value)) value.forEach((v) => collectFiles(v, into));
    else if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
            if (k.endsWith("_file") && typeof v === "string") into.push(v);
            else collectFiles(v, into);
        }
    }
    return into;
}

/**
 * The configuration Alertmanager loads from the release's values, validated as config.Load and the mount of
 * alertmanagerSpec.secrets would: `secrets` maps each Secret in the namespace to its keys.
 */
export function renderAlertmanager(values: Record<string, any>, secrets: Record<string, string[]>): RenderedAlertmanager {
    const config = coalesce(CHART_ALERTMANAGER_CONFIG, values?.alertmanager?.config) as Record<string, any>;
    const problems: string[] = [];
    const receivers = new Map<string, Record<string, unknown>>();
    for (const r of config.receivers ?? []) {
        if (receivers.has(r.name)) problems.push(`notification config name "${r.name}" is not unique`);
        receivers.set(r.name, r);
    }
    const root = buildRoute(config.route ?? {}, undefined, "root");
    if (!config.route?.receiver) problems.push("root route must specify a default receiver");
    const walk = (r: Route) => {
        if (!receivers.has(r.receiver)) problems.push(`undefined receiver "${r.receiver}" used in route ${r.path}`);
        r.routes.forEach(walk);
    };
    walk(root);
    const mounted = new Set<string>(values?.alertmanager?.alertmanagerSpec?.secrets ?? []);
    const files = collectFiles(config.receivers, []);
    for (const file of files) {
        const m = /^\/etc\/alertmanager\/secrets\/([^/]+)\/([^/]+)$/.exec(file);
        if (!m) problems.push(`${file} is not under a Secret the operator mounts (/etc/alertmanager/secrets/<secret>/<key>)`);
        else if (!mounted.has(m[1])) problems.push(`${file}: Secret ${m[1]} is not in alertmanagerSpec.secrets, so it is not mounted`);
        else if (!(secrets[m[1]] ?? []).includes(m[2])) problems.push(`${file}: Secret ${m[1]} has no key ${m[2]}`);
    }
    if (problems.length) throw new RejectedByUpstream(CHART, problems.join("; "));
    const inhibitRules = (config.inhibit_rules ?? []).map((r: any) => ({
        source: (r.source_matchers ?? []).map(parseMatcher),
        target: (r.target_matchers ?? []).map(parseMatcher),
        equal: r.equal ?? [],
    }));
    return { config, root, inhibitRules, receivers, files };
}

/** Inhibitor.Mutes over the alerts firing at the same time. */
export function isInhibited(rules: InhibitRule[], alert: Labels, firing: Labels[]): boolean {
    return rules.some((rule) => {
        if (!matches(rule.target, alert)) return false;
        const twoSided = matches(rule.source, alert);
        return firing.some(
            (source) =>
                source !== alert &&
                matches(rule.source, source) &&
                rule.equal.every((l) => (source[l] ?? "") === (alert[l] ?? "")) &&
                !(twoSided && matches(rule.target, source)),
        );
    });
}

/** A receiver that notifies someone: it has at least one *_configs entry. */
export function notifies(receiver: Record<string, unknown> | undefined): boolean {
    return !!receiver && Object.entries(receiver).some(([k, v]) => k.endsWith("_configs") && Array.isArray(v) && v.length > 0);
}
