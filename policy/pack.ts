/** The rules as CrossGuard stack policies (mandatory), for `pulumi preview/up --policy-pack policy`. */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { environmentOf, PolicyTarget, RULES } from "./rules";

export function toTarget(r: PolicyResource): PolicyTarget {
    return { urn: r.urn, type: r.type, name: r.name, props: r.props, dependencies: r.dependencies.map((d) => d.urn), protect: r.opts?.protect === true };
}

export const policies: StackValidationPolicy[] = RULES.map((rule) => ({
    name: rule.name,
    description: rule.description,
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const targets = args.resources.map(toTarget);
        for (const f of rule.check(targets, environmentOf(targets))) reportViolation(f.message, f.urn);
    },
}));
