/**
 * EKS Kubernetes support calendar. Transcribed 2026-11-30 from ../shared/reference/eks/versions.yaml (compiled
 * 2026-08-22 from awsdocs/amazon-eks-user-guide latest/ug/versioning/kubernetes-versions.adoc and
 * docs.aws.amazon.com). Where that file says "approx", the date here is the release date + 14 months of standard
 * support (its `policy`), marked approximate; re-check with `aws eks describe-cluster-versions`.
 */
export interface EksVersion {
    endOfStandardSupport: string;
    endOfExtendedSupport: string;
    approximate?: boolean;
}

export const EKS_VERSIONS: Record<string, EksVersion> = {
    "1.36": { endOfStandardSupport: "2027-08-02", endOfExtendedSupport: "2028-08-02", approximate: true },
    "1.35": { endOfStandardSupport: "2027-03-27", endOfExtendedSupport: "2028-03-27" },
    "1.34": { endOfStandardSupport: "2026-12-02", endOfExtendedSupport: "2027-12-02" },
    "1.33": { endOfStandardSupport: "2026-07-29", endOfExtendedSupport: "2027-07-29" },
    "1.32": { endOfStandardSupport: "2026-03-23", endOfExtendedSupport: "2027-03-23" },
    "1.31": { endOfStandardSupport: "2025-11-26", endOfExtendedSupport: "2026-11-26" },
    "1.30": { endOfStandardSupport: "2025-07-23", endOfExtendedSupport: "2026-07-23" },
};
