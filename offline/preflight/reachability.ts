/**
 * Reachability: every deployer can reach the API endpoint of each cluster it deploys to. The Kubernetes provider
 * (and pulumi-eks's readiness wait) talks to the endpoint from wherever `pulumi up` runs: a public endpoint admits only
 * `publicAccessCidrs` (0.0.0.0/0 when none are given: EKS's default), a private one only callers inside the VPC.
 */
import type { PlatformConfig } from "../../config";
import { parseCidr } from "../../config/checks";
import { RecordedResource } from "../recorder";
import { at, Check, label } from "./check";

/** Who runs a deploy against this stack's cluster, and from where. */
export interface Deployer {
    name: string;
    /** Source addresses its calls leave from (NAT addresses, office ranges). */
    cidrs: readonly string[];
    /** Runs inside the cluster's VPC (Jenkins in the cluster itself), so the private endpoint serves it. */
    insideVpc: boolean;
}

const EKS = "aws:eks/cluster:Cluster";

/**
 * The stack's deployers as its config states them: people run the platform's `up` from the networks that may reach
 * the admin hosts (`ingress:adminCidrs`); the pipeline runs in dev's cluster (inside its VPC) and promotes to a stack
 * without Jenkins from its NAT addresses (`cicd:pipelineEgressCidrs`).
 */
export function deployersOf(config: Pick<PlatformConfig, "ingress" | "cicd">): Deployer[] {
    return [
        { name: "people running pulumi up (ingress:adminCidrs)", cidrs: config.ingress.adminCidrs, insideVpc: false },
        config.cicd.jenkins
            ? { name: "the pipeline (Jenkins in this cluster)", cidrs: [], insideVpc: true }
            : { name: "the promoting pipeline (cicd:pipelineEgressCidrs)", cidrs: config.cicd.pipelineEgressCidrs, insideVpc: false },
    ];
}

function within(inner: string, outer: string): boolean {
    const a = parseCidr(inner);
    const b = parseCidr(outer);
    if (!a || !b || a.prefix < b.prefix) return false;
    const size = 2 ** (32 - b.prefix);
    return Math.floor(a.address / size) === Math.floor(b.address / size);
}

/** Why the deployer cannot reach the endpoint, or undefined when it can. */
export function unreachable(deployer: Deployer, cluster: RecordedResource): string | undefined {
    const vpc = (at(cluster.inputs, "vpcConfig") ?? {}) as { endpointPublicAccess?: boolean; endpointPrivateAccess?: boolean; publicAccessCidrs?: string[] };
    const publicOn = vpc.endpointPublicAccess ?? true;
    const allowed = vpc.publicAccessCidrs?.length ? vpc.publicAccessCidrs : ["0.0.0.0/0"];
    if (deployer.insideVpc && vpc.endpointPrivateAccess) return undefined;
    if (!publicOn) {
        return `${deployer.name} cannot reach ${label(cluster)}: its endpoint is private and the deployer is outside the VPC (add a VPN or runner inside it, or open the public endpoint to it)`;
    }
    if (deployer.cidrs.length === 0) return `${deployer.name} has no known source addresses, so nothing shows it can reach ${label(cluster)}'s public endpoint`;
    const outside = deployer.cidrs.filter((c) => !allowed.some((a) => within(c, a)));
    if (outside.length)
        return `${deployer.name} leaves from ${outside.join(", ")}, which ${label(cluster)}'s public endpoint does not admit (publicAccessCidrs ${allowed.join(", ")})`;
    return undefined;
}

export const reachability: Check = ({ resources, deployers }) => {
    const clusters = resources.filter((r) => r.type === EKS);
    const lines: string[] = [];
    const problems: string[] = [];
    if (!deployers?.length) return { check: "reachability", lines: ["no deployers given: nothing to check"], problems };
    for (const cluster of clusters) {
        for (const deployer of deployers) {
            const problem = unreachable(deployer, cluster);
            if (problem) problems.push(problem);
            else lines.push(`${deployer.name} reaches ${label(cluster)} (${deployer.insideVpc ? "inside the VPC" : `from ${deployer.cidrs.join(", ")}`})`);
        }
    }
    return { check: "reachability", lines, problems };
};
