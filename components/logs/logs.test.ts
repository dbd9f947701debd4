import * as assert from "assert";
import { ContainerLogs, CLOUDWATCH_AGENT_SERVICE_ACCOUNT } from ".";
import { ADDON_VERSIONS } from "../cluster/addons";
import { DeployGraph } from "../../offline/preflight/graph";
import { ACCOUNT_ID } from "../../offline/mocks";
import { all, buildGateway, json, one, record, RecordedResource, REGION } from "../../tests/helpers/harness";

const CLUSTER = "eks-platform-test";

describe("Logs", () => {
    let records: RecordedResource[];
    before(async () => {
        records = await record(() => {
            const { cluster, ingress } = buildGateway();
            new ContainerLogs("logs", {
                clusterName: CLUSTER,
                version: "1.35",
                region: REGION,
                oidc: cluster.oidc,
                retentionDays: 30,
                logsKeyArn: cluster.logsKey.arn,
                cluster: ingress.cluster,
            });
        });
    });
    const logGroup = (name: string) => all(records, "aws:cloudwatch/logGroup:LogGroup").find((g) => g.inputs.name === name)!;
    const logsKey = () => one(records, "aws:kms/key:Key", "base-logs");

    describe("control plane", () => {
        it("is the log group EKS writes to, /aws/eks/<cluster>/cluster, with retention and the logs KMS key", () => {
            const group = logGroup(`/aws/eks/${CLUSTER}/cluster`);
            assert.ok(group, "no log group named as EKS names it");
            assert.strictEqual(group.inputs.retentionInDays, 14);
            assert.strictEqual(group.inputs.kmsKeyId, logsKey().outputs.arn ?? (logsKey().inputs as any).arn);
        });

        it("exists before the aws:eks cluster that enables logging, so EKS does not create its own without retention", () => {
            const graph = new DeployGraph(records);
            const eksCluster = records.find((r) => r.modeled && r.type === "aws:eks/cluster:Cluster")!;
            assert.ok((eksCluster.inputs.enabledClusterLogTypes as string[]).length > 0);
            assert.ok(graph.waitsFor(eksCluster).has(logGroup(`/aws/eks/${CLUSTER}/cluster`).urn));
        });

        it("lets CloudWatch Logs of this region use the key only for this cluster's log groups", () => {
            const policy = json(logsKey().inputs.policy);
            const logs = policy.Statement.find((s: any) => s.Principal.Service === `logs.${REGION}.amazonaws.com`);
            assert.ok(logs.Action.includes("kms:GenerateDataKey*") && logs.Action.includes("kms:Decrypt*"));
            const allowed: string[] = logs.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"];
            const arn = (group: string) => `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:${group}`;
            const like = (value: string) => allowed.some((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(value));
            assert.ok(like(arn(`/aws/eks/${CLUSTER}/cluster`)));
            assert.ok(like(arn(`/aws/containerinsights/${CLUSTER}/application`)));
            assert.ok(!like(arn("/aws/eks/another-cluster/cluster")));
            assert.ok(
                policy.Statement.some((s: any) => s.Principal.AWS === `arn:aws:iam::${ACCOUNT_ID}:root` && s.Action === "kms:*"),
                "without the account statement the key is unmanageable",
            );
        });
    });

    describe("containers (amazon-cloudwatch-observability add-on)", () => {
        const addon = () => one(records, "aws:eks/addon:Addon", "cloudwatch-observability");

        it("is pinned to the build for the cluster's minor", () => {
            assert.strictEqual(addon().inputs.addonVersion, ADDON_VERSIONS["1.35"]["amazon-cloudwatch-observability"]);
            assert.deepStrictEqual(json(addon().inputs.configurationValues), { containerLogs: { enabled: true } });
        });

        it("runs as its own IRSA role, trusted only for amazon-cloudwatch/cloudwatch-agent, with the agent policy", () => {
            const role = one(records, "aws:iam/role:Role", "logs-cloudwatch-agent");
            assert.strictEqual(addon().inputs.serviceAccountRoleArn, role.outputs.arn);
            const trust = json(role.inputs.assumeRolePolicy).Statement[0];
            const sa = CLOUDWATCH_AGENT_SERVICE_ACCOUNT;
            assert.deepStrictEqual(
                Object.values(trust.Condition.StringEquals).sort(),
                ["sts.amazonaws.com", `system:serviceaccount:${sa.namespace}:${sa.name}`].sort(),
            );
            assert.strictEqual(
                one(records, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "logs-cloudwatch-agent").inputs.policyArn,
                "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
            );
        });

        it("writes into log groups made first with the configured retention and the logs key", () => {
            const graph = new DeployGraph(records);
            for (const g of ["application", "dataplane", "host", "performance"]) {
                const group = logGroup(`/aws/containerinsights/${CLUSTER}/${g}`);
                assert.ok(group, g);
                assert.strictEqual(group.inputs.retentionInDays, 30);
                assert.strictEqual(group.inputs.kmsKeyId, logsKey().outputs.arn);
                assert.ok(graph.waitsFor(addon()).has(group.urn), `${g} is created after the add-on, which would make it first`);
            }
            assert.ok(graph.waitsFor(addon()).has(one(records, "eks:index:ManagedNodeGroup").urn), "its pods need nodes");
        });

        it("waits for the LB controller, whose fail-closed Service webhook would refuse the operator's Services during its install", () => {
            const lbc = all(records, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "aws-load-balancer-controller")!;
            assert.ok(new DeployGraph(records).waitsFor(addon()).has(lbc.urn));
        });
    });
});
