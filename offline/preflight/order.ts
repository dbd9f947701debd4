/**
 * Order: what must exist before something else is created (or, for destroy, deleted after it), as data. A rule
 * names the records that need something and the records that provide it; a resource type joins a rule by being
 * added to its selectors, not by new code.
 */
import { INJECTING_NAMESPACE_LABELS, KIND_NEEDS } from "../../components/shared/cluster-handle";
import { durationSeconds } from "../../config/karpenter";
import { RecordedResource } from "../recorder";
import { rejection } from "./capacity";
import { nodePools } from "./nodes";
import { podsOf } from "./pods";
import { ADDON, at, Check, chartOf, HELM_RELEASE, label, MANAGED_NODE_GROUP } from "./check";
import { DeployGraph } from "./graph";

/** Picks records: by type, optionally narrowed by a predicate over the record and the whole plan. */
export interface Selector {
    types: string[];
    where?: (r: RecordedResource, all: RecordedResource[]) => boolean;
}

export interface OrderRule {
    name: string;
    /** Why the order matters, for the message. */
    because: string;
    needs: Selector[];
    providedBy: Selector[];
}

const WORKLOADS = [
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:batch/v1:Job",
    "kubernetes:batch/v1:CronJob",
    "kubernetes:core/v1:Pod",
];
/** Ingresses and the controller's own CRs: the kinds its admission webhooks take (the cluster handle's table). */
const LBC_ADMITTED = Object.keys(KIND_NEEDS).filter((type) => KIND_NEEDS[type].includes("webhook"));
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const NAMESPACE = "kubernetes:core/v1:Namespace";

const addonNamed = (...names: string[]): Selector => ({ types: [ADDON], where: (r) => names.includes(String(r.inputs.addonName)) });
const chartIn =
    (charts: string[], negate = false) =>
    (r: RecordedResource) =>
        charts.includes(chartOf(r)) !== negate;

/** Add-ons whose pods run on worker nodes (vpc-cni and kube-proxy are DaemonSets that wait for nodes themselves). */
export const NODE_ADDONS = ["coredns", "aws-ebs-csi-driver", "metrics-server"];
/** Charts whose templates create Services (the LB controller's own webhook Service is what the others wait for). */
export const SERVICE_CHARTS = ["jenkins", "kube-prometheus-stack", "grafana", "karpenter"];

/** Does this release keep data on a PersistentVolumeClaim? (values paths of the charts the platform pins) */
export function chartUsesVolumes(r: RecordedResource): boolean {
    const v = at(r.inputs, "values");
    switch (chartOf(r)) {
        case "jenkins":
            return at(v, "persistence", "enabled") !== false;
        case "kube-prometheus-stack":
            return (
                at(v, "prometheus", "prometheusSpec", "storageSpec", "volumeClaimTemplate") !== undefined ||
                at(v, "alertmanager", "alertmanagerSpec", "storage", "volumeClaimTemplate") !== undefined ||
                at(v, "grafana", "persistence", "enabled") === true
            );
        case "grafana":
            return at(v, "persistence", "enabled") === true;
        default:
            return false;
    }
}

function workloadUsesVolumes(r: RecordedResource): boolean {
    const spec = at(r.inputs, "spec") as any;
    return (spec?.volumeClaimTemplates?.length ?? 0) > 0 || (spec?.template?.spec?.volumes ?? []).some((v: any) => v?.persistentVolumeClaim);
}

const volumeUsers: Selector[] = [{ types: [HELM_RELEASE], where: chartUsesVolumes }, { types: WORKLOADS, where: workloadUsesVolumes }, { types: [PVC] }];

function namespaceOf(r: RecordedResource): unknown {
    return r.type === HELM_RELEASE ? r.inputs.namespace : at(r.inputs, "metadata", "namespace");
}

export function selects(selectors: Selector[], r: RecordedResource, all: RecordedResource[]): boolean {
    return selectors.some((s) => s.types.includes(r.type) && (!s.where || s.where(r, all)));
}

export const NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool";
export const NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";
const KARPENTER_OBJECTS: Selector[] = [{ types: [NODE_POOL, NODE_CLASS] }];
const karpenterController: Selector = { types: [HELM_RELEASE], where: chartIn(["karpenter"]) };
const POLICY = "aws:iam/policy:Policy";

/** An attachment of a policy that lets its role terminate Karpenter's instances (NodeLifecyclePolicy). */
function attachesNodeLifecycle(r: RecordedResource, all: RecordedResource[]): boolean {
    const policy = all.find((p) => p.type === POLICY && p.outputs.arn !== undefined && p.outputs.arn === r.inputs.policyArn);
    return String(policy?.inputs.policy ?? "").includes("ec2:TerminateInstances");
}

/**
 * Karpenter's destroy: a NodePool's NodeClaims, and an EC2NodeClass, carry finalizers that only the controller
 * removes, after it has drained and terminated their instances and deleted the launch templates it made
 * (aws/karpenter-provider-aws pkg/controllers/nodeclass/controller.go finalize, v1.14.1). Destroy deletes in
 * reverse dependency order, so each of these is a dependency the objects (or the controller) must have.
 */
export const KARPENTER_ORDER_RULES: OrderRule[] = [
    {
        name: "Karpenter CRDs",
        because: 'a NodePool or EC2NodeClass created before its CRD fails with "no matches for kind" (pulumi-kubernetes provider.go Create)',
        needs: KARPENTER_OBJECTS,
        providedBy: [{ types: [HELM_RELEASE], where: (r) => chartOf(r) === "karpenter-crd" || (chartOf(r) === "karpenter" && r.inputs.skipCrds !== true) }],
    },
    {
        name: "Karpenter controller on destroy",
        because:
            "destroy deletes in reverse order: NodePools and the EC2NodeClass must go while the controller runs to remove their finalizers, terminating the instances and deleting their launch templates, or the deletes hang and the instances stay",
        needs: KARPENTER_OBJECTS,
        providedBy: [karpenterController],
    },
    {
        name: "Karpenter's interruption queue on destroy",
        because: "the controller reads its queue until it is deleted; the queue must outlive it",
        needs: [karpenterController],
        providedBy: [{ types: ["aws:sqs/queue:Queue"] }],
    },
    {
        name: "Karpenter's node access on destroy",
        because: "nodes still draining while the controller runs must stay in the cluster: their EC2_LINUX access entry must outlive the controller",
        needs: [karpenterController],
        providedBy: [{ types: ["aws:eks/accessEntry:AccessEntry"], where: (r) => r.inputs.type === "EC2_LINUX" }],
    },
    {
        name: "Karpenter controller's IAM permissions on destroy",
        because: "terminating the pools' instances needs ec2:TerminateInstances and ec2:DeleteLaunchTemplate until the controller is gone",
        needs: [karpenterController],
        providedBy: [{ types: ["aws:iam/rolePolicyAttachment:RolePolicyAttachment"], where: attachesNodeLifecycle }],
    },
];

/** Namespaces whose pods are the cluster's own: they run on the system node group, not on Karpenter's pools. */
const SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "default"];
const onPools = (r: RecordedResource, all: RecordedResource[]) => all.some((x) => x.type === NODE_POOL) && !SYSTEM_NAMESPACES.includes(String(namespaceOf(r)));

/**
 * Workloads outside the system namespaces run on Karpenter's pools, and the namespaces holding them are deleted
 * with their pods: created after the pools (no node for them before), deleted before them, so a destroy's drain
 * finds the pools' nodes empty instead of waiting on pods (or a PodDisruptionBudget) that are about to go anyway.
 */
export const POOL_ORDER_RULE: OrderRule = {
    name: "Karpenter pools",
    because:
        "its pods run on Karpenter's NodePools: created before them they stay Pending, and destroy must delete them before the pools, whose drain they would hold",
    needs: [
        { types: [...WORKLOADS, HELM_RELEASE], where: onPools },
        {
            types: [NAMESPACE],
            where: (r, all) => all.some((x) => x.type === NODE_POOL) && !SYSTEM_NAMESPACES.includes(String(at(r.inputs, "metadata", "name"))),
        },
    ],
    providedBy: [{ types: [NODE_POOL] }],
};

export const ORDER_RULES: OrderRule[] = [
    {
        name: "nodes",
        because: "its pods need a node to run on; without one the create waits until it times out",
        needs: [{ types: WORKLOADS }, { types: [HELM_RELEASE] }, addonNamed(...NODE_ADDONS)],
        providedBy: [{ types: [MANAGED_NODE_GROUP] }],
    },
    {
        name: "cluster DNS",
        because: "its pods resolve service and AWS endpoint names through CoreDNS",
        needs: [{ types: WORKLOADS }, { types: [HELM_RELEASE] }],
        providedBy: [addonNamed("coredns")],
    },
    {
        name: "load balancer controller webhook",
        because:
            "the controller's webhooks (vingress.elbv2.k8s.aws, its CRs', the pod mutators of labelled namespaces) must answer first, and destroy must remove what made load balancers while the controller still runs",
        // Charts with Services, and the CloudWatch observability add-on (its operator's webhook Service), stay after the
        // controller although its Service mutator is off: conservative, and destroy removes them while it still runs.
        needs: [
            { types: LBC_ADMITTED },
            { types: [HELM_RELEASE], where: chartIn(SERVICE_CHARTS) },
            addonNamed("amazon-cloudwatch-observability"),
            // Its pods are admitted by the controller's pod mutators; destroy deletes it, with its Ingresses, first.
            { types: [NAMESPACE], where: (r) => INJECTING_NAMESPACE_LABELS.some((l) => Object.hasOwn(Object(at(r.inputs, "metadata", "labels")), l)) },
        ],
        providedBy: [{ types: [HELM_RELEASE], where: chartIn(["aws-load-balancer-controller"]) }],
    },
    {
        name: "EBS CSI driver",
        because: "its PersistentVolumeClaims are provisioned by the EBS CSI driver",
        needs: volumeUsers,
        providedBy: [addonNamed("aws-ebs-csi-driver")],
    },
    {
        name: "EBS CSI driver on destroy",
        because:
            "destroy deletes in reverse order: the namespace (and the volumes its claims hold) must go while the CSI driver still runs, or the PVCs hang on their finalizers",
        needs: [
            {
                types: [NAMESPACE],
                where: (ns, all) => all.some((u) => selects(volumeUsers, u, all) && namespaceOf(u) === at(ns.inputs, "metadata", "name")),
            },
        ],
        providedBy: [addonNamed("aws-ebs-csi-driver")],
    },
    ...KARPENTER_ORDER_RULES,
    POOL_ORDER_RULE,
];

/**
 * pulumi-kubernetes deletes with foreground propagation and waits 10 minutes unless `customTimeouts.delete` says
 * otherwise (pulumi/pulumi-kubernetes provider/pkg/await/await.go Delete, metadata.TimeoutDuration).
 */
export const KUBERNETES_DELETE_TIMEOUT_SECONDS = 600;

/**
 * Destroy's drain: deleting a NodePool (or its EC2NodeClass) drains its nodes, and a pod with do-not-disrupt or
 * under a PodDisruptionBudget holds that drain until the pool's terminationGracePeriod; unset, "the controller will
 * wait indefinitely for pods to be drained" (karpenter.sh_nodepools.yaml, template.spec.terminationGracePeriod).
 * The delete must also wait longer than that grace period, or `pulumi destroy` fails with the node still draining.
 */
export function drainProblems(resources: RecordedResource[]): { lines: string[]; problems: string[] } {
    const lines: string[] = [];
    const problems: string[] = [];
    const pods = podsOf(resources).filter((p) => p.blocksDrain);
    const waitsFor = (r: RecordedResource) => (r.customTimeouts?.delete ? durationSeconds(r.customTimeouts.delete) : KUBERNETES_DELETE_TIMEOUT_SECONDS);
    const minutes = (s: number) => `${Math.round(s / 60)} min`;
    for (const pool of nodePools(resources)) {
        const record = resources.find((r) => r.type === NODE_POOL && at(r.inputs, "metadata", "name") === pool.name);
        if (!pool.karpenter || !record) continue;
        const { nodeClass } = pool.karpenter;
        const holding = pods.filter((p) => rejection(p, pool) === undefined);
        if (holding.length === 0) continue;
        const held = `NodePool ${pool.name} holds ${holding.map((p) => `${p.name} (${p.blocksDrain})`).join(", ")}`;
        const grace = at(record.inputs, "spec", "template", "spec", "terminationGracePeriod");
        if (typeof grace !== "string") {
            problems.push(`${held} and has no terminationGracePeriod: deleting it waits for them forever, so a destroy hangs`);
            continue;
        }
        const deleters = [record, ...resources.filter((r) => r.type === NODE_CLASS && at(r.inputs, "metadata", "name") === nodeClass)];
        const short = deleters.filter((r) => waitsFor(r) <= durationSeconds(grace));
        for (const r of short)
            problems.push(
                `${held}: its drain may take terminationGracePeriod ${grace}, but the delete of ${label(r)} gives up after ${minutes(waitsFor(r))} (set customTimeouts.delete longer)`,
            );
        if (short.length === 0) lines.push(`${held}: drain bounded by ${grace}; deletes wait ${deleters.map((r) => minutes(waitsFor(r))).join(", ")}`);
    }
    return { lines, problems };
}

export function orderProblems(resources: RecordedResource[], rules: OrderRule[] = ORDER_RULES): { lines: string[]; problems: string[] } {
    const graph = new DeployGraph(resources);
    const lines: string[] = [];
    const problems: string[] = [];
    for (const rule of rules) {
        const providers = resources.filter((r) => selects(rule.providedBy, r, resources));
        const needing = resources.filter((r) => selects(rule.needs, r, resources) && !providers.includes(r));
        if (needing.length === 0) continue;
        if (providers.length === 0) {
            problems.push(`${rule.name}: nothing in the plan provides it, but ${needing.map(label).join(", ")} need it (${rule.because})`);
            continue;
        }
        const late = needing.filter((r) => !providers.some((p) => graph.waitsFor(r).has(p.urn)));
        for (const r of late) problems.push(`${label(r)} does not wait for ${rule.name} (${providers.map(label).join(" or ")}): ${rule.because}`);
        lines.push(`${rule.name}: ${needing.length - late.length} of ${needing.length} wait for ${providers.map(label).join(" or ")}`);
    }
    return { lines, problems };
}

export const order: Check = ({ resources }) => {
    const sequence = orderProblems(resources);
    const drain = drainProblems(resources);
    return { check: "order", lines: [...sequence.lines, ...drain.lines], problems: [...sequence.problems, ...drain.problems] };
};
