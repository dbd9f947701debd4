/**
 * How pulumi-kubernetes (provider v4.34.2; read at pulumi/pulumi-kubernetes HEAD 94977969, 2026-07-01, after v4.32.0)
 * handles a custom resource whose CustomResourceDefinition is not on the cluster, in provider/pkg/provider/provider.go:
 *   - preview, `Create`: `skipPreview := hasComputedValue(newInputs) || !k.gvkExists(newInputs) || …`; a preview
 *     of a kind the API server does not know returns the inputs unchanged: it is never refused. `Check` refuses
 *     only with the provider option `rejectUnknownResources` (off here). On a brand-new cluster the kubeconfig is
 *     unknown at preview and every Kubernetes resource is skipped the same way.
 *   - since v4.32.0 (#4417, helm_release.go cacheReleaseCRDs) a helm.sh/v3 Release's CRDs are cached at `Check`,
 *     so a custom resource elsewhere in the program resolves its scope at preview.
 *   - `up`, `Create`: the server-side apply meets "no matches for kind" (meta.IsNoMatchError), and the provider
 *     fails with the message below. The CRD must exist before the create starts: on the cluster already, or
 *     installed by a resource the custom resource waits for.
 * The kinds below are the CRDs of the charts the platform pins (aws/karpenter-provider-aws charts/karpenter/crds
 * and charts/karpenter-crd/templates at v1.14.1); a kind not listed is not judged.
 */
import { chartOf, HELM_RELEASE } from "../preflight/check";
import type { RecordedResource } from "../recorder";

interface CrdSource {
    chart: string;
    /** In the chart's crds/ directory, which Helm skips with skipCrds; otherwise a template, always installed. */
    crdsDir: boolean;
}

const KARPENTER_CRDS: CrdSource[] = [
    { chart: "karpenter-crd", crdsDir: false },
    { chart: "karpenter", crdsDir: true },
];

/** "group/Kind" -> the releases that install its CRD. */
export const CRD_KINDS: Record<string, CrdSource[]> = {
    "karpenter.sh/NodePool": KARPENTER_CRDS,
    "karpenter.sh/NodeClaim": KARPENTER_CRDS,
    "karpenter.k8s.aws/EC2NodeClass": KARPENTER_CRDS,
};

/** "kubernetes:karpenter.sh/v1:NodePool" -> { group, version, kind }, for kinds outside the built-in groups. */
export function gvkOf(type: string): { group: string; version: string; kind: string } | undefined {
    const m = /^kubernetes:([a-z0-9.-]+\.[a-z0-9.-]+)\/(v[0-9a-z]+):(\w+)$/.exec(type);
    return m ? { group: m[1], version: m[2], kind: m[3] } : undefined;
}

function waitsFor(r: RecordedResource, all: RecordedResource[]): RecordedResource[] {
    const byUrn = new Map(all.map((x) => [x.urn, x]));
    const seen = new Set<string>();
    const queue = [...r.dependencies];
    for (let urn = queue.pop(); urn !== undefined; urn = queue.pop()) {
        if (seen.has(urn)) continue;
        seen.add(urn);
        queue.push(...(byUrn.get(urn)?.dependencies ?? []));
    }
    return [...seen].map((u) => byUrn.get(u)).filter((x): x is RecordedResource => x !== undefined);
}

/**
 * The status conditions a kind reports. Karpenter's kinds have a `Ready` root condition over the others
 * (awslabs/operatorpkg status.NewReadyConditions): aws/karpenter-provider-aws pkg/apis/v1/ec2nodeclass_status.go and
 * kubernetes-sigs/karpenter pkg/apis/v1/nodepool_status.go, both v1.14.1.
 */
export const KIND_CONDITIONS: Record<string, string[]> = {
    "karpenter.k8s.aws/EC2NodeClass": [
        "Ready",
        "AMIsReady",
        "SubnetsReady",
        "SecurityGroupsReady",
        "InstanceProfileReady",
        "ValidationSucceeded",
        "PlacementGroupReady",
        "CapacityReservationsReady",
    ],
    "karpenter.sh/NodePool": ["Ready", "ValidationSucceeded", "NodeClassReady", "NodeRegistrationHealthy"],
};

/**
 * What `pulumi up` waits for after creating or updating a custom resource, as provider/pkg/metadata/overrides.go
 * ReadyCondition decides (HEAD 94977969): nothing (success once stored) unless the `pulumi.com/waitFor` annotation
 * names conditions, a JSON string array or one string, each prefixed `condition=` (`Type` or `Type=Status`, status
 * True by default, as `kubectl wait --for`) or `jsonpath=`; `pulumi.com/skipAwait: "true"` waits for nothing. A value
 * the provider cannot parse fails the resource; a condition the kind never reports waits until the timeout.
 */
export function readinessWait(r: Pick<RecordedResource, "type" | "inputs">): { waits: string[]; problem?: string } {
    const annotations = ((r.inputs.metadata as any)?.annotations ?? {}) as Record<string, string>;
    const value = annotations["pulumi.com/waitFor"];
    if (annotations["pulumi.com/skipAwait"] === "true" || !value) return { waits: [] };
    let values: unknown;
    try {
        values = JSON.parse(value);
    } catch {
        values = [value];
    }
    const list = (Array.isArray(values) ? values : [value]).map(String);
    if (list.length === 0) return { waits: [], problem: "at least one condition must be specified" };
    const bad = list.find((e) => !e.startsWith("jsonpath=") && !e.startsWith("condition="));
    if (bad !== undefined) return { waits: [], problem: `expected a "jsonpath=" or "condition=" prefix, got ${JSON.stringify(bad)}` };
    const gvk = gvkOf(r.type);
    const known = gvk && KIND_CONDITIONS[`${gvk.group}/${gvk.kind}`];
    const unknown = list
        .filter((e) => e.startsWith("condition="))
        .map((e) => e.slice("condition=".length).split("=")[0])
        .find((c) => known && !known.includes(c));
    return unknown && gvk && known
        ? { waits: list, problem: `${gvk.kind} never reports condition ${unknown} (it reports ${known.join(", ")}): \`up\` would wait until it times out` }
        : { waits: list };
}

/**
 * Why creating this custom resource would fail, or undefined. `clusterKinds` are the "group/Kind"s whose CRDs the
 * cluster already has (an existing cluster); `preview` is a `pulumi preview`, which never refuses one.
 */
export function customResourceProblem(
    r: RecordedResource,
    all: RecordedResource[],
    opts: { preview: boolean; clusterKinds?: readonly string[] },
): string | undefined {
    const gvk = gvkOf(r.type);
    const sources = gvk && CRD_KINDS[`${gvk.group}/${gvk.kind}`];
    const wait = gvk && !opts.preview ? readinessWait(r).problem : undefined;
    if (wait) return `resource "${r.name}": pulumi.com/waitFor: ${wait}`;
    if (!gvk || !sources || opts.preview || opts.clusterKinds?.includes(`${gvk.group}/${gvk.kind}`)) return undefined;
    const installs = (x: RecordedResource) =>
        x.type === HELM_RELEASE && sources.some((s) => s.chart === chartOf(x) && !(s.crdsDir && x.inputs.skipCrds === true));
    if (waitsFor(r, all).some(installs)) return undefined;
    return (
        `creation of resource "${r.name}" with kind ${gvk.group}/${gvk.version}/${gvk.kind} failed because the Kubernetes API server reported that the apiVersion for this resource does not exist. ` +
        `Verify that any required CRDs have been created: no matches for kind "${gvk.kind}" in version "${gvk.group}/${gvk.version}" ` +
        `(it waits for no release of ${sources.map((s) => s.chart).join(" or ")})`
    );
}
