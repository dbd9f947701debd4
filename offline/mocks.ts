import * as pulumi from "@pulumi/pulumi";
import { awsxVpc } from "./models/awsx-vpc";
import { ChildTransform, eksCluster, eksManagedNodeGroup } from "./models/eks-cluster";
import { ACCOUNT_ID, awsId, hex, MockResult, RejectedByUpstream } from "./models/ids";
import { AlbIngress, albIngressesOf, buildAlbs } from "./models/lbc-ingress-group";

export { ACCOUNT_ID } from "./models/ids";

/** Outputs of the stacks a StackReference may read, by fully qualified name (org/project/stack). */
const STACK_OUTPUTS = new Map<string, { outputs: Record<string, unknown>; secretOutputNames: string[] }>();

/** Makes a planned stack's outputs readable by StackReference, as the backend holds them after its `up`. */
export function publishStackOutputs(name: string, outputs: Record<string, unknown>, secretOutputNames: string[] = []): void {
    STACK_OUTPUTS.set(name, { outputs, secretOutputNames });
}

/** Forgets every published stack (a test that publishes none sees an empty backend). */
export function forgetStackOutputs(): void {
    STACK_OUTPUTS.clear();
}

/**
 * Realistic outputs for what the program creates, so code downstream of remote components (awsx, eks) sees
 * real-looking ids, ARNs and a kubeconfig under mocks. Deterministic: the same inputs give the same ids.
 */
export class PlatformMocks implements pulumi.runtime.Mocks {
    /** Inputs of every eks:index:Cluster so far, by name: a node group's model reads the cluster it names. */
    private readonly clusters = new Map<string, Record<string, any>>();
    /** Every Ingress so far: the load balancer controller reconciles an IngressGroup as a whole. */
    private readonly ingresses: AlbIngress[] = [];

    /**
     * @param deployer the principal running `pulumi up` (EKS gives it the bootstrap admin entry); by default the
     *   identity `getCallerIdentity` returns below.
     */
    constructor(private readonly region: string, private readonly deployer = `arn:aws:iam::${ACCOUNT_ID}:user/plan`) {}

    private clusterOf(ref: unknown): Record<string, any> | undefined {
        const urn = typeof ref === "string" ? ref : (ref as { urn?: unknown } | undefined)?.urn;
        const name = typeof urn === "string" ? urn.split("::").pop() : undefined;
        return name ? this.clusters.get(name) : undefined;
    }

    newResource(args: pulumi.runtime.MockResourceArgs, transform: ChildTransform = async (c) => c): MockResult | Promise<MockResult> {
        const { type, name, inputs } = args;
        const region = this.region;
        const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${ACCOUNT_ID}:${resource}`;
        switch (type) {
            // Remote components: each model follows its upstream implementation (offline/models/*).
            case "awsx:ec2:Vpc":
                return awsxVpc(name, inputs);
            case "eks:index:Cluster":
                this.clusters.set(name, inputs);
                return eksCluster(name, inputs, { region, partition: "aws", deployer: this.deployer, transform });
            case "eks:index:ManagedNodeGroup":
                return eksManagedNodeGroup(name, inputs, (ref) => this.clusterOf(ref));
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
            // The engine's builtin provider reads the referenced stack's outputs from the backend and fails when the
            // stack does not exist (pulumi/pulumi pkg/resource/deploy/builtins.go readStackReference; sdk/nodejs/stackReference.ts).
            case "pulumi:pulumi:StackReference": {
                const stackName = String(inputs.name ?? args.id ?? name);
                const stack = STACK_OUTPUTS.get(stackName);
                if (!stack) throw new RejectedByUpstream(type, `unknown stack "${stackName}" (planned stacks: ${[...STACK_OUTPUTS.keys()].join(", ") || "none"})`);
                return { id: stackName, state: { name: stackName, outputs: stack.outputs, secretOutputNames: stack.secretOutputNames } };
            }
            case "aws:route53/record:Record":
                return { id: `${inputs.zoneId}_${inputs.name}_${inputs.type}`, state: { ...inputs, fqdn: String(inputs.name).replace(/\.$/, "") } };
            case "kubernetes:networking.k8s.io/v1:Ingress": {
                // The controller builds (or refuses) each Ingress's whole group; the Ingress reports its group's ALB.
                const [ingress] = albIngressesOf([{ type, name, inputs }]);
                const albs = buildAlbs([...this.ingresses, ingress]);
                this.ingresses.push(ingress);
                const group = albs.find((alb) => alb.listeners.some((l) => l.rules.some((r) => r.ingress === `${ingress.namespace}/${ingress.name}`)))?.group ?? name;
                return {
                    id: `${ingress.namespace}/${ingress.name}`,
                    state: { ...inputs, status: { loadBalancer: { ingress: [{ hostname: `k8s-${hex(group, 8)}-${hex(region, 10)}.${region}.elb.amazonaws.com` }] } } },
                };
            }
            default:
                return {
                    id: args.custom === false ? undefined : `${name}-id`,
                    state: { ...inputs, arn: inputs.arn ?? arn(type.split(":")[1]?.split("/")[0] ?? "unknown", name) },
                };
        }
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        switch (args.token) {
            // iam:GetSessionContext: the role behind an assumed-role session (a role's path is not in the session ARN,
            // so a role with a path cannot be modelled here), or the user itself.
            case "aws:iam/getSessionContext:getSessionContext": {
                const m = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(String(args.inputs.arn));
                return m
                    ? { arn: args.inputs.arn, issuerArn: `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`, issuerName: m[3], sessionName: m[4] }
                    : { arn: args.inputs.arn, issuerArn: args.inputs.arn };
            }
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId: ACCOUNT_ID, arn: this.deployer, userId: "AIDPLAN" };
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
