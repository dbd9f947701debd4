import * as assert from "assert";
import { policyTargets, readStackConfig } from "../../offline/plan";
import { policies, toTarget } from "../../policy/pack";
import { environmentOf, profileNamed, PROFILES } from "../../config/profiles";
import { evaluatePolicies, policyPackConfig, PolicyTarget, RULES } from "../../policy/rules";
import { planFor } from "../helpers/plans";
import { committedStacks } from "../helpers/stacks";

type Mutate = (targets: PolicyTarget[]) => void;

/** The stack's real plan, as policy targets, changed by `mutate`; the findings of one policy. */
async function findings(stack: string, policy: string, mutate: Mutate = () => undefined) {
    const targets: PolicyTarget[] = JSON.parse(JSON.stringify(policyTargets((await planFor(stack)).resources)));
    mutate(targets);
    return evaluatePolicies(targets, policyPackConfig(profileNamed(environmentOf(readStackConfig(stack).values, stack))!.guardrails)).filter(
        (v) => v.policy === policy,
    );
}

const first = (targets: PolicyTarget[], type: string, nameIncludes = "") => targets.find((t) => t.type === type && t.name.includes(nameIncludes))!;
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** For each policy: a change that must violate it (and the stack it applies to). */
const FAILING: Record<string, { stack: "dev" | "prod"; mutate: Mutate; message: RegExp }> = {
    "eks-nodes-in-private-subnets": {
        stack: "dev",
        mutate: (t) => {
            const vpc = first(t, "awsx:ec2:Vpc");
            first(t, "eks:index:ManagedNodeGroup").props.subnetIds = [vpc.props.publicSubnetIds[0]];
        },
        message: /not private: subnet-/,
    },
    "imdsv2-required": {
        stack: "dev",
        mutate: (t) => {
            first(t, "aws:ec2/launchTemplate:LaunchTemplate").props.metadataOptions.httpTokens = "optional";
        },
        message: /httpTokens must be "required"/,
    },
    "eks-secrets-encrypted": {
        stack: "dev",
        mutate: (t) => {
            delete first(t, "eks:index:Cluster").props.encryptionConfigKeyArn;
        },
        message: /encryptionConfigKeyArn is not set/,
    },
    "eks-public-endpoint-restricted-in-prod": {
        stack: "prod",
        mutate: (t) => {
            first(t, "eks:index:Cluster").props.publicAccessCidrs = ["0.0.0.0/0"];
        },
        message: /open to 0\.0\.0\.0\/0/,
    },
    "ecr-scan-on-push-immutable-tags": {
        stack: "dev",
        mutate: (t) => {
            first(t, "aws:ecr/repository:Repository").props.imageTagMutability = "MUTABLE";
        },
        message: /not IMMUTABLE/,
    },
    "ingress-https-only": {
        stack: "dev",
        mutate: (t) => {
            delete first(t, INGRESS, "jenkins").props.metadata.annotations["alb.ingress.kubernetes.io/backend-protocol-version"];
        },
        message: /no explicit backend-protocol-version/,
    },
    "no-plaintext-secrets-in-helm-values": {
        stack: "dev",
        mutate: (t) => {
            first(t, "kubernetes:helm.sh/v3:Release", "jenkins").props.values.controller.admin.password = "hunter2";
        },
        message: /credential in values at controller\.admin\.password/,
    },
    "irsa-trust-pins-sub-and-aud": {
        stack: "dev",
        mutate: (t) => {
            const role = first(t, "aws:iam/role:Role", "lbc");
            const doc = JSON.parse(role.props.assumeRolePolicy);
            const eq = doc.Statement[0].Condition.StringEquals;
            for (const k of Object.keys(eq)) if (k.endsWith(":aud")) delete eq[k];
            role.props.assumeRolePolicy = JSON.stringify(doc);
        },
        message: /does not pin :aud/,
    },
    "storage-classes-encrypted": {
        stack: "dev",
        mutate: (t) => {
            first(t, "kubernetes:storage.k8s.io/v1:StorageClass").props.parameters.encrypted = "false";
        },
        message: /encrypted is not "true"/,
    },
    "prod-stateful-resources-protected": {
        stack: "prod",
        mutate: (t) => {
            first(t, "aws:kms/key:Key").protect = false;
        },
        message: /not protected from deletion/,
    },
    "ingress-depends-on-lb-controller": {
        stack: "prod",
        mutate: (t) => {
            const ing = first(t, INGRESS, "grafana");
            ing.dependencies = ing.dependencies.filter((d) => !d.endsWith("-lbc"));
        },
        message: /does not depend on the aws-load-balancer-controller/,
    },
    // Jenkins put back on the shared ALB, as before issue 14.
    "admin-hosts-restricted": {
        stack: "dev",
        mutate: (t) => {
            const a = first(t, INGRESS, "jenkins").props.metadata.annotations;
            a["alb.ingress.kubernetes.io/group.name"] = "eks-platform-dev";
            delete a["alb.ingress.kubernetes.io/inbound-cidrs"];
        },
        message: /admin host jenkins\.dev\.platform\.example\.com is served without sign-in on port 443 of ALB eks-platform-dev, open to 0\.0\.0\.0\/0/,
    },
    "imds-hop-limit-1": {
        stack: "prod",
        mutate: (t) => {
            first(t, "aws:ec2/launchTemplate:LaunchTemplate").props.metadataOptions.httpPutResponseHopLimit = 2;
        },
        message: /httpPutResponseHopLimit is 2, not 1/,
    },
    "workload-namespaces-default-deny-ingress": {
        stack: "dev",
        mutate: (t) => {
            t.splice(t.indexOf(first(t, NETWORK_POLICY, "jenkins-default-deny-ingress")), 1);
        },
        message: /namespace jenkins runs workloads but has no default-deny ingress NetworkPolicy/,
    },
    "karpenter-nodepools-limited": {
        stack: "dev",
        mutate: (t) => {
            delete first(t, "kubernetes:karpenter.sh/v1:NodePool").props.spec.limits.memory;
        },
        message: /NodePool general has no spec\.limits\.memory/,
    },
    "spot-only-where-allowed": {
        stack: "prod",
        mutate: (t) => {
            first(t, "kubernetes:karpenter.sh/v1:NodePool").props.spec.template.spec.requirements[1].values = ["spot", "on-demand"];
        },
        message: /NodePool general may launch spot, but its config does not allow spot/,
    },
    "karpenter-nodeclass-imdsv2-hop-limit-1": {
        stack: "dev",
        mutate: (t) => {
            first(t, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass").props.spec.metadataOptions.httpPutResponseHopLimit = 2;
        },
        message: /httpPutResponseHopLimit is 2, not 1/,
    },
};

describe("policies", () => {
    it("every policy has a failing case here", () => {
        assert.deepStrictEqual(RULES.map((r) => r.name).sort(), Object.keys(FAILING).sort());
    });

    for (const rule of RULES) {
        describe(rule.name, () => {
            it("passes on every committed stack's plan", async () => {
                for (const stack of committedStacks()) assert.deepStrictEqual(await findings(stack, rule.name), [], stack);
            });

            it("fails on a violating change, naming the resource", async () => {
                const { stack, mutate, message } = FAILING[rule.name];
                const found = await findings(stack, rule.name, mutate);
                assert.ok(found.length >= 1, "no violation reported");
                assert.match(found[0].message, message);
                assert.match(found[0].urn, /^urn:pulumi:/);
            });
        });
    }

    it("applies prod-only rules only to prod", async () => {
        const open: Mutate = (t) => {
            first(t, "eks:index:Cluster").props.publicAccessCidrs = ["0.0.0.0/0"];
        };
        assert.deepStrictEqual(await findings("dev", "eks-public-endpoint-restricted-in-prod", open), []);
        const unprotected: Mutate = (t) => {
            first(t, "aws:ecr/repository:Repository").protect = false;
        };
        assert.deepStrictEqual(await findings("dev", "prod-stateful-resources-protected", unprotected), []);
    });

    it("takes the profile from the pack's config, never from the resources' tags", async () => {
        const targets: PolicyTarget[] = JSON.parse(JSON.stringify(policyTargets((await planFor("dev")).resources)));
        first(targets, "aws:ecr/repository:Repository").protect = false;
        // dev's plan (Environment tag dev) judged with prod's guardrails is judged as prod...
        const asProd = evaluatePolicies(targets, policyPackConfig(PROFILES.prod.guardrails)).filter((v) => v.policy === "prod-stateful-resources-protected");
        assert.ok(
            asProd.some((v) => /aws:ecr\/repository:Repository/.test(v.urn) && /not protected/.test(v.message)),
            JSON.stringify(asProd),
        );
        // ...and a stack relabelled prod by its tags alone is not.
        const provider = first(targets, "pulumi:providers:aws");
        provider.props.defaultTags = JSON.stringify({ tags: { Environment: "prod" } });
        assert.deepStrictEqual(
            evaluatePolicies(targets, policyPackConfig(PROFILES.dev.guardrails)).filter((v) => v.policy === "prod-stateful-resources-protected"),
            [],
        );
    });

    it("gives each rule exactly the guardrails it declares, as CrossGuard config per policy name", () => {
        assert.deepStrictEqual(policyPackConfig(PROFILES.staging.guardrails), {
            "eks-public-endpoint-restricted-in-prod": { restrictPublicEndpoint: true },
            "prod-stateful-resources-protected": { retainData: false, deletionProtection: false },
            "spot-only-where-allowed": { spotAllowed: true },
        });
    });

    it("refuses a spot system node group where the profile does not allow spot, whatever the environment is called", async () => {
        const spot: Mutate = (t) => {
            first(t, "eks:index:ManagedNodeGroup").props.capacityType = "SPOT";
        };
        assert.match((await findings("prod", "spot-only-where-allowed", spot)).map((v) => v.message).join("\n"), /capacityType must be ON_DEMAND, not SPOT/);
        assert.deepStrictEqual(await findings("dev", "spot-only-where-allowed", spot), []);
    });

    it("treats an unrestricted public endpoint (no CIDRs) as open in prod", async () => {
        const found = await findings("prod", "eks-public-endpoint-restricted-in-prod", (t) => {
            first(t, "eks:index:Cluster").props.publicAccessCidrs = undefined;
        });
        assert.match(found[0].message, /no CIDR limit/);
    });

    it("a weak TLS policy and a redacted secret in values are violations too", async () => {
        const weak = await findings("dev", "ingress-https-only", (t) => {
            first(t, INGRESS, "grafana").props.metadata.annotations["alb.ingress.kubernetes.io/ssl-policy"] = "ELBSecurityPolicy-2016-08";
        });
        assert.match(weak[0].message, /ELBSecurityPolicy-2016-08 is not TLS 1\.2\+/);
        const leaked = await findings("dev", "no-plaintext-secrets-in-helm-values", (t) => {
            first(t, "kubernetes:helm.sh/v3:Release", "kps").props.values.grafana.adminPassword = "[secret]";
        });
        assert.match(leaked[0].message, /grafana\.adminPassword/);
    });

    it("an admin restriction the controller would refuse, a policy that admits something, and a missing hop limit are violations too", async () => {
        const conflicting = await findings("dev", "admin-hosts-restricted", (t) => {
            first(t, INGRESS, "grafana").props.metadata.annotations["alb.ingress.kubernetes.io/inbound-cidrs"] = "198.51.100.0/24";
        });
        assert.match(conflicting[0].message, /controller would refuse the Ingresses: .*conflicting inbound-cidrs/);
        const allowing = await findings("prod", "workload-namespaces-default-deny-ingress", (t) => {
            first(t, NETWORK_POLICY, "monitoring-default-deny-ingress").props.spec.ingress = [{}];
        });
        assert.match(allowing[0].message, /namespace monitoring runs workloads/);
        const unset = await findings("dev", "imds-hop-limit-1", (t) => {
            delete first(t, "aws:ec2/launchTemplate:LaunchTemplate").props.metadataOptions.httpPutResponseHopLimit;
        });
        assert.match(unset[0].message, /is unset/);
    });

    describe("as a CrossGuard pack", () => {
        /** What CrossGuard hands a stack policy: resources linked to their dependencies. */
        async function crossGuardResources(mutate: Mutate = () => undefined) {
            const targets: PolicyTarget[] = JSON.parse(JSON.stringify(policyTargets((await planFor("prod")).resources)));
            mutate(targets);
            const byUrn = new Map<string, any>();
            for (const t of targets)
                byUrn.set(t.urn, {
                    urn: t.urn,
                    type: t.type,
                    name: t.name,
                    props: t.props,
                    opts: { protect: t.protect },
                    dependencies: [],
                    propertyDependencies: {},
                });
            for (const t of targets) byUrn.get(t.urn).dependencies = t.dependencies.map((d) => byUrn.get(d)).filter(Boolean);
            return [...byUrn.values()];
        }

        it("maps CrossGuard resources to the same targets", async () => {
            const resources = await crossGuardResources();
            const t = toTarget(resources.find((r) => r.type === INGRESS));
            assert.ok(t.dependencies.some((d) => d.endsWith("-lbc")));
        });

        it("reports each rule's violations through CrossGuard, mandatory", async () => {
            assert.strictEqual(policies.length, RULES.length);
            const resources = await crossGuardResources((t) => {
                first(t, "aws:kms/key:Key").protect = false;
            });
            const reported: { policy: string; message: string; urn?: string }[] = [];
            for (const p of policies) {
                assert.strictEqual(p.enforcementLevel, "mandatory");
                await p.validateStack(
                    { resources, stackTags: new Map(), getConfig: () => policyPackConfig(PROFILES.prod.guardrails)[p.name] ?? {} } as any,
                    (message, urn) => reported.push({ policy: p.name, message, urn }),
                );
            }
            assert.deepStrictEqual(
                reported.map((r) => r.policy),
                ["prod-stateful-resources-protected"],
            );
            assert.match(reported[0].urn!, /aws:kms\/key:Key/);
        });

        it("requires each rule's guardrails in its config schema, and the deploy's config satisfies them", () => {
            for (const p of policies) {
                const schema = p.configSchema;
                const given = policyPackConfig(PROFILES.prod.guardrails)[p.name];
                if (!schema) {
                    assert.strictEqual(given, undefined, p.name);
                    continue;
                }
                // What the engine checks with gojsonschema (pulumi/pulumi sdk/pkg/resource/analyzer/config.go): required present, types right.
                for (const key of schema.required ?? []) assert.ok(given && key in given, `${p.name}: ${key} is required but not passed`);
                for (const [key, value] of Object.entries(given ?? {})) {
                    const type = schema.properties[key]?.type;
                    assert.ok(
                        type === (typeof value === "boolean" ? "boolean" : "integer"),
                        `${p.name}: ${key} is ${typeof value}, schema says ${String(type)}`,
                    );
                }
            }
        });
    });
});
