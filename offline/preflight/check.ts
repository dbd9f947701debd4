import { RecordedResource } from "../recorder";
import type { Deployer } from "./reachability";

/** What every check reads: the recorded plan and the day it is asked about (injectable for tests). */
export interface PreflightInput {
    resources: RecordedResource[];
    date: Date;
    /** Who deploys this stack and from where (offline/preflight/reachability.ts), from the stack's config. */
    deployers?: Deployer[];
}

export interface CheckResult {
    check: string;
    /** What the check found, for the plan's output. */
    lines: string[];
    /** One message per thing that would stop or break `pulumi up`. */
    problems: string[];
}

export type Check = (input: PreflightInput) => CheckResult;

/** "type name" as a person reads it in plan output. */
export function label(r: RecordedResource): string {
    return `${r.type.split(":").pop()} ${r.name}`;
}

/** The value at a path of nested objects, or undefined. */
export function at(value: unknown, ...path: string[]): unknown {
    let v: unknown = value;
    for (const key of path) {
        if (!v || typeof v !== "object") return undefined;
        v = (v as Record<string, unknown>)[key];
    }
    return v;
}

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
export const ADDON = "aws:eks/addon:Addon";
export const EKS_CLUSTER = "eks:index:Cluster";
export const MANAGED_NODE_GROUP = "eks:index:ManagedNodeGroup";

/** A Helm release's chart name, also when the chart is given as an OCI reference. */
export function chartOf(r: RecordedResource): string {
    return (
        String(r.inputs.chart ?? "")
            .split("/")
            .pop() ?? ""
    );
}

export function releasesOf(resources: RecordedResource[], chart: string): RecordedResource[] {
    return resources.filter((r) => r.type === HELM_RELEASE && chartOf(r) === chart);
}
