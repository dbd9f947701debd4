import * as pulumi from "@pulumi/pulumi";
import { awsxVpc } from "./models/awsx-vpc";
import { ChildTransform, CLUSTER_CREATOR, eksCluster, eksManagedNodeGroup } from "./models/eks-cluster";
import { ACCOUNT_ID, awsId, hex, MockResult, RejectedByUpstream } from "./models/ids";
import { karpenterRelease } from "./models/karpenter-chart";
import { checkCloudsReachApi } from "./models/jenkins-chart";
import { AlbIngress, albIngressesOf, buildAlbs } from "./models/lbc-ingress-group";

export { ACCOUNT_ID } from "./models/ids";

/**
 * The SSM parameters that exist in the account, by region and name: only what a planned stack created (its
 * `aws:ssm/parameter:Parameter` resources, as its `up` would leave them), nothing else.
 */
const PARAMETERS = new Map<string, { name: string; type: string; value: string; arn: string }>();
const parameterKey = (region: string, name: string) => `${region}|${name}`;

/** Makes a planned stack's SSM parameters exist, in the region its provider deploys to, as after its `up`. */
export function publishParameters(resources: { type: string; inputs: Record<string, unknown> }[], region: string): void {
    for (const r of resources.filter((x) => x.type === "aws:ssm/parameter:Parameter")) {
        const name = String(r.inputs.name);
        const value = String(r.inputs.insecureValue ?? r.inputs.value);
        PARAMETERS.set(parameterKey(region, name), { name, type: String(r.inputs.type), value, arn: parameterArn(region, name) });
    }
}

/** Forgets every parameter (a test that publishes none sees an empty account). */
export function forgetParameters(): void {
    PARAMETERS.clear();
}

/** arn:aws:ssm:<region>:<account>:parameter/<name without its leading slash> (AWS Service Authorization Reference, AWS Systems Manager). */
function parameterArn(region: string, name: string): string {
    return `arn:aws:ssm:${region}:${ACCOUNT_ID}:parameter/${name.replace(/^\//, "")}`;
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
    /** The region of each explicit AWS provider, by name: a data source reads the region its provider names. */
    private readonly providerRegions = new Map<string, string>();
    /** Each cluster's access entries, principal -> what made it: EKS allows one per principal (CreateAccessEntry). */
    private readonly accessEntries = new Map<string, Map<string, string>>();

    private addAccessEntry(clusterName: string, principal: string, madeBy: string): void {
        const entries = this.accessEntries.get(clusterName) ?? new Map<string, string>();
        this.accessEntries.set(clusterName, entries);
        const first = entries.get(principal);
        if (first)
            throw new RejectedByUpstream(
                "aws:eks/accessEntry:AccessEntry",
                `CreateAccessEntry ${madeBy}: ResourceInUseException: an access entry for ${principal} already exists on cluster ${clusterName} (${first})`,
            );
        entries.set(principal, madeBy);
    }

    /**
     * @param deployer the principal running `pulumi up` (EKS gives it the bootstrap admin entry); by default the
     *   identity `getCallerIdentity` returns below.
     */
    constructor(
        private readonly region: string,
        private readonly deployer = `arn:aws:iam::${ACCOUNT_ID}:user/plan`,
    ) {}

    private clusterOf(ref: unknown): Record<string, any> | undefined {
        const urn = typeof ref === "string" ? ref : (ref as { urn?: unknown } | undefined)?.urn;
        // A resource reference arrives as the resource itself, whose urn is an Output; its logical name is at hand.
        const name = typeof urn === "string" ? urn.split("::").pop() : (ref as { __name?: string } | undefined)?.__name;
        return name ? this.clusters.get(name) : undefined;
    }

    async newResource(args: pulumi.runtime.MockResourceArgs, transform: ChildTransform = async (c) => c): Promise<MockResult> {
        const { type, name, inputs } = args;
        const region = this.region;
        const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${ACCOUNT_ID}:${resource}`;
        switch (type) {
            // Remote components: each model follows its upstream implementation (offline/models/*).
            case "awsx:ec2:Vpc":
                return awsxVpc(name, inputs);
            case "eks:index:Cluster": {
                this.clusters.set(name, inputs);
                const result = await eksCluster(name, inputs, { region, partition: "aws", deployer: this.deployer, transform });
                for (const c of result.children ?? []) {
                    if (c.type === "aws:eks/accessEntry:AccessEntry")
                        this.addAccessEntry(String(inputs.name ?? name), String(c.inputs.principalArn).replace(CLUSTER_CREATOR, this.deployer), c.name);
                }
                return result;
            }
            case "eks:index:ManagedNodeGroup": {
                const result = eksManagedNodeGroup(name, inputs, (ref) => this.clusterOf(ref));
                // In API mode EKS creates the EC2_LINUX access entry of a managed node group's role itself
                // (EKS user guide, "Create access entries": managed node groups), outside Pulumi state.
                const cluster = this.clusterOf(inputs.cluster);
                const role = inputs.nodeRoleArn ?? (inputs.nodeRole?.__name ? `arn:aws:iam::${ACCOUNT_ID}:role/${inputs.nodeRole.__name}` : undefined);
                if (cluster && role) this.addAccessEntry(String(cluster.name), String(role), `EKS, for managed node group ${name}`);
                return result;
            }
            case "kubernetes:helm.sh/v3:Release":
                if (String(inputs.chart).split("/").pop() === "karpenter") karpenterRelease(inputs.values ?? {});
                if (String(inputs.chart).split("/").pop() === "jenkins") checkCloudsReachApi(inputs.values ?? {});
                return { id: `${name}-id`, state: { ...inputs, arn: inputs.arn ?? arn("helm.sh", name) } };
            case "aws:eks/accessEntry:AccessEntry":
                this.addAccessEntry(String(inputs.clusterName), String(inputs.principalArn), name);
                return {
                    id: `${inputs.clusterName}:${inputs.principalArn}`,
                    state: { ...inputs, accessEntryArn: arn("eks", `access-entry/${inputs.clusterName}/${hex(name, 8)}`) },
                };
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
                return {
                    id: arn("acm", `certificate/${hex(name, 36)}`),
                    state: { ...inputs, arn: arn("acm", `certificate/${hex(name, 36)}`), domainValidationOptions: options },
                };
            }
            case "aws:ecr/repository:Repository":
                return {
                    id: inputs.name ?? name,
                    state: {
                        ...inputs,
                        arn: arn("ecr", `repository/${inputs.name ?? name}`),
                        repositoryUrl: `${ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${inputs.name ?? name}`,
                    },
                };
            case "aws:ssm/parameter:Parameter": {
                // PutParameter: a name of up to 2048 characters whose path has at most 15 levels; a Standard
                // parameter's value is at most 4 KB (AWS Systems Manager API reference, PutParameter).
                const paramName = String(inputs.name ?? name);
                // pulumi-aws takes the value as `value` (always made secret) or `insecureValue` (plain, String types only).
                if ((inputs.value === undefined) === (inputs.insecureValue === undefined))
                    throw new RejectedByUpstream(type, `${paramName}: exactly one of value and insecureValue is required`);
                if (inputs.insecureValue !== undefined && inputs.type === "SecureString")
                    throw new RejectedByUpstream(type, `${paramName}: insecureValue is not valid with type SecureString`);
                const value = String(inputs.insecureValue ?? inputs.value);
                if ((inputs.tier ?? "Standard") === "Standard" && Buffer.byteLength(value) > 4096) {
                    throw new RejectedByUpstream(
                        type,
                        `ValidationException: Standard tier parameters support a maximum parameter value of 4096 characters (${paramName} has ${Buffer.byteLength(value)})`,
                    );
                }
                if (paramName.length > 2048 || paramName.split("/").length - 1 > 15)
                    throw new RejectedByUpstream(type, `ValidationException: parameter name ${paramName} is too long or too deep`);
                return {
                    id: paramName,
                    state: { ...inputs, name: paramName, arn: parameterArn(region, paramName), version: 1, insecureValue: inputs.insecureValue },
                };
            }
            case "pulumi:providers:aws":
                this.providerRegions.set(name, String(inputs.region ?? region));
                return { id: `${name}-id`, state: inputs };
            case "aws:route53/record:Record":
                return { id: `${inputs.zoneId}_${inputs.name}_${inputs.type}`, state: { ...inputs, fqdn: String(inputs.name).replace(/\.$/, "") } };
            case "kubernetes:networking.k8s.io/v1:Ingress": {
                // The controller builds (or refuses) each Ingress's whole group; the Ingress reports its group's ALB.
                const [ingress] = albIngressesOf([{ type, name, inputs }]);
                const albs = buildAlbs([...this.ingresses, ingress]);
                this.ingresses.push(ingress);
                const group =
                    albs.find((alb) => alb.listeners.some((l) => l.rules.some((r) => r.ingress === `${ingress.namespace}/${ingress.name}`)))?.group ?? name;
                return {
                    id: `${ingress.namespace}/${ingress.name}`,
                    state: {
                        ...inputs,
                        status: { loadBalancer: { ingress: [{ hostname: `k8s-${hex(group, 8)}-${hex(region, 10)}.${region}.elb.amazonaws.com` }] } },
                    },
                };
            }
            // A queue's ARN and URL end in its name (SQS CreateQueue), which Karpenter's settings.interruptionQueue names.
            case "aws:sqs/queue:Queue": {
                const queue = String(inputs.name ?? name);
                return {
                    id: `https://sqs.${region}.amazonaws.com/${ACCOUNT_ID}/${queue}`,
                    state: { ...inputs, arn: arn("sqs", queue), url: `https://sqs.${region}.amazonaws.com/${ACCOUNT_ID}/${queue}` },
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
            // GetParameter in the provider's region (terraform-provider-aws ssm_parameter data source): a parameter
            // only a planned stack's up created, else the API's ParameterNotFound fails the read, and the program.
            case "aws:ssm/getParameter:getParameter": {
                // A provider reference is "<urn>::<id>"; the URN's last part is the provider's name.
                const providerName = args.provider ? args.provider.split("::").slice(-2, -1)[0] : undefined;
                // pulumi-aws 7.x takes a per-call `region` (sdk/nodejs/ssm/getParameter.ts GetParameterArgs.region: "Defaults to
                // the Region set in the provider configuration"); else the explicit provider's, else the default provider's,
                // configured by the stack's aws:region.
                const region =
                    args.inputs.region || (providerName && this.providerRegions.get(providerName)) || new pulumi.Config("aws").get("region") || this.region;
                const name = String(args.inputs.name);
                const p = PARAMETERS.get(parameterKey(region, name));
                if (!p) {
                    // The engine answers a failed invoke with a gRPC error whose details the SDK rethrows
                    // (pulumi/pulumi pkg/resource/deploy/source_eval.go; sdk/nodejs/runtime/invoke.ts).
                    const message =
                        `invocation of ${args.token} returned an error: invoking ${args.token}: 1 error occurred:\n\t* reading SSM Parameter (${name}): ` +
                        `operation error SSM: GetParameter, https response error StatusCode: 400, ParameterNotFound: (region ${region})`;
                    throw Object.assign(new Error(message), { details: message });
                }
                // A String parameter's value comes back as stored, in `insecureValue` too (which the data source leaves
                // empty for a SecureString); withDecryption only matters for a SecureString.
                return {
                    id: p.name,
                    name: p.name,
                    arn: p.arn,
                    type: p.type,
                    value: p.value,
                    insecureValue: p.type === "SecureString" ? "" : p.value,
                    version: 1,
                    withDecryption: args.inputs.withDecryption ?? true,
                };
            }
            default:
                return args.inputs;
        }
    }
}
