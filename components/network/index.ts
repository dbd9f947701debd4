import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { NatStrategy } from "../../config";
import { networkSubnetSpecs } from "./vpc-layout";

export interface NetworkArgs {
    vpcCidr: string;
    azCount: number;
    natStrategy: NatStrategy;
    /** The EKS cluster that will use the subnets; tagged so the cluster and its load balancers can find them. */
    clusterName: string;
    tags?: Record<string, string>;
}

/** The tag Karpenter's node class selects its subnets and security groups by (components/karpenter). */
export const KARPENTER_DISCOVERY_TAG = "karpenter.sh/discovery";

/**
 * Tags the AWS Load Balancer Controller uses to discover subnets for internet-facing and internal load balancers;
 * private subnets also carry Karpenter's discovery tag, so the nodes it launches land there and nowhere public.
 */
export function subnetTags(kind: "public" | "private", clusterName: string): Record<string, string> {
    const role = kind === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb";
    const karpenter: Record<string, string> = kind === "private" ? { [KARPENTER_DISCOVERY_TAG]: clusterName } : {};
    return { [role]: "1", [`kubernetes.io/cluster/${clusterName}`]: "shared", ...karpenter };
}

// The subnet arithmetic (awsx's, and the masks asked of it) is pure and shared with config and the offline model.
export { networkProblems, subnetMasks } from "./vpc-layout";

const NAT_STRATEGY: Record<NatStrategy, awsx.types.enums.ec2.NatGatewayStrategy> = {
    single: awsx.ec2.NatGatewayStrategy.Single,
    onePerAz: awsx.ec2.NatGatewayStrategy.OnePerAz,
};

/** A VPC with public subnets (ALB, NAT) and private subnets (worker nodes) across the configured AZs. */
export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly publicSubnetIds: pulumi.Output<string[]>;
    readonly privateSubnetIds: pulumi.Output<string[]>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:Network", name, {}, opts);

        const vpc = new awsx.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: args.vpcCidr,
                numberOfAvailabilityZones: args.azCount,
                enableDnsHostnames: true,
                enableDnsSupport: true,
                natGateways: { strategy: NAT_STRATEGY[args.natStrategy] },
                subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
                // Public first, then private, with the masks that fit awsx's allocation (components/network/vpc-layout.ts).
                subnetSpecs: networkSubnetSpecs(args.vpcCidr, args.azCount).map((spec) => ({
                    type: spec.type,
                    cidrMask: spec.cidrMask,
                    tags: subnetTags(spec.type === "Public" ? "public" : "private", args.clusterName),
                })),
                tags: { ...args.tags, Name: `${name}-vpc` },
            },
            { parent: this },
        );

        this.vpcId = vpc.vpcId;
        this.publicSubnetIds = vpc.publicSubnetIds;
        this.privateSubnetIds = vpc.privateSubnetIds;
        this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
    }
}
