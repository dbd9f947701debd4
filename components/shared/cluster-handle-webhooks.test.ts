/**
 * The handle's table (KIND_NEEDS) against the LB controller chart's own templates/webhook.yaml at the pinned chart
 * (../shared/reference/charts/aws-load-balancer-controller, 3.5.0), rendered with the values the Ingress component
 * gives it: every webhook the chart renders that fails closed (failurePolicy Fail) and admits a kind is a `webhook`
 * need of that kind, and the table claims no webhook the chart does not render. Read independently of the preflight's
 * rules, which take their kinds from the table. Pod webhooks select by label (INJECTING_NAMESPACE_LABELS) and are left out.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { lbcValues } from "../ingress/lbc";
import { at } from "../../offline/preflight/check";
import { referenceFile } from "../../tests/helpers/harness";
import { KIND_NEEDS } from "./cluster-handle";

/** The resources the chart's webhooks name, as Pulumi types. */
const TYPE_OF_RESOURCE: Record<string, string> = {
    services: "kubernetes:core/v1:Service",
    ingresses: "kubernetes:networking.k8s.io/v1:Ingress",
    targetgroupbindings: "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding",
    ingressclassparams: "kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams",
    globalaccelerators: "kubernetes:aga.k8s.aws/v1beta1:GlobalAccelerator",
};

interface Webhook {
    name: string;
    failurePolicy: string;
    resources: string[];
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === "object" && v !== null && !Array.isArray(v);
const mergedValues = (base: Tree, over: Tree): Tree =>
    Object.fromEntries(
        [...new Set([...Object.keys(base), ...Object.keys(over)])].map((k) => {
            const [b, o] = [base[k], over[k]];
            return [k, isTree(b) && isTree(o) ? mergedValues(b, o) : o === undefined ? b : o];
        }),
    );
const valueAt = (values: Tree, dotted: string): unknown => at(values, ...dotted.split("."));

/** The webhooks the template renders with these values: its `if`/`else`/`end` guards on .Values followed line by line. */
function renderedWebhooks(template: string, values: Tree): Webhook[] {
    const hooks: Webhook[] = [];
    const guards: boolean[] = [];
    let hook: Webhook | undefined;
    let inResources = false;
    for (const line of template.split("\n")) {
        const guard = /\{\{-?\s*if (not )?\$?\.Values\.([\w.]+)\s*-?\}\}/.exec(line);
        if (guard) guards.push(Boolean(valueAt(values, guard[2])) !== Boolean(guard[1]));
        else if (/\{\{-?\s*if /.test(line)) guards.push(true); // a guard on something else (a helper's result): not about webhooks
        if (/\{\{-?\s*else\s*-?\}\}/.test(line)) guards.push(!guards.pop());
        if (/\{\{-?\s*end\s*-?\}\}/.test(line)) guards.pop();
        const on = guards.every(Boolean);
        if (/^- clientConfig:/.test(line)) {
            hook = on ? { name: "", failurePolicy: "", resources: [] } : undefined;
            if (hook) hooks.push(hook);
            inResources = false;
            continue;
        }
        if (!hook) continue;
        const name = /^ {2}name: (\S+)$/.exec(line);
        if (name) hook.name = name[1];
        const policy = /^ {2}failurePolicy:\s+(.+)$/.exec(line);
        if (policy) {
            const ref = /\{\{\s*\$?\.Values\.([\w.]+)\s*\}\}/.exec(policy[1]);
            hook.failurePolicy = ref ? String(valueAt(values, ref[1])) : policy[1].trim();
        }
        if (/^\s+resources:\s*$/.test(line)) inResources = true;
        else if (inResources && /^\s+- (\w+)\s*$/.test(line)) hook.resources.push(/- (\w+)/.exec(line)![1]);
        else inResources = false;
    }
    return hooks;
}

describe("the cluster handle's webhook needs, read off the LB controller chart's webhook.yaml", () => {
    let template: string;
    let defaults: Tree;
    let hooks: Webhook[];
    before(function () {
        const chart = path.dirname(referenceFile(this, "charts", "aws-load-balancer-controller", "values.yaml"));
        template = fs.readFileSync(path.join(chart, "templates", "webhook.yaml"), "utf8");
        defaults = YAML.parse(fs.readFileSync(path.join(chart, "values.yaml"), "utf8")) as Tree;
        const ours = lbcValues({ clusterName: "c", region: "r", vpcId: "v", roleArn: "a", defaultSslPolicy: "p", resourceTags: {} });
        hooks = renderedWebhooks(template, mergedValues(defaults, ours));
    });

    it("every fail-closed webhook the chart renders with the platform's values is a `webhook` need of the kind it admits, and no other kind has one", () => {
        // Global Accelerator's is behind a feature gate that is off, the Service mutator behind a value set off.
        assert.deepStrictEqual(
            hooks.map((h) => `${h.name} ${h.failurePolicy}`),
            [
                "mpod.elbv2.k8s.aws Ignore",
                "quicid.elbv2.k8s.aws Fail",
                "alb-target-control.namespace.elbv2.k8s.aws Fail",
                "alb-target-control.object.elbv2.k8s.aws Fail",
                "mtargetgroupbinding.elbv2.k8s.aws Fail",
                "vingressclassparams.elbv2.k8s.aws Fail",
                "vtargetgroupbinding.elbv2.k8s.aws Fail",
                "vingress.elbv2.k8s.aws Fail",
            ],
        );
        const failClosed = hooks.filter((h) => h.failurePolicy === "Fail");
        assert.ok(
            failClosed.some((h) => h.name === "vingress.elbv2.k8s.aws"),
            `read ${hooks.map((h) => h.name).join(", ")}`,
        );
        const admitted = new Set(
            failClosed
                .flatMap((h) => h.resources)
                .filter((r) => r !== "pods")
                .map((r) => TYPE_OF_RESOURCE[r] ?? `unknown resource ${r}`),
        );
        const needing = Object.keys(KIND_NEEDS).filter((type) => KIND_NEEDS[type].includes("webhook"));
        assert.deepStrictEqual([...admitted].sort(), needing.sort());
    });

    it("renders no Service mutator with the platform's values, which the chart's defaults would (fail-closed on every Service)", () => {
        const mservice = (hs: Webhook[]) => hs.find((h) => h.name === "mservice.elbv2.k8s.aws");
        assert.deepStrictEqual(mservice(renderedWebhooks(template, defaults)), {
            name: "mservice.elbv2.k8s.aws",
            failurePolicy: "Fail",
            resources: ["services"],
        });
        assert.strictEqual(mservice(hooks), undefined);
    });
});
