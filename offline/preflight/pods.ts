/** The pods the plan defines, with what each requests: what the scheduler sees when the deploy runs. */
import * as YAML from "yaml";
import { SYSTEM_DAEMONSETS, SYSTEM_DEPLOYMENTS, SystemDaemonSet, SystemDeployment, SystemPod } from "../data/system-pods";
import { RecordedResource } from "../recorder";
import { ADDON, at, chartOf, HELM_RELEASE } from "./check";
import type { Requirement } from "./nodes";
import { mebibytes, millicores } from "./quantity";

export interface PodDemand {
    /** Who defines it, for messages: "Jenkins agent pod template platform-ci". */
    name: string;
    cpuMilli: number;
    memoryMiB: number;
    /** Replicas in steady state and at their peak (HPA max; agents: none between builds, one per pod template). */
    replicas: { steady: number; peak: number };
    nodeSelector: Record<string, string>;
    tolerations: Toleration[];
    /** Required node affinity: one of these terms (each a list of requirements, all of which hold) must match. */
    nodeAffinity?: Requirement[][];
    /** A required pod anti-affinity on kubernetes.io/hostname: no two replicas on one node. */
    onePerNode?: boolean;
    /**
     * Why draining its node can wait on it: the `karpenter.sh/do-not-disrupt` annotation, or a PodDisruptionBudget
     * selecting it (Karpenter's drain honours both until the NodePool's terminationGracePeriod, if any).
     */
    blocksDrain?: string;
}

const DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

/** Why a pod with these labels and annotations in this namespace holds up a drain, or undefined. */
function drainBlocker(
    annotations: Record<string, unknown> | undefined,
    labels: Record<string, unknown> | undefined,
    namespace: unknown,
    resources: RecordedResource[],
): string | undefined {
    if (String(annotations?.[DO_NOT_DISRUPT]) === "true") return `${DO_NOT_DISRUPT}: "true"`;
    const pdb = resources.find(
        (r) =>
            r.type === PDB &&
            at(r.inputs, "metadata", "namespace") === namespace &&
            Object.entries((at(r.inputs, "spec", "selector", "matchLabels") ?? {}) as Record<string, unknown>).every(([k, v]) => labels?.[k] === v),
    );
    return pdb ? `PodDisruptionBudget ${pdb.name}` : undefined;
}

/** core/v1 Toleration. */
export interface Toleration {
    key?: string;
    operator?: "Exists" | "Equal";
    value?: string;
    effect?: string;
}

/** Where a pod spec may run: nodeSelector, tolerations, required node affinity and hostname anti-affinity. */
export type Placement = Pick<PodDemand, "nodeSelector" | "tolerations" | "nodeAffinity" | "onePerNode">;

export function placementOf(spec: any): Placement {
    const terms = at(spec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms") as any[] | undefined;
    const antiAffinity = (at(spec, "affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution") ?? []) as any[];
    return {
        nodeSelector: { ...(spec?.nodeSelector as Record<string, string> | undefined) },
        tolerations: [...((spec?.tolerations as Toleration[] | undefined) ?? [])],
        ...(terms
            ? {
                  nodeAffinity: terms.map((t) => [
                      ...(t?.matchExpressions ?? []),
                      ...(t?.matchFields ?? []).map((f: Requirement) => ({ ...f, key: `field:${f.key}` })),
                  ]),
              }
            : {}),
        ...(antiAffinity.some((a) => a?.topologyKey === "kubernetes.io/hostname") ? { onePerNode: true } : {}),
    };
}

type Requests = { cpu?: unknown; memory?: unknown } | undefined;

function demand(name: string, requests: Requests[], replicas: PodDemand["replicas"], placement: Placement = placementOf({})): PodDemand {
    return {
        name,
        cpuMilli: requests.reduce((s, r) => s + millicores(r?.cpu), 0),
        memoryMiB: requests.reduce((s, r) => s + mebibytes(r?.memory), 0),
        replicas,
        ...placement,
    };
}

/**
 * The kubernetes plugin adds an agent container ("jnlp") to every pod template that does not define one, requesting
 * 100m CPU and 256Mi (jenkinsci/kubernetes-plugin src/main/java/org/csanchez/jenkins/plugins/kubernetes/
 * PodTemplateBuilder.java: DEFAULT_JNLP_CONTAINER_CPU_REQUEST / _MEMORY_REQUEST, applied in build() when the agent
 * container has no resources). Containers without resourceRequest* request nothing. The chart's `agent.resources`
 * (512m/512Mi) belong to its default template only: `agent.defaultsProviderTemplate` is "" in jenkins-5.9.53, so
 * `agent.podTemplates` inherit nothing from it.
 */
export const JNLP_DEFAULT_REQUESTS = { cpu: "100m", memory: "256Mi" } as const;

/**
 * The pod templates of every cloud the Jenkins chart configures: `agent.podTemplates` (label -> YAML list of JCasC
 * pod templates, charts/jenkins/templates/jcasc-config.yaml) and each `additionalClouds.<cloud>.agent.podTemplates`,
 * which the chart merges over the default cloud's values (templates/_helpers.tpl, jenkins-5.9.53), so a template
 * named in both is one pod, counted once.
 */
export function jenkinsAgentPods(release: RecordedResource): PodDemand[] {
    const clouds = (at(release.inputs, "values", "additionalClouds") ?? {}) as Record<string, unknown>;
    const templates = [at(release.inputs, "values"), ...Object.values(clouds)].flatMap((cloud) =>
        Object.values((at(cloud, "agent", "podTemplates") ?? {}) as Record<string, string>),
    );
    const seen = new Set<string>();
    return templates.flatMap(podTemplatePods).filter((pod) => !seen.has(pod.name) && seen.add(pod.name));
}

/** The pods of one `podTemplates` entry: a YAML list of JCasC pod templates. */
export function podTemplatePods(text: string): PodDemand[] {
    const parsed = YAML.parse(String(text));
    return (Array.isArray(parsed) ? parsed : [parsed]).map(podTemplatePod);
}

/**
 * One JCasC pod template as the plugin builds its pod (PodTemplateBuilder.build, then PodTemplateUtils.combine with
 * the template's `yaml`/`yamls` as the parent): containers by name from both, the jnlp default unless either defines
 * it, nodeSelector of the yaml overridden by the template's, tolerations of both, affinity of the yaml.
 */
function podTemplatePod(t: any): PodDemand {
    const raw = [t?.yaml, ...(t?.yamls ?? [])].filter(Boolean).map((y) => YAML.parse(String(y)) ?? {});
    const rawSpec = Object.assign({}, ...raw.map((p) => p?.spec ?? {}));
    const containers: any[] = t?.containers ?? [];
    const named = new Set(containers.map((c) => c.name));
    const rawContainers = ((rawSpec.containers ?? []) as any[]).filter((c) => !named.has(c?.name));
    const agentName = t?.agentContainer ?? "jnlp";
    const requests: Requests[] = [
        ...containers.map((c) => ({ cpu: c.resourceRequestCpu, memory: c.resourceRequestMemory })),
        ...rawContainers.map((c) => c?.resources?.requests as Requests),
    ];
    if (![...containers, ...rawContainers].some((c) => c?.name === agentName)) requests.push(JNLP_DEFAULT_REQUESTS);
    const placement = placementOf(rawSpec);
    placement.nodeSelector = { ...placement.nodeSelector, ...nodeSelectorOf(t?.nodeSelector) };
    // An agent pod exists only while a build runs: none in steady state, one per template at the peak.
    const pod = demand(`Jenkins agent pod template ${t?.name ?? "?"}`, requests, { steady: 0, peak: 1 }, placement);
    const annotations = Object.assign(
        {},
        ...raw.map((p) => p?.metadata?.annotations ?? {}),
        Object.fromEntries((t?.annotations ?? []).map((a: any) => [a.key, a.value])),
    );
    const blocksDrain = drainBlocker(annotations, undefined, undefined, []);
    return blocksDrain ? { ...pod, blocksDrain } : pod;
}

/** The plugin's nodeSelector is a "key=value,key=value" string (PodTemplate.getNodeSelector). */
function nodeSelectorOf(value: unknown): Record<string, string> {
    if (!value) return {};
    return Object.fromEntries(
        String(value)
            .split(",")
            .map((kv) => kv.split("=").map((s) => s.trim()) as [string, string]),
    );
}

/**
 * Pods a chart runs whose requests its values decide: values path of the requests, of the replica count, and the
 * chart's defaults at the pinned version (charts' values.yaml in ../shared/reference/charts; `{}` there means none).
 */
interface ChartPod {
    pod: string;
    requests: string[];
    replicas?: string[];
    defaultReplicas: number;
    defaultRequests?: Requests;
    /** Values path that turns the pod off when false. */
    enabled?: string[];
    /** Values path holding the pod's nodeSelector, tolerations and affinity; default: the requests' path less resources.requests. */
    placement?: string[];
    /** The chart's own nodeSelector/tolerations/affinity, which Helm merges the release's values over. */
    defaultPlacement?: Record<string, unknown>;
}

export const CHART_PODS: Record<string, ChartPod[]> = {
    // kubernetes-sigs/metrics-server tag metrics-server-helm-chart-3.13.0 charts/metrics-server/values.yaml:
    // replicas 1, resources.requests 100m / 200Mi.
    "metrics-server": [
        {
            pod: "metrics-server",
            requests: ["resources", "requests"],
            replicas: ["replicas"],
            defaultReplicas: 1,
            defaultRequests: { cpu: "100m", memory: "200Mi" },
        },
    ],
    // jenkinsci/helm-charts jenkins-5.9.53 charts/jenkins/values.yaml: controller.resources.requests 50m / 256Mi.
    jenkins: [{ pod: "controller", requests: ["controller", "resources", "requests"], defaultReplicas: 1, defaultRequests: { cpu: "50m", memory: "256Mi" } }],
    // aws/eks-charts 3.5.0 stable/aws-load-balancer-controller/values.yaml: replicaCount 2, resources {}.
    "aws-load-balancer-controller": [{ pod: "controller", requests: ["resources", "requests"], replicas: ["replicaCount"], defaultReplicas: 2 }],
    // prometheus-community/helm-charts kube-prometheus-stack-88.5.3 values.yaml: every resources {} by default.
    "kube-prometheus-stack": [
        {
            pod: "prometheus",
            requests: ["prometheus", "prometheusSpec", "resources", "requests"],
            replicas: ["prometheus", "prometheusSpec", "replicas"],
            defaultReplicas: 1,
            enabled: ["prometheus", "enabled"],
        },
        {
            pod: "alertmanager",
            requests: ["alertmanager", "alertmanagerSpec", "resources", "requests"],
            replicas: ["alertmanager", "alertmanagerSpec", "replicas"],
            defaultReplicas: 1,
            enabled: ["alertmanager", "enabled"],
        },
        {
            pod: "grafana",
            requests: ["grafana", "resources", "requests"],
            replicas: ["grafana", "replicas"],
            defaultReplicas: 1,
            enabled: ["grafana", "enabled"],
        },
        { pod: "operator", requests: ["prometheusOperator", "resources", "requests"], defaultReplicas: 1, enabled: ["prometheusOperator", "enabled"] },
        {
            pod: "kube-state-metrics",
            requests: ["kube-state-metrics", "resources", "requests"],
            replicas: ["kube-state-metrics", "replicas"],
            defaultReplicas: 1,
            enabled: ["kubeStateMetrics", "enabled"],
        },
    ],
    // aws/karpenter-provider-aws charts/karpenter/values.yaml @ c88abbba (1.14.1): replicas 2, controller.resources {},
    // nodeSelector kubernetes.io/os linux, never on a Karpenter node (karpenter.sh/nodepool DoesNotExist), one per
    // node (podAntiAffinity on kubernetes.io/hostname), tolerates CriticalAddonsOnly; templates/deployment.yaml
    // renders them from .Values at the top level.
    karpenter: [
        {
            pod: "controller",
            requests: ["controller", "resources", "requests"],
            replicas: ["replicas"],
            defaultReplicas: 2,
            placement: [],
            defaultPlacement: {
                nodeSelector: { "kubernetes.io/os": "linux" },
                affinity: {
                    nodeAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: {
                            nodeSelectorTerms: [{ matchExpressions: [{ key: "karpenter.sh/nodepool", operator: "DoesNotExist" }] }],
                        },
                    },
                    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname" }] },
                },
                tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }],
            },
        },
    ],
};

/** Helm's coalescing of a release's values over the chart's: maps merge key by key, anything else replaces. */
function helmMerge(defaults: unknown, values: unknown): unknown {
    const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
    if (!isMap(defaults) || !isMap(values)) return values === undefined ? defaults : values;
    return Object.fromEntries([...new Set([...Object.keys(defaults), ...Object.keys(values)])].map((k) => [k, helmMerge(defaults[k], values[k])]));
}

function chartPods(release: RecordedResource): PodDemand[] {
    const values = at(release.inputs, "values") ?? {};
    return (CHART_PODS[chartOf(release)] ?? [])
        .filter((p) => !p.enabled || at(values, ...p.enabled) !== false)
        .map((p) => {
            const requests = (at(values, ...p.requests) as Requests) ?? p.defaultRequests;
            const replicas = Number((p.replicas && at(values, ...p.replicas)) ?? p.defaultReplicas);
            const base = p.placement ?? p.requests.slice(0, -2);
            const spec = helmMerge(p.defaultPlacement ?? {}, base.length ? (at(values, ...base) ?? {}) : values);
            return demand(`${chartOf(release)} ${p.pod} (release ${release.name})`, [requests], { steady: replicas, peak: replicas }, placementOf(spec));
        });
}

const WORKLOADS = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"];
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";

/** Requests of a pod spec: its containers together, or its largest init container if that is more (as the scheduler counts). */
function podSpecRequests(spec: any): Requests[] {
    const sum = (cs: any[] | undefined) => (cs ?? []).map((c) => c?.resources?.requests as Requests);
    const containers = sum(spec?.containers);
    const inits = sum(spec?.initContainers);
    const total = (rs: Requests[], key: "cpu" | "memory") => rs.reduce((s, r) => s + (key === "cpu" ? millicores(r?.cpu) : mebibytes(r?.memory)), 0);
    const maxInit = (key: "cpu" | "memory") => Math.max(0, ...inits.map((r) => total([r], key)));
    return [
        {
            cpu: `${Math.max(total(containers, "cpu"), maxInit("cpu"))}m`,
            memory: `${Math.max(total(containers, "memory"), maxInit("memory"))}Mi`,
        },
    ];
}

function workloadPods(workload: RecordedResource, resources: RecordedResource[]): PodDemand {
    const name = at(workload.inputs, "metadata", "name");
    const namespace = at(workload.inputs, "metadata", "namespace");
    const hpa = resources.find(
        (r) => r.type === HPA && at(r.inputs, "spec", "scaleTargetRef", "name") === name && at(r.inputs, "metadata", "namespace") === namespace,
    );
    const replicas = Number(at(workload.inputs, "spec", "replicas") ?? 1);
    const spec = at(workload.inputs, "spec", "template", "spec") as any;
    const scaled = hpa
        ? { steady: Number(at(hpa.inputs, "spec", "minReplicas") ?? 1), peak: Number(at(hpa.inputs, "spec", "maxReplicas")) }
        : { steady: replicas, peak: replicas };
    const pod = demand(`${workload.type.split(":").pop()} ${workload.name}`, podSpecRequests(spec), scaled, placementOf(spec));
    const template = at(workload.inputs, "spec", "template", "metadata") as any;
    const blocksDrain = drainBlocker(template?.annotations, template?.labels, namespace, resources);
    return blocksDrain ? { ...pod, blocksDrain } : pod;
}

/** System pods present in this plan: always, or when the add-on that brings them is planned. */
function present<T extends SystemPod>(pods: T[], resources: RecordedResource[]): T[] {
    const addons = new Set(resources.filter((r) => r.type === ADDON).map((r) => String(r.inputs.addonName)));
    return pods.filter((p) => !p.addon || addons.has(p.addon));
}

/**
 * An add-on's pod as its configurationValues place it: EKS renders the add-on's chart with them over its defaults,
 * so maps merge and lists (tolerations) replace, as in Helm.
 */
function systemDeploymentPod(p: SystemDeployment, resources: RecordedResource[]): PodDemand {
    const addon = resources.find((r) => r.type === ADDON && r.inputs.addonName === p.addon);
    const raw = addon?.inputs.configurationValues;
    const config = typeof raw === "string" && raw ? JSON.parse(raw) : {};
    const given = (p.configPath.length ? at(config, ...p.configPath) : config) ?? {};
    const keys = ["nodeSelector", "tolerations", "affinity"];
    const spec = helmMerge(p.placement, Object.fromEntries(Object.entries(given).filter(([k]) => keys.includes(k))));
    return demand(p.what, [p], { steady: p.replicas, peak: p.replicas }, placementOf(spec));
}

/** The charts' DaemonSets, once per planned release of their chart that leaves them enabled, with its requests. */
function chartDaemonSets(resources: RecordedResource[]): SystemDaemonSet[] {
    const releases = resources.filter((r) => r.type === HELM_RELEASE);
    return SYSTEM_DAEMONSETS.filter((d) => d.chart).flatMap((d) =>
        releases
            .filter((r) => chartOf(r) === d.chart)
            .map((r) => at(r.inputs, "values") ?? {})
            .filter((values) => !d.enabledAt || at(values, ...d.enabledAt) !== false)
            .map((values) => {
                const requests = d.requestsAt && (at(values, ...d.requestsAt) as Requests);
                return { ...d, cpu: String(requests?.cpu ?? d.cpu), memory: String(requests?.memory ?? d.memory) };
            }),
    );
}

/** What the DaemonSets take from every node before any other pod lands. */
export function perNodeOverhead(resources: RecordedResource[]): { cpuMilli: number; memoryMiB: number; pods: number; names: string[] } {
    const ds = [
        ...present(
            SYSTEM_DAEMONSETS.filter((d) => !d.chart),
            resources,
        ),
        ...chartDaemonSets(resources),
    ];
    return {
        cpuMilli: ds.reduce((s, d) => s + millicores(d.cpu), 0),
        memoryMiB: ds.reduce((s, d) => s + mebibytes(d.memory), 0),
        pods: ds.length,
        names: ds.map((d) => d.what),
    };
}

export function podsOf(resources: RecordedResource[]): PodDemand[] {
    const releases = resources.filter((r) => r.type === HELM_RELEASE);
    return [
        ...present(SYSTEM_DEPLOYMENTS, resources).map((p) => systemDeploymentPod(p, resources)),
        ...releases.filter((r) => chartOf(r) === "jenkins").flatMap(jenkinsAgentPods),
        ...releases.flatMap(chartPods),
        ...resources.filter((r) => WORKLOADS.includes(r.type)).map((w) => workloadPods(w, resources)),
    ];
}
