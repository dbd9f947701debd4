/**
 * EKS managed add-on builds pinned per Kubernetes minor, so a later `pulumi up` never becomes an unreviewed add-on
 * update (pulumi-eks resolves versions with `mostRecent: true` when none is given).
 *
 * Transcribed from shared/reference/eks/addon-versions.yaml (compiled 2026-11-22); each value names the source that
 * listed it there: eksctl = eksctl-io/eksctl pkg/addons/default/assets/coredns-<minor>.json @99984adb (written from
 * DescribeAddonVersions), docsCn/docsJa = stored copies of the EKS user guide's add-on tables, cdk =
 * awslabs/cdk-eks-blueprints lib/addons/*\/index.ts @05d3dbd0. Re-check before changing a pin:
 *   aws eks describe-addon-versions --kubernetes-version <minor> --addon-name <name>
 * A minor is listed only when every add-on the platform runs has a known build for it: 1.36 has none for vpc-cni or
 * aws-ebs-csi-driver in the sources, so it cannot be chosen until they are added here.
 */
export const ADDON_NAMES = ["vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver", "amazon-cloudwatch-observability"] as const;
export type AddonName = (typeof ADDON_NAMES)[number];

export const ADDON_VERSIONS: Readonly<Record<string, Readonly<Record<AddonName, string>>>> = {
    "1.33": {
        "vpc-cni": "v1.21.1-eksbuild.7", // docsCnVpcCni
        "kube-proxy": "v1.33.10-eksbuild.13", // docsJaKubeProxy
        coredns: "v1.13.2-eksbuild.19", // eksctl
        "aws-ebs-csi-driver": "v1.56.0-eksbuild.1", // cdk
        "amazon-cloudwatch-observability": "v4.10.1-eksbuild.1", // cdk
    },
    "1.34": {
        "vpc-cni": "v1.21.1-eksbuild.7", // docsCnVpcCni
        "kube-proxy": "v1.34.6-eksbuild.13", // docsJaKubeProxy
        coredns: "v1.13.2-eksbuild.19", // eksctl
        "aws-ebs-csi-driver": "v1.56.0-eksbuild.1", // cdk
        "amazon-cloudwatch-observability": "v4.10.1-eksbuild.1", // cdk
    },
    "1.35": {
        "vpc-cni": "v1.21.1-eksbuild.7", // docsCnVpcCni
        "kube-proxy": "v1.35.3-eksbuild.13", // docsJaKubeProxy
        coredns: "v1.14.3-eksbuild.11", // eksctl
        "aws-ebs-csi-driver": "v1.57.1-eksbuild.1", // cdk
        "amazon-cloudwatch-observability": "v5.3.1-eksbuild.1", // cdk
    },
};

/** The pinned builds for a Kubernetes minor; throws for a minor nobody has verified builds for. */
export function addonVersionsFor(minor: string): Readonly<Record<AddonName, string>> {
    const versions = ADDON_VERSIONS[minor];
    if (!versions) {
        throw new Error(
            `no pinned EKS add-on builds for Kubernetes ${minor} (known: ${Object.keys(ADDON_VERSIONS).join(", ")}); add them to components/cluster/addons.ts`,
        );
    }
    return versions;
}

/**
 * metrics-server has no EKS add-on build in any source (it is a community add-on), so it runs from its own chart,
 * pinned like every other release: kubernetes-sigs/metrics-server chart 3.13.0, the version
 * awslabs/cdk-eks-blueprints lib/addons/metrics-server/index.ts pins (shared/reference/eks/addon-versions.yaml).
 */
export const METRICS_SERVER = {
    chart: "metrics-server",
    repo: "https://kubernetes-sigs.github.io/metrics-server",
    chartVersion: "3.13.0",
    namespace: "kube-system",
    releaseName: "metrics-server",
} as const;
