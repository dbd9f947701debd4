/** Every namespace the shared ALB sends traffic into, in the whole program, gets the controller's readiness gates. */
import * as assert from "assert";
import { readinessGatesInjected } from "../offline/models/lbc-webhook";
import { RecordedResource } from "./helpers/harness";
import { planFor } from "./helpers/plans";

/** app.kubernetes.io/name of the pods a chart puts behind the ALB: the Jenkins controller, kps' Grafana sub-chart. */
const CHART_BACKEND_NAMES: Record<string, string> = { jenkins: "jenkins", "kube-prometheus-stack": "grafana" };

/** Labels of the pods behind the Ingresses of a namespace: the program's Deployments, or a chart's pods. */
function backendPodLabels(resources: RecordedResource[], namespace: string): Record<string, string>[] {
    const inNamespace = (r: RecordedResource) => (r.inputs.metadata as any)?.namespace === namespace || r.inputs.namespace === namespace;
    const deployments = resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment" && inNamespace(r));
    const charts = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && inNamespace(r) && CHART_BACKEND_NAMES[r.inputs.chart as string]);
    return [
        ...deployments.map((d) => (d.inputs.spec as any).template.metadata.labels),
        ...charts.map((c) => ({ "app.kubernetes.io/name": CHART_BACKEND_NAMES[c.inputs.chart as string] })),
    ];
}

describe("ALB readiness gates across the program", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: the webhook injects readiness gates into every namespace that holds an Ingress backend`, async () => {
            const { resources } = await planFor(stack);
            const lbc = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "aws-load-balancer-controller")!;
            const namespaces = new Map(
                resources
                    .filter((r) => r.type === "kubernetes:core/v1:Namespace")
                    .map((r) => [(r.inputs.metadata as any).name as string, ((r.inputs.metadata as any).labels ?? {}) as Record<string, string>]),
            );
            const ingresses = resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress");
            assert.ok(ingresses.length > 0);
            for (const ing of ingresses) {
                const ns = (ing.inputs.metadata as any).namespace as string;
                assert.ok(namespaces.has(ns), `${ing.name}: namespace ${ns} is not created by the program`);
                const pods = backendPodLabels(resources, ns);
                assert.ok(pods.length > 0, `${ing.name}: no known pods behind it in ${ns}`);
                for (const pod of pods) {
                    assert.ok(readinessGatesInjected(lbc.inputs.values as any, namespaces.get(ns)!, pod), `${ing.name}: pods in ${ns} get no readiness gate`);
                }
            }
        });
    }
});
