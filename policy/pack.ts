/** The rules as CrossGuard stack policies (mandatory), for `pulumi preview/up --policy-pack policy --policy-pack-config <file>`. */
import { PolicyConfigSchema, PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { PROFILES } from "../config/profiles";
import { PolicyTarget, Rule, RULES, RuleConfig } from "./rules";

export function toTarget(r: PolicyResource): PolicyTarget {
    return { urn: r.urn, type: r.type, name: r.name, props: r.props, dependencies: r.dependencies.map((d) => d.urn), protect: r.opts?.protect === true };
}

/**
 * A rule's guardrails as its config schema, every one required: the engine validates the reconciled config against it
 * (pulumi/pulumi sdk/pkg/resource/analyzer/config.go, ReconcilePolicyPackConfig) and refuses the run when the deploy
 * forgot --policy-pack-config, so a profile's rule is never skipped for want of its profile.
 */
export function configSchemaOf(rule: Rule): PolicyConfigSchema | undefined {
    if (!rule.config) return undefined;
    const kind = (g: keyof RuleConfig) => (typeof PROFILES.prod.guardrails[g] === "boolean" ? "boolean" : "integer");
    return { properties: Object.fromEntries(rule.config.map((g) => [g, { type: kind(g) }])), required: [...rule.config] };
}

export const policies: StackValidationPolicy[] = RULES.map((rule) => ({
    name: rule.name,
    description: rule.description,
    enforcementLevel: "mandatory",
    configSchema: configSchemaOf(rule),
    validateStack: (args, reportViolation) => {
        const targets = args.resources.map(toTarget);
        for (const f of rule.check(targets, args.getConfig<RuleConfig>())) reportViolation(f.message, f.urn);
    },
}));
