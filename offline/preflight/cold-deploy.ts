/**
 * Cold deploy: the longest chain of creates in a `pulumi up` from an empty stack, using typical durations per
 * resource type. The engine runs independent creates in parallel, so the deploy takes as long as this chain.
 */
import { RecordedResource } from "../recorder";
import { ADDON, Check, chartOf, EKS_CLUSTER, HELM_RELEASE, label, MANAGED_NODE_GROUP } from "./check";
import { DeployGraph } from "./graph";

export interface DurationAssumption {
    /** What it covers, as printed. */
    what: string;
    types: string[];
    where?: (r: RecordedResource) => boolean;
    minutes: number;
    source: string;
}

/** Assumptions, first match wins. "estimate" means observed typical times, not a documented figure. */
export const DURATIONS: DurationAssumption[] = [
    // Remote components do no work of their own: the children their models add (offline/models) carry the time.
    {
        what: "remote component (its modelled children carry the time)",
        types: [EKS_CLUSTER, MANAGED_NODE_GROUP, "awsx:ec2:Vpc"],
        minutes: 0,
        source: "offline/models",
    },
    {
        what: "EKS control plane",
        types: ["aws:eks/cluster:Cluster"],
        minutes: 10,
        source: 'estimate; AWS EKS user guide create-cluster: "Cluster provisioning takes several minutes"',
    },
    { what: "managed node group", types: ["aws:eks/nodeGroup:NodeGroup"], minutes: 4, source: "estimate (3-5 min: launch, join, Ready)" },
    {
        what: "NAT gateway until available",
        types: ["aws:ec2/natGateway:NatGateway"],
        minutes: 2,
        source: "estimate (a NAT gateway takes 1-2 min to become available)",
    },
    {
        what: "ACM DNS validation",
        types: ["aws:acm/certificateValidation:CertificateValidation"],
        minutes: 5,
        source: "estimate (ACM: usually minutes after the CNAME resolves; up to 72 h documented)",
    },
    {
        what: "Route53 record (until INSYNC)",
        types: ["aws:route53/record:Record"],
        minutes: 1,
        source: "estimate (Route53 propagates to all servers within 60 s)",
    },
    { what: "EKS add-on until ACTIVE", types: [ADDON], minutes: 2, source: "estimate" },
    {
        what: "kube-prometheus-stack release (CRDs, operator, Prometheus, Grafana ready)",
        types: [HELM_RELEASE],
        where: (r) => chartOf(r) === "kube-prometheus-stack",
        minutes: 4,
        source: "estimate",
    },
    {
        what: "Jenkins release (plugin download at start, then ready)",
        types: [HELM_RELEASE],
        where: (r) => chartOf(r) === "jenkins",
        minutes: 5,
        source: "estimate",
    },
    { what: "other Helm release until its pods are ready (atomic)", types: [HELM_RELEASE], minutes: 2, source: "estimate" },
    { what: "Ingress until the ALB is provisioned", types: ["kubernetes:networking.k8s.io/v1:Ingress"], minutes: 3, source: "estimate (ALB creation 2-3 min)" },
    { what: "Deployment until rolled out", types: ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"], minutes: 1, source: "estimate" },
    {
        what: "KMS key, IAM role/policy",
        types: ["aws:kms/key:Key", "aws:iam/role:Role", "aws:iam/policy:Policy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"],
        minutes: 0.2,
        source: "estimate (IAM is eventually consistent within seconds)",
    },
];
/** Any other custom resource: one API call. */
export const DEFAULT_MINUTES = 0.1;

export function minutesFor(r: RecordedResource): number {
    if (!r.custom && !r.remote) return 0;
    if (r.type.startsWith("pulumi:providers:")) return 0;
    return DURATIONS.find((d) => d.types.includes(r.type) && (!d.where || d.where(r)))?.minutes ?? DEFAULT_MINUTES;
}

export interface Step {
    resource: RecordedResource;
    start: number;
    end: number;
}

/** The critical path, first create first. */
export function criticalPath(resources: RecordedResource[]): Step[] {
    const graph = new DeployGraph(resources);
    const own = new Map<string, { start: number; end: number; after?: RecordedResource }>();
    const done = new Map<string, { end: number; after?: RecordedResource }>();

    // own: the resource's own work; done: own work plus, for a remote component, everything it creates.
    const ownOf = (r: RecordedResource): { start: number; end: number; after?: RecordedResource } => {
        const cached = own.get(r.urn);
        if (cached) return cached;
        let start = 0;
        let after: RecordedResource | undefined;
        for (const p of graph.prerequisites(r)) {
            const end = doneOf(p).end;
            if (end > start) {
                start = end;
                after = p;
            }
        }
        // A remote component's children start once its own core (the control plane) is up.
        const parent = r.modeled ? graph.byUrn.get(r.parent) : undefined;
        if (parent && ownOf(parent).end > start) {
            start = ownOf(parent).end;
            after = parent;
        }
        const result = { start, end: start + minutesFor(r), after };
        own.set(r.urn, result);
        return result;
    };
    const doneOf = (r: RecordedResource): { end: number; after?: RecordedResource } => {
        const cached = done.get(r.urn);
        if (cached) return cached;
        let result: { end: number; after?: RecordedResource } = { end: ownOf(r).end };
        for (const c of graph.childrenOf(r)) if (doneOf(c).end > result.end) result = { end: doneOf(c).end, after: c };
        done.set(r.urn, result);
        return result;
    };

    const last = resources.reduce<RecordedResource | undefined>((m, r) => (!m || doneOf(r).end > doneOf(m).end ? r : m), undefined);
    const path: Step[] = [];
    // `whole`: the step after this one waited for all of r (a remote component with its children), not just its core.
    for (let r = last, whole = true; r;) {
        const d = doneOf(r);
        // A remote component finishing late because of a child: the child is on the path.
        if (whole && d.after && d.end > ownOf(r).end) {
            r = d.after;
            continue;
        }
        path.unshift({ resource: r, start: ownOf(r).start, end: ownOf(r).end });
        const next = ownOf(r).after;
        whole = !(r.modeled && next?.urn === r.parent);
        r = next;
    }
    return path.filter((s) => s.end > s.start);
}

const clock = (minutes: number) => `${Math.floor(minutes)}:${String(Math.round((minutes % 1) * 60)).padStart(2, "0")}`;

export const coldDeploy: Check = ({ resources }) => {
    const path = criticalPath(resources);
    const total = path.length ? path[path.length - 1].end : 0;
    const lines = [
        `critical path of a cold \`pulumi up\`: ~${Math.ceil(total)} min (durations are assumptions, see DURATIONS in offline/preflight/cold-deploy.ts)`,
    ];
    path.forEach((s, i) => {
        const waits = i > 0 ? `, after ${label(path[i - 1].resource)}` : "";
        lines.push(`  ${clock(s.start).padStart(6)} -> ${clock(s.end).padStart(6)}  ${label(s.resource)}${waits}`);
    });
    return { check: "cold deploy", lines, problems: [] };
};
