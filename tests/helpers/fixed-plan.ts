/** A small, hand-written plan: the shape `npm run plan` records, with numbers chosen to check arithmetic by hand. */
import { RecordedResource } from "../../offline/recorder";

const urn = (type: string, name: string, parentType?: string) => `urn:pulumi:t::p::${parentType ? `${parentType}$` : ""}${type}::${name}`;

function res(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    parent?: { type: string; name: string },
    dependencies: string[] = [],
): RecordedResource {
    return {
        urn: urn(type, name, parent?.type),
        type,
        name,
        parent: parent ? urn(parent.type, parent.name) : "",
        dependencies,
        provider: "",
        providers: {},
        custom: !type.startsWith("platform:"),
        remote: false,
        protect: false,
        inputs,
        outputs: {},
    };
}

const net = { type: "platform:network:Network", name: "net" };
const cl = { type: "platform:cluster:Cluster", name: "cl" };
const ing = { type: "platform:ingress:Ingress", name: "ing" };
const vpc = res("awsx:ec2:Vpc", "vpc", { numberOfAvailabilityZones: 3, natGateways: { strategy: "OnePerAz" } }, net);
const lbc = res("kubernetes:helm.sh/v3:Release", "lbc", { chart: "aws-load-balancer-controller", values: {} }, ing, [vpc.urn]);

export const FIXED_PLAN: RecordedResource[] = [
    res(net.type, net.name, {}),
    vpc,
    res(cl.type, cl.name, {}, undefined, [urn(net.type, net.name)]),
    res("eks:index:Cluster", "eks", {}, cl, [vpc.urn]),
    res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { blockDeviceMappings: [{ ebs: { volumeSize: 100 } }] }, cl),
    res("eks:index:ManagedNodeGroup", "ng", { instanceTypes: ["m6i.xlarge"], capacityType: "SPOT", scalingConfig: { desiredSize: 4 } }, cl),
    res("aws:kms/key:Key", "key", {}, cl),
    res(ing.type, ing.name, {}),
    lbc,
    res("aws:acm/certificate:Certificate", "cert", {}, ing),
    res(
        "kubernetes:networking.k8s.io/v1:Ingress",
        "a",
        { metadata: { annotations: { "alb.ingress.kubernetes.io/group.name": "g", "alb.ingress.kubernetes.io/scheme": "internet-facing" } } },
        ing,
        [lbc.urn],
    ),
    res(
        "kubernetes:networking.k8s.io/v1:Ingress",
        "b",
        { metadata: { annotations: { "alb.ingress.kubernetes.io/group.name": "g", "alb.ingress.kubernetes.io/scheme": "internet-facing" } } },
        ing,
        [lbc.urn],
    ),
    res("kubernetes:helm.sh/v3:Release", "jenkins", { chart: "jenkins", values: { persistence: { enabled: true, size: "50Gi" } } }, ing),
    res(
        "kubernetes:helm.sh/v3:Release",
        "kps",
        {
            chart: "kube-prometheus-stack",
            values: {
                prometheus: { prometheusSpec: { storageSpec: { volumeClaimTemplate: { spec: { resources: { requests: { storage: "200Gi" } } } } } } },
                grafana: { persistence: { enabled: false, size: "10Gi" } },
            },
        },
        ing,
    ),
];
