import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** A chart at an exact version from its repository. */
export interface PinnedChart {
    chart: string;
    repo: string;
    chartVersion: string;
}

export interface ReleaseArgs {
    releaseName: string;
    namespace: pulumi.Input<string>;
    values: pulumi.Input<Record<string, unknown>>;
    /** Seconds Helm waits for the release's pods; Helm's default is 300. */
    timeout?: number;
}

/**
 * A Helm release of a pinned chart that either comes up completely or is rolled back (atomic), so a failed install
 * or upgrade never leaves half a release behind.
 */
export function pinnedRelease(name: string, pin: PinnedChart, args: ReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(name, {
        name: args.releaseName,
        chart: pin.chart,
        version: pin.chartVersion,
        repositoryOpts: { repo: pin.repo },
        namespace: args.namespace,
        atomic: true,
        cleanupOnFail: true,
        timeout: args.timeout,
        values: args.values,
    }, opts);
}
