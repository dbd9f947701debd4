/**
 * What components need from the cluster: its Kubernetes provider and what must be running before their objects
 * go in. Every platform Helm release and Kubernetes object is made through a handle, so the provider and the
 * waits are applied the same way everywhere; destroy runs the same waits backwards (an object is deleted before
 * what it waited for). The rules match the preflight's (offline/preflight/order.ts ORDER_RULES).
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
 */
export const READINESS = ["nodes", "dns", "metrics", "storage", "webhook", "pools"] as const;
export type Readiness = (typeof READINESS)[number];

/** A release's pods need nodes and name resolution, whatever else the caller names. */
export const RELEASE_NEEDS: readonly Readiness[] = ["nodes", "dns"];

export interface PlatformObjectOptions {
    parent: pulumi.Resource;
    /** What must run on the cluster before this object is created (and after it is deleted). */
    needs?: readonly Readiness[];
    /** Anything else it waits for (its namespace, its Secrets). */
    dependsOn?: pulumi.Resource[];
    aliases?: pulumi.Input<pulumi.URN | pulumi.Alias>[];
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
        return [...new Set(needs.flatMap((n) => provided(n)!))];
    }

    /** Options of a Kubernetes object on this cluster: the provider, then its own waits followed by the readiness it needs. */
    options(o: PlatformObjectOptions): pulumi.CustomResourceOptions {
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
}
