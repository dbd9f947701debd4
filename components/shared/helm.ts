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
    /** Leave the chart's crds/ directory alone (another release owns those CRDs). */
    skipCrds?: boolean;
}

/**
 * A Helm release of a pinned chart that either comes up completely or is rolled back (atomic), so a failed install
 * or upgrade never leaves half a release behind.
 */
export function pinnedRelease(name: string, pin: PinnedChart, args: ReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    // An OCI registry is no chart repository (no index.yaml): pulumi-kubernetes resolves an oci:// chart by its full
    // reference and looks an unqualified chart up in repositoryOpts.repo's index (provider/pkg/provider/helm_release.go
    // resolveChartName, locateChart).
    const oci = pin.repo.startsWith("oci://");
    return new k8s.helm.v3.Release(
        name,
        {
            name: args.releaseName,
            chart: oci ? `${pin.repo}/${pin.chart}` : pin.chart,
            version: pin.chartVersion,
            repositoryOpts: oci ? undefined : { repo: pin.repo },
            namespace: args.namespace,
            atomic: true,
            cleanupOnFail: true,
            timeout: args.timeout,
            skipCrds: args.skipCrds,
            values: args.values,
        },
        opts,
    );
}
