/**
 * What components need from the cluster: its Kubernetes provider and what must be running before their objects
 * go in. Every platform Helm release and Kubernetes object is made through a handle (`release`, `object`), which
 * adds the waits a kind needs from KIND_NEEDS, so no caller can forget them; destroy runs the same waits backwards
 * (an object is deleted before what it waited for). The rules match the preflight's (offline/preflight/order.ts
 * ORDER_RULES; cluster-handle.test.ts checks each entry against them).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PinnedChart, pinnedRelease, ReleaseArgs } from "./helm";

/**
 * - nodes: a node group to run pods on; dns: CoreDNS; metrics: metrics-server (the HPA's CPU metrics);
 * - storage: the EBS CSI driver and the default StorageClass, for anything with a PersistentVolumeClaim;
 * - webhook: the LB controller, whose admission webhooks must answer for every new Service and Ingress;
 * - pools: Karpenter's NodePools, for workloads placed on them; destroy then deletes those workloads (and the
 *   namespaces holding them) before the pools, whose drain they would otherwise block. Without Karpenter the
 *   node group is where they run, so `pools` falls back to `nodes`.
 * - karpenter: Karpenter's CRDs and controller, for its NodePools and EC2NodeClasses.
 */
export const READINESS = ["nodes", "dns", "metrics", "storage", "webhook", "pools", "karpenter"] as const;
export type Readiness = (typeof READINESS)[number];

/** A release's pods need nodes and name resolution, whatever else the caller names. */
export const RELEASE_NEEDS: readonly Readiness[] = ["nodes", "dns"];

const WORKLOAD: readonly Readiness[] = ["nodes", "dns"];
const LBC_WEBHOOK: readonly Readiness[] = ["webhook"];
const KARPENTER: readonly Readiness[] = ["karpenter"];

/**
 * What an object of each kind (its Pulumi type) needs before it is created; a kind not listed (Namespace, Secret,
 * ConfigMap, ServiceAccount, RBAC, NetworkPolicy, PodDisruptionBudget, StorageClass) needs only the provider.
 * - Workloads: their pods need a node and CoreDNS (pulumi-kubernetes awaits their readiness on create).
 * - The LB controller's admission webhooks, all failurePolicy Fail (aws/eks-charts
 *   stable/aws-load-balancer-controller/templates/webhook.yaml and values.yaml, chart 3.5.0): its Service mutator
 *   (mservice, every Service on CREATE) is turned off (components/ingress/lbc.ts), so a Service needs nothing;
 *   vingress.elbv2.k8s.aws validates
 *   Ingresses on CREATE and UPDATE; mtargetgroupbinding/vtargetgroupbinding and vingressclassparams admit the
 *   controller's own CRs. Its pod mutators select by namespace label: see INJECTING_NAMESPACE_LABELS.
 * - A claim is provisioned by the EBS CSI driver through the default StorageClass.
 * - An HPA reads CPU from metrics-server's resource metrics API.
 * - Karpenter's CRs: their CRDs (karpenter-crd chart) and the controller that removes their finalizers
 *   (aws/karpenter-provider-aws pkg/controllers/nodeclass/controller.go finalize, v1.14.1).
 */
export const KIND_NEEDS: Readonly<Record<string, readonly Readiness[]>> = {
    "kubernetes:apps/v1:Deployment": WORKLOAD,
    "kubernetes:apps/v1:StatefulSet": WORKLOAD,
    "kubernetes:apps/v1:DaemonSet": WORKLOAD,
    "kubernetes:batch/v1:Job": WORKLOAD,
    "kubernetes:batch/v1:CronJob": WORKLOAD,
    "kubernetes:core/v1:Pod": WORKLOAD,
    "kubernetes:networking.k8s.io/v1:Ingress": LBC_WEBHOOK,
    "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding": LBC_WEBHOOK,
    "kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams": LBC_WEBHOOK,
    "kubernetes:core/v1:PersistentVolumeClaim": ["storage"],
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": ["metrics"],
    "kubernetes:karpenter.sh/v1:NodePool": KARPENTER,
    "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass": KARPENTER,
};

/**
 * Namespace labels that turn on the LB controller's pod mutators for pods created in the namespace (same
 * webhook.yaml): mpod (readiness gates, failurePolicy Ignore, so a pod admitted before the controller runs silently
 * has no gate), quicid and alb-target-control (failurePolicy Fail). Such a namespace waits for the controller, so
 * its pods do too, and destroy deletes it, with its Ingresses, while the controller still runs to delete their ALBs.
 */
export const INJECTING_NAMESPACE_LABELS = [
    "elbv2.k8s.aws/pod-readiness-gate-inject",
    "elbv2.k8s.aws/quic-server-id-inject",
    "elbv2.k8s.aws/alb-target-control-agent-injection",
];

/** A field of a value given plainly (not an Output or a Promise), or undefined. */
const field = (v: unknown, key: string): unknown =>
    v === null || typeof v !== "object" || pulumi.Output.isInstance(v) || v instanceof Promise ? undefined : (v as Record<string, unknown>)[key];
const at = (v: unknown, ...keys: string[]): unknown => keys.reduce(field, v);

/** What an object needs by its kind, and by what its args say plainly (claims its pods mount, injection labels). */
export function needsOf(type: string, args: unknown): Readiness[] {
    const needs = [...(KIND_NEEDS[type] ?? [])];
    const volumes = at(args, "spec", "template", "spec", "volumes");
    const claimed = Array.isArray(volumes) && volumes.some((v) => field(v, "persistentVolumeClaim") !== undefined);
    const claimTemplates = at(args, "spec", "volumeClaimTemplates");
    if ((Array.isArray(claimTemplates) && claimTemplates.length > 0) || claimed) needs.push("storage");
    const labels = at(args, "metadata", "labels");
    if (type === "kubernetes:core/v1:Namespace" && INJECTING_NAMESPACE_LABELS.some((l) => field(labels, l) !== undefined)) needs.push("webhook");
    return [...new Set(needs)];
}

/** A pulumi-kubernetes resource class: `k8s.core.v1.Service`, `k8s.apiextensions.CustomResource`, ... */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each class takes its own Args; object() re-types them from the class.
type KubernetesClass = new (name: string, args: any, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The Pulumi type an object of this class gets (a CustomResource's is built from its apiVersion and kind). */
function typeOf(kind: KubernetesClass, args: unknown): string {
    if (kind === (k8s.apiextensions.CustomResource as unknown)) {
        const [apiVersion, crKind] = [at(args, "apiVersion"), at(args, "kind")];
        // Its needs are looked up by this type: an Output here would silently give it none.
        if (typeof apiVersion !== "string" || typeof crKind !== "string") throw new Error("a CustomResource needs its apiVersion and kind as plain strings");
        return `kubernetes:${apiVersion}:${crKind}`;
    }
    const type = (kind as unknown as { __pulumiType?: string }).__pulumiType;
    if (!type) throw new Error(`${kind.name} is no pulumi-kubernetes resource class`);
    return type;
}

export interface PlatformObjectOptions {
    parent: pulumi.Resource;
    /** What must run on the cluster before this object is created (and after it is deleted). */
    needs?: readonly Readiness[];
    /** Anything else it waits for (its namespace, its Secrets). */
    dependsOn?: pulumi.Resource[];
    aliases?: pulumi.Input<pulumi.URN | pulumi.Alias>[];
}

export interface ObjectOptions extends PlatformObjectOptions {
    customTimeouts?: pulumi.CustomTimeouts;
}

export class ClusterHandle {
    constructor(
        readonly provider: k8s.Provider,
        private readonly readiness: Partial<Record<Readiness, readonly pulumi.Resource[]>>,
    ) {}

    /**
     * A cluster another stack runs: everything is ready already, so an object waits only for the provider (the
     * app stack, on the platform's cluster).
     */
    static external(provider: k8s.Provider): ClusterHandle {
        return new ClusterHandle(provider, Object.fromEntries(READINESS.map((r) => [r, [provider]])));
    }

    /** This handle plus one more readiness (the Ingress adds the LB controller's webhook). */
    with(name: Readiness, resources: pulumi.Resource[]): ClusterHandle {
        return new ClusterHandle(this.provider, { ...this.readiness, [name]: resources });
    }

    /** The resources standing for the named readiness, once each. Asking for one nobody provides is a wiring bug. */
    ready(needs: readonly Readiness[]): pulumi.Resource[] {
        const provided = (n: Readiness) => this.readiness[n] ?? (n === "pools" ? this.readiness.nodes : undefined);
        const missing = needs.filter((n) => !provided(n));
        if (missing.length > 0)
            throw new Error(`the cluster handle has no ${missing.join(", ")} readiness: make the object from the handle of the component that provides it`);
        return [...new Set(needs.flatMap((n) => provided(n) ?? []))];
    }

    /** Options of a Kubernetes object on this cluster: the provider, then its own waits followed by the readiness it needs. */
    private options(o: PlatformObjectOptions): pulumi.CustomResourceOptions {
        return {
            parent: o.parent,
            provider: this.provider,
            dependsOn: [...new Set([...(o.dependsOn ?? []), ...this.ready(o.needs ?? [])])],
            ...(o.aliases ? { aliases: o.aliases } : {}),
        };
    }

    /** A pinned, atomic Helm release (helm.ts) on this cluster, after nodes and DNS and whatever else it needs. */
    release(name: string, pin: PinnedChart, args: ReleaseArgs, o: PlatformObjectOptions): k8s.helm.v3.Release {
        const needs = [...new Set([...RELEASE_NEEDS, ...(o.needs ?? [])])];
        return pinnedRelease(name, pin, args, this.options({ ...o, needs }));
    }

    /**
     * A Kubernetes object on this cluster, after what its kind needs (needsOf) and whatever else the caller names:
     * `handle.object(k8s.core.v1.Service, name, args, { parent })`.
     */
    object<C extends KubernetesClass>(kind: C, name: string, args: NonNullable<ConstructorParameters<C>[1]>, o: ObjectOptions): InstanceType<C> {
        const needs = [...new Set([...needsOf(typeOf(kind, args), args), ...(o.needs ?? [])])];
        const { customTimeouts } = o;
        return new kind(name, args, { ...this.options({ ...o, needs }), ...(customTimeouts ? { customTimeouts } : {}) }) as InstanceType<C>;
    }
}
