import * as assert from "assert";
import { capacity } from "../../offline/preflight/capacity";
import { allocatable } from "../../offline/preflight/nodes";
import { jenkinsAgentPods } from "../../offline/preflight/pods";
import { named, platform, podTemplate, res, TODAY } from "./fixtures";

const run = (resources = platform()) => capacity({ resources, date: TODAY });

describe("preflight: capacity", () => {
    it("passes when every pod fits a node and all fit the node group at its minimum and maximum size", () => {
        const result = run();
        assert.deepStrictEqual(result.problems, []);
        assert.ok(result.lines.some((l) => /Jenkins agent pod template ci: 1\.1 vCPU, 2304Mi: fits/.test(l)), result.lines.join("\n"));
    });

    it("an AL2023 t3.large gives pods 1930m CPU, 6837Mi and 35 pods (nodeadm kube-reserved 70m / 640Mi, eviction 100Mi)", () => {
        assert.deepStrictEqual(allocatable("t3.large"), { cpuMilli: 1930, memoryMiB: 6837, pods: 35 });
    });

    it("fails a 2.7-vCPU Jenkins agent pod on 2-vCPU t3.large nodes", () => {
        const agent = podTemplate("ci", [
            { name: "node", resourceRequestCpu: "1", resourceRequestMemory: "2Gi" },
            { name: "kaniko", resourceRequestCpu: "1", resourceRequestMemory: "2Gi" },
            { name: "pulumi", resourceRequestCpu: "600m", resourceRequestMemory: "1Gi" },
        ]);
        const result = run(platform({ instanceTypes: ["t3.large", "t3a.large"], agent }));
        assert.strictEqual(result.problems.length, 1, result.problems.join("\n"));
        assert.match(result.problems[0], /Jenkins agent pod template ci requests 2\.7 vCPU, 5376Mi, more than a t3\.large node of nodes gives pods \(1\.87 vCPU, 6797Mi, 32 pods\)/);
    });

    it("counts the jnlp container the kubernetes plugin adds (100m / 256Mi) to templates that do not define it", () => {
        // A t3.large leaves pods 1870m CPU once aws-node and the EBS CSI node pod run on it.
        const fitsOnlyWithoutJnlp = podTemplate("ci", [{ name: "build", resourceRequestCpu: "1780m", resourceRequestMemory: "1Gi" }]);
        assert.match(run(platform({ instanceTypes: ["t3.large"], agent: fitsOnlyWithoutJnlp })).problems.join("\n"), /requests 1\.88 vCPU, 1280Mi/);
        const ownJnlp = podTemplate("ci", [
            { name: "build", resourceRequestCpu: "1780m", resourceRequestMemory: "1Gi" },
            { name: "jnlp", resourceRequestCpu: "50m", resourceRequestMemory: "128Mi" },
        ]);
        assert.deepStrictEqual(run(platform({ instanceTypes: ["t3.large"], agent: ownJnlp })).problems, []);
    });

    it("reads the pod template YAML as the plugin does: a container without resourceRequest* requests nothing", () => {
        const [pod] = jenkinsAgentPods(res("kubernetes:helm.sh/v3:Release", "j", {
            chart: "jenkins",
            values: { agent: { podTemplates: { ci: podTemplate("ci", [{ name: "crane" }, { name: "node", resourceRequestCpu: "0.5", resourceRequestMemory: "1G" }]) } } },
        }));
        assert.deepStrictEqual([pod.cpuMilli, Math.round(pod.memoryMiB)], [600, 954 + 256]);
    });

    it("counts the deploy cloud's pod templates (additionalClouds, merged over the default cloud by the chart's _helpers.tpl), each once", () => {
        const deployTemplate = podTemplate("platform-deploy", [{ name: "pulumi", resourceRequestCpu: "3", resourceRequestMemory: "1Gi" }]);
        const resources = platform({ instanceTypes: ["t3.large"] });
        const jenkins = named(resources, "jenkins");
        (jenkins.inputs.values as any).additionalClouds = { deploy: { agent: { namespace: "jenkins-deploy", podTemplates: { "platform-deploy": deployTemplate } } } };
        assert.match(run(resources).problems.join("\n"), /Jenkins agent pod template platform-deploy requests 3\.1 vCPU/);
        // A cloud repeating the default cloud's template (as the chart's merge does) starts the same pod, not another.
        (jenkins.inputs.values as any).additionalClouds.deploy.agent.podTemplates = { ci: (jenkins.inputs.values as any).agent.podTemplates.ci };
        assert.strictEqual(jenkinsAgentPods(jenkins).length, 1);
    });

    it("fails when the app at its HPA maximum does not fit the node group at its maximum size", () => {
        const result = run(platform({ instanceTypes: ["t3.large"], minSize: 2, maxSize: 2, hpaMax: 20 }));
        assert.match(result.problems.join("\n"), /at the node groups' maximum size \(2 x t3\.large\) \d+ pod\(s\) find no room \(peak replicas\): \d+ x Deployment app-deploy/);
        assert.ok(!result.problems.some((p) => /minimum size/.test(p)), result.problems.join("\n"));
    });

    it("fails when the steady pods do not fit the node group at its minimum size", () => {
        const result = run(platform({ instanceTypes: ["t3.large"], minSize: 1, maxSize: 3 }));
        assert.match(result.problems.join("\n"), /at the node groups' minimum size \(1 x t3\.large\) \d+ pod\(s\) find no room \(steady replicas\)/);
    });

    it("counts the add-ons' pods (CoreDNS x2, EBS CSI controller x2) and takes their DaemonSets from every node", () => {
        const lines = run().lines.join("\n");
        assert.match(lines, /node group nodes: 2\.\.4 x t3\.xlarge; smallest node gives pods 3\.86 vCPU, 14122Mi, 55 pods after DaemonSets \(aws-node \(VPC CNI\), kube-proxy, EBS CSI node\)/);
        assert.match(lines, /CoreDNS: 0\.1 vCPU, 70Mi x 2\.\.2: fits/);
        assert.match(lines, /EBS CSI controller: 0\.01 vCPU, 40Mi x 2\.\.2: fits/);
    });

    it("fails a pod whose nodeSelector no node group matches (arm64 pod, x86 nodes)", () => {
        const agent = podTemplate("ci", [{ name: "node", resourceRequestCpu: "500m" }], { nodeSelector: "kubernetes.io/arch=arm64" });
        assert.match(run(platform({ agent })).problems.join("\n"), /Jenkins agent pod template ci selects nodes \{"kubernetes\.io\/arch":"arm64"\} that no node group has/);
    });

    it("fails when pods exist but no node group does", () => {
        const resources = platform().filter((r) => r.type !== "eks:index:ManagedNodeGroup");
        assert.match(run(resources).problems.join("\n"), /no node group for them to run on/);
    });

    it("names an instance type missing from the data table", () => {
        assert.match(run(platform({ instanceTypes: ["t3.xlarge", "x2idn.32xlarge"] })).problems.join("\n"), /x2idn\.32xlarge is not in offline\/data\/instance-types\.ts/);
        assert.ok(named(platform(), "nodes"));
        // A node group that cannot be sized at all is one problem, not one "would stay Pending" per pod.
        assert.deepStrictEqual(run(platform({ instanceTypes: ["x2idn.32xlarge"] })).problems, ["node group nodes: instance type x2idn.32xlarge is not in offline/data/instance-types.ts; add it with its source"]);
    });
});
