/**
 * EC2 instance types the stacks use or could switch to, as EKS sizes them.
 * Transcribed 2026-11-30 from ../shared/reference/ec2/instance-types.yaml (compiled 2026-11-22), whose sources are
 * awslabs/amazon-eks-ami nodeadm/internal/kubelet/instance-info.jsonl @ v20260724 (81fec2e8: ENIs, IPs per ENI),
 * templates/shared/runtime/eni-max-pods.txt @ v20260318 (2bed73dc) and aws/karpenter-provider-aws
 * website/content/en/v1.14/reference/instance-types.md @ c88abbba (vCPU, memory, architecture).
 * tests/preflight/instance-types.test.ts checks every row against that file.
 */
export interface InstanceType {
    vcpu: number;
    /** Memory EC2 advertises, MiB. */
    memoryMiB: number;
    architecture: "x86_64" | "arm64";
    /** ENIs x (IPv4 per ENI - 1) + 2, what nodeadm gives the kubelet without prefix delegation. */
    maxPods: number;
}

export const INSTANCE_TYPES: Record<string, InstanceType> = {
    "t3.medium": { vcpu: 2, memoryMiB: 4096, architecture: "x86_64", maxPods: 17 },
    "t3.large": { vcpu: 2, memoryMiB: 8192, architecture: "x86_64", maxPods: 35 },
    "t3.xlarge": { vcpu: 4, memoryMiB: 16384, architecture: "x86_64", maxPods: 58 },
    "t3.2xlarge": { vcpu: 8, memoryMiB: 32768, architecture: "x86_64", maxPods: 58 },
    "t3a.medium": { vcpu: 2, memoryMiB: 4096, architecture: "x86_64", maxPods: 17 },
    "t3a.large": { vcpu: 2, memoryMiB: 8192, architecture: "x86_64", maxPods: 35 },
    "t3a.xlarge": { vcpu: 4, memoryMiB: 16384, architecture: "x86_64", maxPods: 58 },
    "t3a.2xlarge": { vcpu: 8, memoryMiB: 32768, architecture: "x86_64", maxPods: 58 },
    "t4g.medium": { vcpu: 2, memoryMiB: 4096, architecture: "arm64", maxPods: 17 },
    "t4g.large": { vcpu: 2, memoryMiB: 8192, architecture: "arm64", maxPods: 35 },
    "t4g.xlarge": { vcpu: 4, memoryMiB: 16384, architecture: "arm64", maxPods: 58 },
    "t4g.2xlarge": { vcpu: 8, memoryMiB: 32768, architecture: "arm64", maxPods: 58 },
    "m5.large": { vcpu: 2, memoryMiB: 8192, architecture: "x86_64", maxPods: 29 },
    "m5.xlarge": { vcpu: 4, memoryMiB: 16384, architecture: "x86_64", maxPods: 58 },
    "m5.2xlarge": { vcpu: 8, memoryMiB: 32768, architecture: "x86_64", maxPods: 58 },
    "m6i.large": { vcpu: 2, memoryMiB: 8192, architecture: "x86_64", maxPods: 29 },
    "m6i.xlarge": { vcpu: 4, memoryMiB: 16384, architecture: "x86_64", maxPods: 58 },
    "m6i.2xlarge": { vcpu: 8, memoryMiB: 32768, architecture: "x86_64", maxPods: 58 },
    "m6a.large": { vcpu: 2, memoryMiB: 8192, architecture: "x86_64", maxPods: 29 },
    "m6a.xlarge": { vcpu: 4, memoryMiB: 16384, architecture: "x86_64", maxPods: 58 },
    "m6a.2xlarge": { vcpu: 8, memoryMiB: 32768, architecture: "x86_64", maxPods: 58 },
    "m7i.large": { vcpu: 2, memoryMiB: 8192, architecture: "x86_64", maxPods: 29 },
    "m7i.xlarge": { vcpu: 4, memoryMiB: 16384, architecture: "x86_64", maxPods: 58 },
    "m7i.2xlarge": { vcpu: 8, memoryMiB: 32768, architecture: "x86_64", maxPods: 58 },
    "m7g.large": { vcpu: 2, memoryMiB: 8192, architecture: "arm64", maxPods: 29 },
    "m7g.xlarge": { vcpu: 4, memoryMiB: 16384, architecture: "arm64", maxPods: 58 },
    "m7g.2xlarge": { vcpu: 8, memoryMiB: 32768, architecture: "arm64", maxPods: 58 },
    "m8g.large": { vcpu: 2, memoryMiB: 8192, architecture: "arm64", maxPods: 29 },
    "m8g.xlarge": { vcpu: 4, memoryMiB: 16384, architecture: "arm64", maxPods: 58 },
    "m8g.2xlarge": { vcpu: 8, memoryMiB: 32768, architecture: "arm64", maxPods: 58 },
    "c6i.large": { vcpu: 2, memoryMiB: 4096, architecture: "x86_64", maxPods: 29 },
    "c6i.xlarge": { vcpu: 4, memoryMiB: 8192, architecture: "x86_64", maxPods: 58 },
    "c7g.large": { vcpu: 2, memoryMiB: 4096, architecture: "arm64", maxPods: 29 },
    "c7g.xlarge": { vcpu: 4, memoryMiB: 8192, architecture: "arm64", maxPods: 58 },
    "r6i.large": { vcpu: 2, memoryMiB: 16384, architecture: "x86_64", maxPods: 29 },
    "r6i.xlarge": { vcpu: 4, memoryMiB: 32768, architecture: "x86_64", maxPods: 58 },
};

/**
 * What AL2023 nodeadm keeps from pods, from awslabs/amazon-eks-ami nodeadm/internal/kubelet/config.go @ v20260724
 * (getCPUMillicoresToReserve, getMemoryMebibytesToReserve, defaultKubeletSubConfig evictionHard), as summarised in
 * ../shared/reference/ec2/instance-types.yaml `nodeadmKubeletDefaults`.
 */
export const NODEADM_RESERVED = {
    /** [from, to) millicores and the parts per 10000 of that band reserved; integer division per band. */
    cpuBands: [
        { from: 0, to: 1000, per10000: 600 },
        { from: 1000, to: 2000, per10000: 100 },
        { from: 2000, to: 4000, per10000: 50 },
        { from: 4000, to: Infinity, per10000: 25 },
    ],
    memoryMiBPerPod: 11,
    memoryMiBBase: 255,
    evictionHardMemoryMiB: 100,
} as const;

/**
 * Memory a VM reports below what EC2 advertises (kernel, firmware). Karpenter's default VM_MEMORY_OVERHEAD_PERCENT
 * (aws/karpenter-provider-aws website/content/en/v1.14/reference/settings.md); with it the formulas above reproduce
 * Karpenter's "Resources" allocatable for every x86 type in instance-types.md (checked in tests).
 */
export const VM_MEMORY_OVERHEAD = 0.075;
