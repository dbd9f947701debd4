/**
 * The values the karpenter chart reads (aws/karpenter-provider-aws charts/karpenter/templates at tag v1.14.1:
 * deployment.yaml, serviceaccount.yaml, service.yaml, poddisruptionbudget.yaml, servicemonitor.yaml and the
 * clusterrole*.yaml), transcribed as paths. A value outside them is one the chart ignores. Maps the templates
 * render whole (toYaml) are listed as prefixes: anything below them is read. deployment.yaml line 151:
 * `required "Chart cannot be installed without a valid settings.clusterName!"`.
 * components/karpenter/karpenter.test.ts checks every path against the release's values.yaml in ../shared.
 */
import { RejectedByUpstream } from "./ids";

/** Values the templates render whole: any key below them reaches the manifest. */
export const WHOLE_MAPS = [
    "additionalLabels",
    "additionalAnnotations",
    "imagePullSecrets",
    "service.annotations",
    "serviceAccount.annotations",
    "additionalClusterRoleRules",
    "serviceMonitor.additionalLabels",
    "serviceMonitor.relabelings",
    "serviceMonitor.metricRelabelings",
    "serviceMonitor.endpointConfig",
    "strategy",
    "podLabels",
    "podAnnotations",
    "podSecurityContext",
    "dnsConfig",
    "initContainers",
    "nodeSelector",
    "affinity",
    "topologySpreadConstraints",
    "tolerations",
    "extraVolumes",
    "controller.env",
    "controller.envFrom",
    "controller.securityContext",
    "controller.resources",
    "controller.extraVolumeMounts",
    "controller.sidecarContainer",
    "controller.sidecarVolumeMounts",
    "settings.featureGates",
] as const;

/** Single values the templates read. */
export const SCALARS = [
    "nameOverride",
    "fullnameOverride",
    "imagePullPolicy",
    "serviceAccount.create",
    "serviceAccount.name",
    "serviceMonitor.enabled",
    "serviceMonitor.sampleLimit",
    "replicas",
    "revisionHistoryLimit",
    "podDisruptionBudget.name",
    "podDisruptionBudget.maxUnavailable",
    "priorityClassName",
    "terminationGracePeriodSeconds",
    "hostNetwork",
    "schedulerName",
    "dnsPolicy",
    "controller.containerName",
    "controller.image.repository",
    "controller.image.tag",
    "controller.image.digest",
    "controller.metrics.port",
    "controller.healthProbe.port",
    "logLevel",
    "logOutputPaths",
    "logErrorOutputPaths",
    ...[
        "batchMaxDuration",
        "batchIdleDuration",
        "preferencePolicy",
        "minValuesPolicy",
        "clusterCABundle",
        "clusterName",
        "clusterEndpoint",
        "isolatedVPC",
        "eksControlPlane",
        "vmMemoryOverheadPercent",
        "interruptionQueue",
        "enableZonalShift",
        "reservedENIs",
        "ignoreDRARequests",
        "disableClusterStateObservability",
        "disableDryRun",
        "amiRefreshInterval",
        "subnetRefreshInterval",
    ].map((s) => `settings.${s}`),
] as const;

function leaves(value: unknown, prefix = ""): string[] {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return [prefix];
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

/** Paths of `values` the chart would ignore. */
export function ignoredValues(values: Record<string, unknown>): string[] {
    return leaves(values).filter((path) => !(SCALARS as readonly string[]).includes(path) && !WHOLE_MAPS.some((m) => path === m || path.startsWith(`${m}.`)));
}

/** A karpenter release as Helm would render it, or the failure it would meet. */
export function karpenterRelease(values: Record<string, unknown>): void {
    const settings = (values.settings ?? {}) as Record<string, unknown>;
    if (!settings.clusterName)
        throw new RejectedByUpstream(
            "kubernetes:helm.sh/v3:Release",
            "execution error at (karpenter/templates/deployment.yaml:151): Chart cannot be installed without a valid settings.clusterName!",
        );
    const ignored = ignoredValues(values);
    if (ignored.length)
        throw new RejectedByUpstream("kubernetes:helm.sh/v3:Release", `karpenter chart 1.14.1 reads none of these values: ${ignored.join(", ")}`);
}
