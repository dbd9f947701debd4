/**
 * EKS managed add-on versions known to exist per Kubernetes minor. Transcribed 2026-11-30 from
 * ../shared/reference/eks/addon-versions.yaml (compiled 2026-11-22; every version there names its source:
 * awslabs/cdk-eks-blueprints @ 05d3dbd0, eksctl-io/eksctl @ 99984adb, awsdocs/amazon-eks-user-guide @ 057948d9,
 * stored docs.aws.amazon.com / docs.amazonaws.cn pages, Qovery/engine @ 59fa717d). Its latest, default and known
 * versions are merged here. An empty list means no source was found for that minor, not that none exists:
 * add the version with `aws eks describe-addon-versions --kubernetes-version <minor> --addon-name <name>` as source.
 */
export const ADDON_VERSIONS: Record<string, Record<string, readonly string[]>> = {
    "vpc-cni": {
        "1.33": ["v1.21.1-eksbuild.7", "v1.19.6-eksbuild.7", "v1.20.4-eksbuild.2", "v1.20.4-eksbuild.1", "v1.20.1-eksbuild.3"],
        "1.34": ["v1.21.1-eksbuild.7", "v1.20.4-eksbuild.2", "v1.20.4-eksbuild.1"],
        "1.35": ["v1.21.1-eksbuild.7", "v1.21.1-eksbuild.1"],
        "1.36": [],
    },
    coredns: {
        "1.33": [
            "v1.13.2-eksbuild.19",
            "v1.12.2-eksbuild.4",
            "v1.13.2-eksbuild.4",
            "v1.12.4-eksbuild.18",
            "v1.12.4-eksbuild.1",
            "v1.12.3-eksbuild.1",
            "v1.12.1-eksbuild.2",
        ],
        "1.34": ["v1.13.2-eksbuild.19", "v1.13.2-eksbuild.11", "v1.13.2-eksbuild.7", "v1.13.2-eksbuild.4", "v1.12.4-eksbuild.1", "v1.12.3-eksbuild.1"],
        "1.35": ["v1.14.3-eksbuild.11", "v1.14.3-eksbuild.3", "v1.14.2-eksbuild.4", "v1.13.2-eksbuild.4", "v1.13.2-eksbuild.3"],
        "1.36": ["v1.14.3-eksbuild.11", "v1.14.3-eksbuild.3"],
    },
    "kube-proxy": {
        "1.33": ["v1.33.10-eksbuild.13", "v1.33.0-eksbuild.2", "v1.33.10-eksbuild.2", "v1.33.5-eksbuild.2", "v1.33.3-eksbuild.4"],
        "1.34": ["v1.34.6-eksbuild.13", "v1.34.6-eksbuild.2", "v1.34.1-eksbuild.2", "v1.34.0-eksbuild.2"],
        "1.35": ["v1.35.3-eksbuild.13", "v1.35.3-eksbuild.2", "v1.35.0-eksbuild.2"],
        "1.36": ["v1.36.0-eksbuild.14"],
    },
    "aws-ebs-csi-driver": {
        "1.33": ["v1.56.0-eksbuild.1", "v1.46.0-eksbuild.1"],
        "1.34": ["v1.56.0-eksbuild.1"],
        "1.35": ["v1.57.1-eksbuild.1"],
        "1.36": [],
    },
    "eks-pod-identity-agent": {
        "1.33": ["v1.3.10-eksbuild.2"],
        "1.34": ["v1.3.10-eksbuild.2"],
        "1.35": ["v1.3.10-eksbuild.2"],
        "1.36": [],
    },
    "amazon-cloudwatch-observability": {
        "1.33": ["v4.10.1-eksbuild.1"],
        "1.34": ["v4.10.1-eksbuild.1"],
        "1.35": ["v5.3.1-eksbuild.1"],
        "1.36": [],
    },
    "metrics-server": {
        "1.33": [],
        "1.34": [],
        "1.35": [],
        "1.36": [],
    },
};
