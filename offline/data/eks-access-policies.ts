/**
 * EKS access policies as the Kubernetes rules they grant, transcribed 2026-11-30 from the EKS user guide "Review
 * access policy permissions" (docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html), which says
 * each is similar to a Kubernetes user-facing ClusterRole (kubernetes.io/docs/reference/access-authn-authz/rbac/
 * #user-facing-roles). Resources are abbreviated to what the preflight asks about: "*" (everything), "namespaces",
 * "secrets", "rbac" (roles and rolebindings), "workloads" (every other namespaced object an app uses: deployments,
 * services, ingresses, configmaps, HPAs, PVCs, ...; see WORKLOAD_API_GROUPS). With an accessScope of type "namespace" a policy applies only
 * to namespaced resources in the listed namespaces; namespaces themselves are cluster-scoped.
 */
export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete";

export interface AccessRule {
    resources: string[];
    verbs: Verb[] | ["*"];
}

export interface AccessPolicy {
    clusterRole: string;
    rules: AccessRule[];
}

const READ: Verb[] = ["get", "list", "watch"];
const WRITE: Verb[] = ["create", "update", "patch", "delete"];

export const EKS_ACCESS_POLICIES: Record<string, AccessPolicy> = {
    // apiGroups *, resources *, verbs *, nonResourceURLs *.
    AmazonEKSClusterAdminPolicy: { clusterRole: "cluster-admin", rules: [{ resources: ["*"], verbs: ["*"] }] },
    // The admin ClusterRole: read/write of most namespaced objects incl. secrets and Roles/RoleBindings, namespaces read-only.
    AmazonEKSAdminPolicy: {
        clusterRole: "admin",
        rules: [
            { resources: ["workloads", "secrets", "rbac"], verbs: [...READ, ...WRITE] },
            { resources: ["namespaces"], verbs: READ },
        ],
    },
    // The edit ClusterRole: like admin without Roles/RoleBindings.
    AmazonEKSEditPolicy: {
        clusterRole: "edit",
        rules: [
            { resources: ["workloads", "secrets"], verbs: [...READ, ...WRITE] },
            { resources: ["namespaces"], verbs: READ },
        ],
    },
    // The view ClusterRole: read, but not secrets (reading them would reveal service-account tokens).
    AmazonEKSViewPolicy: { clusterRole: "view", rules: [{ resources: ["workloads", "namespaces"], verbs: READ }] },
    // Not a stock ClusterRole: get/list/watch on every resource of every API group, secrets included.
    AmazonEKSAdminViewPolicy: { clusterRole: "view + secrets and every API group (EKS only)", rules: [{ resources: ["*"], verbs: READ }] },
};

/**
 * API groups whose namespaced objects count as "workloads": those the user-facing edit/view ClusterRoles name.
 * Objects of other groups (custom resources such as ServiceMonitor) are "custom": only cluster-admin writes them.
 */
export const WORKLOAD_API_GROUPS = ["core", "apps", "batch", "autoscaling", "networking.k8s.io", "policy", "extensions"];

export const ACCESS_POLICY_ARN_PREFIX = "arn:aws:eks::aws:cluster-access-policy/";
