import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { NatStrategy } from "../config";

export interface NetworkArgs {
    vpcCidr: string;
    azCount: number;
    natStrategy: NatStrategy;
    /** The EKS cluster that will use the subnets; tagged so the cluster and its load balancers can find them. */
    clusterName: string;
    tags?: Record<string, string>;
}

/** Tags the AWS Load Balancer Controller uses to discover subnets for internet-facing and internal load balancers. */
export function subnetTags(kind: "public" | "private", clusterName: string): Record<string, string> {
    const role = kind === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb";
    return { [role]: "1", [`kubernetes.io/cluster/${clusterName}`]: "shared" };
}

/**
 * Private subnets get an eighth of the VPC each, because the VPC CNI gives every pod a VPC address;
 * public subnets hold only the ALB and NAT and get a sixty-fourth. Six AZs still fit.
 */
export function subnetMasks(vpcCidr: string): { public: number; private: number } {
    const prefix = Number(vpcCidr.split("/")[1]);
    return { private: prefix + 3, public: prefix + 6 };
}

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

        const masks = subnetMasks(args.vpcCidr);
        const vpc = new awsx.ec2.Vpc(`${name}-vpc`, {
            cidrBlock: args.vpcCidr,
            numberOfAvailabilityZones: args.azCount,
            enableDnsHostnames: true,
            enableDnsSupport: true,
            natGateways: { strategy: NAT_STRATEGY[args.natStrategy] },
            subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
            subnetSpecs: [
                { type: awsx.ec2.SubnetType.Public, cidrMask: masks.public, tags: subnetTags("public", args.clusterName) },
                { type: awsx.ec2.SubnetType.Private, cidrMask: masks.private, tags: subnetTags("private", args.clusterName) },
            ],
            tags: { ...args.tags, Name: `${name}-vpc` },
        }, { parent: this });

        this.vpcId = vpc.vpcId;
        this.publicSubnetIds = vpc.publicSubnetIds;
        this.privateSubnetIds = vpc.privateSubnetIds;
        this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
    }
}
