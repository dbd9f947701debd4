/**
 * Helm charts and images the platform may pin, with the releases known to exist. Transcribed 2026-11-30 from
 * ../shared/reference/versions.yaml (compiled 2026-08-22) and the charts' Chart.yaml files there:
 * aws/eks-charts @ 52396092 (aws-load-balancer-controller 3.5.0), prometheus-community/helm-charts tag
 * kube-prometheus-stack-88.5.3 (ea930bae), grafana-community/helm-charts tag grafana-12.11.1 (864f7794),
 * jenkinsci/helm-charts tag jenkins-5.9.53 (22055414), aws/karpenter-provider-aws release-v1.14.1 (c88abbba);
 * metrics-server 3.13.0: kubernetes-sigs/metrics-server tag metrics-server-helm-chart-3.13.0 (Chart.yaml version 3.13.0,
 * appVersion 0.8.0), the version shared/reference/eks/addon-versions.yaml names from awslabs/cdk-eks-blueprints.
 */
export interface ChartReleases {
    /** Repository URLs the chart is published at (a chart moved keeps its old releases at the old URL). */
    repos: readonly string[];
    versions: readonly string[];
}

export const CHART_RELEASES: Record<string, ChartReleases> = {
    "aws-load-balancer-controller": { repos: ["https://aws.github.io/eks-charts"], versions: ["3.5.0"] },
    "kube-prometheus-stack": {
        repos: ["https://prometheus-community.github.io/helm-charts", "oci://ghcr.io/prometheus-community/charts"],
        versions: ["88.5.3"],
    },
    grafana: { repos: ["https://grafana-community.github.io/helm-charts"], versions: ["12.11.1"] },
    jenkins: { repos: ["https://charts.jenkins.io"], versions: ["5.9.53"] },
    karpenter: { repos: ["oci://public.ecr.aws/karpenter"], versions: ["1.14.1"] },
    // charts/karpenter-crd/Chart.yaml @ c88abbba: version 1.14.1 (shared/reference/karpenter/versions.yaml crdChartOci).
    "karpenter-crd": { repos: ["oci://public.ecr.aws/karpenter"], versions: ["1.14.1"] },
    "metrics-server": { repos: ["https://kubernetes-sigs.github.io/metrics-server"], versions: ["3.13.0"] },
};

/** Jenkins controller image tags: the chart's appVersion with its default tag label (controller.image.tagLabel jdk21). */
export const JENKINS_CONTROLLER_TAGS: readonly string[] = ["2.568.2-jdk21"];
