import { awsId, MockResult } from "./ids";

/** `awsx:ec2:Vpc` (remote component): subnet ids per AZ for the public and private tiers. */
export function awsxVpc(name: string, inputs: Record<string, any>): MockResult {
    const azs = inputs.numberOfAvailabilityZones ?? 3;
    const subnets = (kind: string) => Array.from({ length: azs }, (_, i) => awsId("subnet", `${name}-${kind}-${i}`));
    const vpcId = awsId("vpc", name);
    return { id: undefined, state: { ...inputs, vpcId, publicSubnetIds: subnets("public"), privateSubnetIds: subnets("private"), isolatedSubnetIds: [] } };
}
