import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

/**
 * Realistic outputs for what the program creates, so code downstream of remote components (awsx, eks) sees
 * real-looking ids, ARNs and a kubeconfig under mocks. Deterministic: the same inputs give the same ids.
 */
export const ACCOUNT_ID = "123456789012";

function hex(seed: string, length: number): string {
    return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

function awsId(prefix: string, seed: string): string {
    return `${prefix}-0${hex(seed, 16)}`;
}

function kubeconfigFor(clusterName: string, endpoint: string, region: string): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": Buffer.from(`ca-${clusterName}`).toString("base64") } }],
        contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
        "current-context": clusterName,
        users: [{
            name: clusterName,
            user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region] } },
        }],
    });
}

export class PlatformMocks implements pulumi.runtime.Mocks {
    constructor(private readonly region: string) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        const { type, name, inputs } = args;
        const region = this.region;
        const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${ACCOUNT_ID}:${resource}`;
        switch (type) {
            case "awsx:ec2:Vpc": {
                const azs = inputs.numberOfAvailabilityZones ?? 3;
                const subnets = (kind: string) => Array.from({ length: azs }, (_, i) => awsId("subnet", `${name}-${kind}-${i}`));
                const vpcId = awsId("vpc", name);
                return { id: undefined, state: { ...inputs, vpcId, publicSubnetIds: subnets("public"), privateSubnetIds: subnets("private"), isolatedSubnetIds: [] } };
            }
            case "eks:index:Cluster": {
                const clusterName = inputs.name ?? name;
                const oidcId = hex(clusterName, 32).toUpperCase();
                const issuer = `oidc.eks.${region}.amazonaws.com/id/${oidcId}`;
                const endpoint = `https://${oidcId}.gr7.${region}.eks.amazonaws.com`;
                return {
                    id: undefined,
                    state: {
                        ...inputs,
                        kubeconfigJson: kubeconfigFor(clusterName, endpoint, region),
                        oidcProviderArn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${issuer}`,
                        oidcProviderUrl: `https://${issuer}`,
                        oidcIssuer: issuer,
                        clusterSecurityGroupId: awsId("sg", `${clusterName}-cluster`),
                        nodeSecurityGroupId: awsId("sg", `${clusterName}-node`),
                        eksCluster: { name: clusterName, arn: arn("eks", `cluster/${clusterName}`), endpoint, version: inputs.version },
                    },
                };
            }
            case "eks:index:ManagedNodeGroup":
                return { id: undefined, state: { ...inputs, nodeGroup: { nodeGroupName: name, status: "ACTIVE" } } };
            case "aws:iam/role:Role":
                return { id: name, state: { ...inputs, name, arn: `arn:aws:iam::${ACCOUNT_ID}:role/${name}` } };
            case "aws:iam/policy:Policy":
                return { id: name, state: { ...inputs, name, arn: `arn:aws:iam::${ACCOUNT_ID}:policy/${name}` } };
            case "aws:kms/key:Key": {
                const keyId = `${hex(name, 8)}-${hex(name + "a", 4)}-${hex(name + "b", 4)}-${hex(name + "c", 4)}-${hex(name + "d", 12)}`;
                return { id: keyId, state: { ...inputs, keyId, arn: arn("kms", `key/${keyId}`) } };
            }
            case "aws:ec2/launchTemplate:LaunchTemplate":
                return { id: awsId("lt", name), state: { ...inputs, latestVersion: 1 } };
            case "aws:acm/certificate:Certificate": {
                const names: string[] = [inputs.domainName, ...(inputs.subjectAlternativeNames ?? [])];
                const options = [...new Set(names)].map((domainName) => ({
                    domainName,
                    resourceRecordName: `_${hex(domainName, 32)}.${domainName.replace(/^\*\./, "")}.`,
                    resourceRecordType: "CNAME",
                    resourceRecordValue: `_${hex(domainName + "v", 32)}.acm-validations.aws.`,
                }));
                return { id: arn("acm", `certificate/${hex(name, 36)}`), state: { ...inputs, arn: arn("acm", `certificate/${hex(name, 36)}`), domainValidationOptions: options } };
            }
            case "aws:ecr/repository:Repository":
                return {
                    id: inputs.name ?? name,
                    state: { ...inputs, arn: arn("ecr", `repository/${inputs.name ?? name}`), repositoryUrl: `${ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${inputs.name ?? name}` },
                };
            case "aws:route53/record:Record":
                return { id: `${inputs.zoneId}_${inputs.name}_${inputs.type}`, state: { ...inputs, fqdn: String(inputs.name).replace(/\.$/, "") } };
            case "kubernetes:networking.k8s.io/v1:Ingress":
                return {
                    id: `${inputs.metadata?.namespace ?? "default"}/${inputs.metadata?.name ?? name}`,
                    state: { ...inputs, status: { loadBalancer: { ingress: [{ hostname: `k8s-${hex("alb", 8)}-${hex(region, 10)}.${region}.elb.amazonaws.com` }] } } },
                };
            default:
                return {
                    id: args.custom === false ? undefined : `${name}-id`,
                    state: { ...inputs, arn: inputs.arn ?? arn(type.split(":")[1]?.split("/")[0] ?? "unknown", name) },
                };
        }
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/plan`, userId: "AIDPLAN" };
            case "aws:index/getRegion:getRegion":
                return { name: this.region, region: this.region, id: this.region };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com" };
            case "aws:lb/getHostedZoneId:getHostedZoneId":
                return { id: "ZWKZPGTI48KDX" };
            default:
                return args.inputs;
        }
    }
}
