/**
 * What the app stack's `pulumi up` needs, resource type by resource type, and the deployer's IAM policy and
 * Kubernetes Role built from exactly that. tests/appstack/deployer.test.ts checks the app plan against the table.
 */
import { PolicyDocument } from "../shared/iam";

/** Kubernetes rights on one kind in the app namespace. */
export interface KubernetesNeed {
    apiGroup: string;
    resource: string;
    verbs: string[];
}

export interface ResourceNeeds {
    aws: string[];
    kubernetes: KubernetesNeed[];
    /** Where the need is documented (service authorization reference, provider source). */
    source: string;
}

// pulumi-kubernetes 4.x with enableServerSideApply: create and update are an apply PATCH, which the API server also
// authorizes as "create" when the object is new (kubernetes staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go);
// read and refresh are GET; the await logic lists and watches the object (provider/pkg/await/*.go).
const MANAGED = ["get", "list", "watch", "create", "patch", "delete"];
const WATCHED = ["get", "list", "watch"];
const k8sKind = (apiGroup: string, resource: string, verbs = MANAGED): KubernetesNeed => ({ apiGroup, resource, verbs });
const K8S_SOURCE = "pulumi/pulumi-kubernetes v4 provider/pkg/provider/provider.go (SSA Create/Update/Read/Delete) and provider/pkg/await";

/** The app stack's resource types and what creating, updating, reading and deleting each needs. */
export const APP_DEPLOYER_NEEDS: Record<string, ResourceNeeds> = {
    "pulumi:pulumi:Stack": {
        // The DIY backend's state, locks, history and backups (pulumi/pulumi pkg/backend/diy/backend.go, store.go).
        aws: ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        kubernetes: [],
        source: "AWS Service Authorization Reference, Amazon S3 (ListBucket, GetObject, PutObject, DeleteObject); pulumi/pulumi pkg/backend/diy",
    },
    // The platform's appPlatform handoff (appstack/program.ts). Not a StackReference: reading another DIY stack builds
    // that stack's secrets manager, which decrypts the platform's data key with the platform's KMS key at once.
    "aws:ssm/getParameter:getParameter": {
        // terraform-provider-aws internal/service/ssm/parameter_data_source.go reads through findParameterByName
        // (parameter.go): one GetParameter call, never GetParameters, WithDecryption true by default. SSM ignores
        // WithDecryption for String parameters (API reference, GetParameter), so no kms:Decrypt; a SecureString would need it.
        aws: ["ssm:GetParameter"],
        kubernetes: [],
        source: "AWS Service Authorization Reference, AWS Systems Manager: GetParameter (resource type parameter, arn:${Partition}:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}); hashicorp/terraform-provider-aws internal/service/ssm/parameter_data_source.go and parameter.go (findParameterByName)",
    },
    "pulumi:secrets:awskms": {
        // The awskms secrets provider wraps the stack's data key (Encrypt on stack init) and unwraps it on every run.
        aws: ["kms:Encrypt", "kms:Decrypt"],
        kubernetes: [],
        source: "AWS Service Authorization Reference, AWS KMS (Encrypt, Decrypt); pulumi/pulumi pkg/secrets/cloud",
    },
    "pulumi:state:sse-kms": {
        // Only with an SSE-KMS state bucket: S3 asks the key for a data key on PutObject and decrypts it on GetObject.
        aws: ["kms:GenerateDataKey", "kms:Decrypt"],
        kubernetes: [],
        source: 'Amazon S3 user guide, "Protecting data with server-side encryption with AWS KMS keys" (permissions); AWS Service Authorization Reference, AWS KMS',
    },
    "pulumi:providers:aws": {
        // sts:GetCallerIdentity needs no permission (AWS STS API reference, GetCallerIdentity).
        aws: [],
        kubernetes: [],
        source: "AWS STS API reference, GetCallerIdentity: no permission is required",
    },
    "pulumi:providers:kubernetes": {
        // The token is a presigned sts:GetCallerIdentity (aws eks get-token); API discovery is system:discovery's.
        aws: [],
        kubernetes: [],
        source: "aws-iam-authenticator token format; Kubernetes RBAC default ClusterRole system:discovery",
    },
    "aws:route53/record:Record": {
        aws: ["route53:ChangeResourceRecordSets", "route53:GetChange", "route53:GetHostedZone", "route53:ListResourceRecordSets"],
        kubernetes: [],
        source: "AWS Service Authorization Reference, Amazon Route 53; hashicorp/terraform-provider-aws internal/service/route53/record.go (create reads the zone, waits on GetChange, reads with ListResourceRecordSets)",
    },
    "kubernetes:core/v1:ServiceAccount": { aws: [], kubernetes: [k8sKind("", "serviceaccounts")], source: K8S_SOURCE },
    "kubernetes:apps/v1:Deployment": {
        aws: [],
        // The Deployment awaiter follows its ReplicaSets, Pods and claims, and reports the namespace's events.
        kubernetes: [
            k8sKind("apps", "deployments"),
            k8sKind("apps", "replicasets", WATCHED),
            k8sKind("", "pods", WATCHED),
            k8sKind("", "persistentvolumeclaims", WATCHED),
            k8sKind("", "events", WATCHED),
        ],
        source: `${K8S_SOURCE}/deployment.go`,
    },
    "kubernetes:core/v1:Service": {
        aws: [],
        kubernetes: [k8sKind("", "services"), k8sKind("", "endpoints", WATCHED), k8sKind("", "pods", WATCHED)],
        source: `${K8S_SOURCE}/service.go`,
    },
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": { aws: [], kubernetes: [k8sKind("autoscaling", "horizontalpodautoscalers")], source: K8S_SOURCE },
    "kubernetes:policy/v1:PodDisruptionBudget": { aws: [], kubernetes: [k8sKind("policy", "poddisruptionbudgets")], source: K8S_SOURCE },
    "kubernetes:networking.k8s.io/v1:Ingress": {
        aws: [],
        kubernetes: [k8sKind("networking.k8s.io", "ingresses"), k8sKind("", "services", WATCHED), k8sKind("", "endpoints", WATCHED)],
        source: `${K8S_SOURCE}/ingress.go`,
    },
};

/** The Role rules that grant the union of `needs`, one rule per API group and resource, verbs sorted. */
export function kubernetesRules(needs: KubernetesNeed[]): { apiGroups: string[]; resources: string[]; verbs: string[] }[] {
    const merged = new Map<string, Set<string>>();
    for (const n of needs) {
        const key = `${n.apiGroup}/${n.resource}`;
        const verbs = merged.get(key) ?? new Set<string>();
        n.verbs.forEach((v) => verbs.add(v));
        merged.set(key, verbs);
    }
    return [...merged.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, verbs]) => {
            const [apiGroup, resource] = key.split("/");
            return { apiGroups: [apiGroup], resources: [resource], verbs: [...verbs].sort() };
        });
}

/** Every Kubernetes need of the app's resource types. */
export function appKubernetesNeeds(): KubernetesNeed[] {
    return Object.values(APP_DEPLOYER_NEEDS).flatMap((n) => n.kubernetes);
}

export interface AppDeployerScope {
    partition: string;
    hostedZoneId: string;
    /** The record names the app may change, e.g. app.dev.example.com. */
    recordNames: string[];
    stateBucket: string;
    /** Prefix of the state backend URL inside the bucket, without slashes at either end ("" for the bucket's root). */
    statePrefix: string;
    /** The app stack in the state backend: project and stack name. */
    appProject: string;
    appStack: string;
    /** The SSM parameter the platform hands its appPlatform over in (read only), as an ARN. */
    appPlatformParameterArn: string;
    /** The secrets-provider key the app stack is encrypted with (awskms://), if any. */
    secretsKeyArn?: string;
    /** The state bucket's SSE-KMS key, if any. */
    stateKeyArn?: string;
}

/** The SSM parameter a platform stack writes its appPlatform handoff to (index.ts) and the app stack reads (appstack/program.ts). */
export function appPlatformParameterName(platformProject: string, platformStack: string): string {
    return `/${platformProject}/${platformStack}/app-platform`;
}

/**
 * A parameter's ARN as IAM matches it: the name without its leading slash after "parameter/" (AWS Service
 * Authorization Reference, AWS Systems Manager, resource type "parameter").
 */
export function parameterArn(partition: string, region: string, accountId: string, name: string): string {
    return `arn:${partition}:ssm:${region}:${accountId}:parameter/${name.replace(/^\//, "")}`;
}

/** Route53 normalizes names to lower case without the trailing dot in its condition keys (Route 53 developer guide, "Using IAM policy conditions for fine-grained access control"). */
export function normalizedRecordName(name: string): string {
    return name.toLowerCase().replace(/\.$/, "");
}

/**
 * Where the DIY backend keeps one project-scoped stack, relative to the backend root (pulumi/pulumi pkg/backend/diy at
 * v3.248.0): store.go projectReferenceStore StackBasePath / HistoryDir / BackupDir use `<dir>/<project>/<stack>`, but
 * lock.go lockPath is stackLockDir(stackRef.FullyQualifiedName()), and backend.go FullyQualifiedName() of a
 * project-scoped reference is `organization/<project>/<stack>`.
 */
export function diyStackPaths(project: string, stack: string): { stack: string; lockDir: string; historyDir: string; backupDir: string } {
    return {
        stack: `.pulumi/stacks/${project}/${stack}.json`,
        lockDir: `.pulumi/locks/organization/${project}/${stack}/`,
        historyDir: `.pulumi/history/${project}/${stack}/`,
        backupDir: `.pulumi/backups/${project}/${stack}/`,
    };
}

/**
 * The app deployer's IAM policy: the app's own DNS records, its own stack's state, a read of the platform's
 * handoff parameter, and the secrets key. Nothing of the platform's state: not even its checkpoint. Every action here is in APP_DEPLOYER_NEEDS; nothing else.
 */
export function appDeployerPolicy(s: AppDeployerScope): PolicyDocument {
    const zone = `arn:${s.partition}:route53:::hostedzone/${s.hostedZoneId}`;
    const under = (key: string) => (s.statePrefix ? `${s.statePrefix}/${key}` : key);
    const root = under(".pulumi");
    const own = Object.values(diyStackPaths(s.appProject, s.appStack)).map(under);
    const object = (key: string) => `arn:${s.partition}:s3:::${s.stateBucket}/${key}`;
    const statements: PolicyDocument["Statement"] = [
        {
            Sid: "AppRecordsOnly",
            Effect: "Allow",
            Action: "route53:ChangeResourceRecordSets",
            Resource: zone,
            Condition: {
                "ForAllValues:StringEquals": {
                    "route53:ChangeResourceRecordSetsNormalizedRecordNames": s.recordNames.map(normalizedRecordName),
                    "route53:ChangeResourceRecordSetsRecordTypes": ["A"],
                    "route53:ChangeResourceRecordSetsActions": ["CREATE", "UPSERT", "DELETE"],
                },
                // ForAllValues is true of an empty set: a request must name its records.
                Null: { "route53:ChangeResourceRecordSetsNormalizedRecordNames": "false" },
            },
        },
        { Sid: "ReadAppZone", Effect: "Allow", Action: ["route53:GetHostedZone", "route53:ListResourceRecordSets"], Resource: zone },
        { Sid: "WaitForChanges", Effect: "Allow", Action: "route53:GetChange", Resource: `arn:${s.partition}:route53:::change/*` },
        {
            Sid: "ListOwnState",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: `arn:${s.partition}:s3:::${s.stateBucket}`,
            Condition: { StringLike: { "s3:prefix": [`${root}/meta.yaml`, ...own.map((p) => `${p}*`)] } },
        },
        {
            Sid: "WriteOwnState",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            // stack.json, its .bak and .gz forms; the lock, history and backup objects.
            Resource: own.map((p) => object(`${p}*`)),
        },
        // The backend's meta.yaml (its format version), read before any stack.
        { Sid: "ReadBackend", Effect: "Allow", Action: "s3:GetObject", Resource: object(`${root}/meta.yaml`) },
        // What the platform hands the app, and nothing else the platform holds.
        { Sid: "ReadAppPlatform", Effect: "Allow", Action: "ssm:GetParameter", Resource: s.appPlatformParameterArn },
    ];
    if (s.secretsKeyArn) statements.push({ Sid: "SecretsProvider", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt"], Resource: s.secretsKeyArn });
    if (s.stateKeyArn) {
        statements.push({
            Sid: "StateBucketKey",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: s.stateKeyArn,
            // Only when S3 calls on the deployer's behalf (KMS developer guide, kms:ViaService); what it may read or write
            // through S3 is limited by the statements above.
            Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
        });
    }
    return { Version: "2012-10-17", Statement: statements };
}

/** The Kubernetes group the deployer's access entry maps to; a Role in the app namespace alone binds it. */
export const APP_DEPLOYER_GROUP = "app-deployers";
