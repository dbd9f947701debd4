import * as assert from "assert";
import { capacity } from "../../offline/preflight/capacity";
import { allocatable } from "../../offline/preflight/nodes";
import { jenkinsAgentPods } from "../../offline/preflight/pods";
import { CI_PLACEMENT, CI_TAINT, DEV_POOLS, karpenterPlatform, karpenterRelease, named, nodePool, platform, podTemplate, res, TODAY } from "./fixtures";

const run = (resources = platform()) => capacity({ resources, date: TODAY });

describe("preflight: capacity", () => {
    it("passes when every pod fits a node and all fit the node group at its minimum and maximum size", () => {
        const result = run();
        assert.deepStrictEqual(result.problems, []);
        assert.ok(
            result.lines.some((l) => /Jenkins agent pod template ci: 1\.1 vCPU, 2304Mi: fits/.test(l)),
            result.lines.join("\n"),
        );
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
        assert.match(
            result.problems[0],
            /Jenkins agent pod template ci requests 2\.7 vCPU, 5376Mi and would stay Pending: node group nodes: too small: a t3\.large node gives pods 1\.87 vCPU, 6797Mi, 32 pods/,
        );
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
        const [pod] = jenkinsAgentPods(
            res("kubernetes:helm.sh/v3:Release", "j", {
                chart: "jenkins",
                values: {
                    agent: {
                        podTemplates: { ci: podTemplate("ci", [{ name: "crane" }, { name: "node", resourceRequestCpu: "0.5", resourceRequestMemory: "1G" }]) },
                    },
                },
            }),
        );
        assert.deepStrictEqual([pod.cpuMilli, Math.round(pod.memoryMiB)], [600, 954 + 256]);
    });

    it("counts the deploy cloud's pod templates (additionalClouds, merged over the default cloud by the chart's _helpers.tpl), each once", () => {
        const deployTemplate = podTemplate("platform-deploy", [{ name: "pulumi", resourceRequestCpu: "3", resourceRequestMemory: "1Gi" }]);
        const resources = platform({ instanceTypes: ["t3.large"] });
        const jenkins = named(resources, "jenkins");
        (jenkins.inputs.values as any).additionalClouds = {
            deploy: { agent: { namespace: "jenkins-deploy", podTemplates: { "platform-deploy": deployTemplate } } },
        };
        assert.match(run(resources).problems.join("\n"), /Jenkins agent pod template platform-deploy requests 3\.1 vCPU/);
        // A cloud repeating the default cloud's template (as the chart's merge does) starts the same pod, not another.
        (jenkins.inputs.values as any).additionalClouds.deploy.agent.podTemplates = { ci: (jenkins.inputs.values as any).agent.podTemplates.ci };
        assert.strictEqual(jenkinsAgentPods(jenkins).length, 1);
    });

    it("fails when the app at its HPA maximum does not fit the node group at its maximum size", () => {
        const result = run(platform({ instanceTypes: ["t3.large"], minSize: 2, maxSize: 2, hpaMax: 20 }));
        assert.match(
            result.problems.join("\n"),
            /at the node groups' maximum size \(2 x t3\.large\) \d+ pod\(s\) find no room \(peak replicas\): \d+ x Deployment app-deploy/,
        );
        assert.ok(!result.problems.some((p) => /minimum size/.test(p)), result.problems.join("\n"));
    });

    it("fails when the steady pods do not fit the node group at its minimum size", () => {
        // Agents do not count here: they exist only while a build runs.
        const resources = platform({ instanceTypes: ["t3.large"], minSize: 1, maxSize: 3 }).map((r) =>
            r.name !== "app-deploy"
                ? r
                : res(r.type, r.name, {
                      ...r.inputs,
                      spec: { template: { spec: { containers: [{ name: "app", resources: { requests: { cpu: "1", memory: "256Mi" } } }] } } },
                  }),
        );
        const result = run(resources);
        assert.match(result.problems.join("\n"), /at the node groups' minimum size \(1 x t3\.large\) \d+ pod\(s\) find no room \(steady replicas\)/);
    });

    it("counts the add-ons' pods (CoreDNS x2, EBS CSI controller x2) and takes their DaemonSets from every node", () => {
        const lines = run().lines.join("\n");
        assert.match(
            lines,
            /node group nodes: 2\.\.4 x t3\.xlarge; smallest node gives pods 3\.86 vCPU, 14122Mi, 55 pods after DaemonSets \(aws-node \(VPC CNI\), kube-proxy, EBS CSI node\)/,
        );
        assert.match(lines, /CoreDNS: 0\.1 vCPU, 70Mi x 2\.\.2: fits/);
        assert.match(lines, /EBS CSI controller: 0\.01 vCPU, 40Mi x 2\.\.2: fits/);
    });

    it("fails a pod whose nodeSelector no node group matches (arm64 pod, x86 nodes)", () => {
        const agent = podTemplate("ci", [{ name: "node", resourceRequestCpu: "500m" }], { nodeSelector: "kubernetes.io/arch=arm64" });
        assert.match(
            run(platform({ agent })).problems.join("\n"),
            /Jenkins agent pod template ci requests 0\.6 vCPU, 256Mi and would stay Pending: node group nodes: no node matches its nodeSelector \{"kubernetes\.io\/arch":"arm64"\}/,
        );
    });

    it("fails when pods exist but no node group does", () => {
        const resources = platform().filter((r) => r.type !== "eks:index:ManagedNodeGroup");
        assert.match(run(resources).problems.join("\n"), /no node group for them to run on/);
    });

    it("names an instance type missing from the data table", () => {
        assert.match(
            run(platform({ instanceTypes: ["t3.xlarge", "x2idn.32xlarge"] })).problems.join("\n"),
            /x2idn\.32xlarge is not in offline\/data\/instance-types\.ts/,
        );
        assert.ok(named(platform(), "nodes"));
        // A node group that cannot be sized at all is one problem, not one "would stay Pending" per pod.
        assert.deepStrictEqual(run(platform({ instanceTypes: ["x2idn.32xlarge"] })).problems, [
            "node group nodes: instance type x2idn.32xlarge is not in offline/data/instance-types.ts; add it with its source",
        ]);
    });

    describe("with Karpenter pools", () => {
        const build = (name = "node", cpu = "1", memory = "2Gi") => [{ name, resourceRequestCpu: cpu, resourceRequestMemory: memory }];

        it("places a Jenkins agent that tolerates the ci taint and selects platform/pool=ci on the ci pool, and only there", () => {
            const result = run(karpenterPlatform());
            assert.deepStrictEqual(result.problems, []);
            const lines = result.lines.join("\n");
            assert.match(lines, /Jenkins agent pod template ci: 1\.1 vCPU, 2304Mi: fits Karpenter pool ci$/m);
            assert.match(
                lines,
                /Karpenter pool ci: t3\.xlarge\|t3a\.xlarge\|m6i\.xlarge\|m6a\.xlarge spot; taints platform\/pool=ci:NoSchedule; limits 16 vCPU, 64Gi/,
            );
            // No build between builds: the ci pool launches nothing at steady state, one node for the agent at the peak.
            assert.match(lines, /all pods \(steady replicas\) fit .*Karpenter pool ci launches no nodes/);
            assert.match(lines, /all pods \(peak replicas\) fit .*Karpenter pool ci launches 1 x t3\.xlarge \(4 vCPU, 15155Mi of its limits 16 vCPU, 64Gi\)/);
        });

        it("rejects an agent without the ci toleration: the ci pool's taint, the general pool's labels, the node group's labels", () => {
            const agent = podTemplate("ci", build(), { nodeSelector: "platform/pool=ci" });
            const [problem] = run(karpenterPlatform({ agent })).problems;
            assert.match(problem, /^Jenkins agent pod template ci requests 1\.1 vCPU, 2304Mi and would stay Pending: /);
            assert.match(problem, /node group nodes: no node matches its nodeSelector \{"platform\/pool":"ci"\}/);
            assert.match(problem, /Karpenter pool general: no node matches its nodeSelector \{"platform\/pool":"ci"\}/);
            assert.match(problem, /Karpenter pool ci: taint platform\/pool=ci:NoSchedule not tolerated/);
        });

        it("reads tolerations as core/v1 does: Exists without a key tolerates every taint; a wrong value or effect does not", () => {
            const withToleration = (t: Record<string, unknown>) =>
                podTemplate("ci", build(), { nodeSelector: "platform/pool=ci", yaml: `spec:\n  tolerations:\n    - ${JSON.stringify(t)}\n` });
            assert.deepStrictEqual(run(karpenterPlatform({ agent: withToleration({ operator: "Exists" }) })).problems, []);
            assert.deepStrictEqual(
                run(karpenterPlatform({ agent: withToleration({ key: "platform/pool", operator: "Exists", effect: "NoSchedule" }) })).problems,
                [],
            );
            assert.match(
                run(karpenterPlatform({ agent: withToleration({ key: "platform/pool", value: "general", effect: "NoSchedule" }) })).problems.join("\n"),
                /ci: taint platform\/pool=ci:NoSchedule not tolerated/,
            );
            assert.match(
                run(karpenterPlatform({ agent: withToleration({ key: "platform/pool", value: "ci", effect: "NoExecute" }) })).problems.join("\n"),
                /ci: taint platform\/pool=ci:NoSchedule not tolerated/,
            );
        });

        it("rejects an agent larger than every type the ci pool allows, naming the largest", () => {
            const agent = podTemplate("ci", build("node", "4", "8Gi"), CI_PLACEMENT);
            assert.match(
                run(karpenterPlatform({ agent })).problems.join("\n"),
                /Karpenter pool ci: too small: a t3\.xlarge node gives pods 3\.86 vCPU, 14122Mi, 55 pods/,
            );
            // The same pod fits once the pool allows a 2xlarge: Karpenter picks the type, unlike a node group's ASG.
            const bigger = { ...DEV_POOLS.ci, instanceTypes: ["t3.xlarge", "m6i.2xlarge"] };
            const result = run(karpenterPlatform({ agent, pools: { ci: bigger } }));
            assert.deepStrictEqual(result.problems, []);
            assert.match(result.lines.join("\n"), /peak replicas.*Karpenter pool ci launches 1 x m6i\.2xlarge/);
        });

        it("fails when the ci pool's limits cannot hold a node for the agent at the peak", () => {
            const tight = { ...DEV_POOLS.ci, cpu: "2", memory: "64Gi" };
            const [problem, ...rest] = run(karpenterPlatform({ pools: { ci: tight } })).problems;
            assert.deepStrictEqual(rest, []);
            assert.match(
                problem,
                /1 pod\(s\) find no room \(peak replicas\): Jenkins agent pod template ci \(Karpenter pool ci at its limits\); .*Karpenter pool ci launches no nodes \(0 vCPU, 0Mi of its limits 2 vCPU, 64Gi\)/,
            );
        });

        it("counts limits in node capacity, not allocatable: 8 vCPU of limits hold two 4-vCPU nodes, so three agents need a third", () => {
            const three =
                podTemplate("ci", build(), CI_PLACEMENT) +
                podTemplate("ci2", build("node", "3", "2Gi"), CI_PLACEMENT) +
                podTemplate("ci3", build("node", "3", "2Gi"), CI_PLACEMENT);
            const pools = { ci: { ...DEV_POOLS.ci, cpu: "8" } };
            assert.match(
                run(karpenterPlatform({ agent: three, pools })).problems.join("\n"),
                /find no room \(peak replicas\): Jenkins agent pod template ci \(Karpenter pool ci at its limits\)/,
            );
            assert.deepStrictEqual(run(karpenterPlatform({ agent: three, pools: { ci: { ...DEV_POOLS.ci, cpu: "12" } } })).problems, []);
        });

        it("keeps pods that tolerate nothing off the tainted pool: with no untainted pool they must fit the system nodes", () => {
            const resources = karpenterPlatform({ systemSize: 1, hpaMax: 4 }).filter((r) => r.name !== "pool-general");
            const problems = run(resources).problems.join("\n");
            assert.match(problems, /at the node groups' minimum size \(1 x t3\.large\) \d+ pod\(s\) find no room \(steady replicas\)/);
            assert.match(problems, /steady replicas\): .*CoreDNS \(no room on the node groups\); Karpenter pool ci launches no nodes/);
            // At the peak the ci pool launches one node, for the agent, and still none of the others may use it.
            assert.match(problems, /peak replicas\): .*CoreDNS \(no room on the node groups\); Karpenter pool ci launches 1 x t3\.xlarge/);
        });

        it("runs the Karpenter controller only on the system nodes, one per node, as its chart's affinity says", () => {
            const lines = run(karpenterPlatform()).lines.join("\n");
            assert.match(lines, /karpenter controller \(release karpenter\): 1 vCPU, 1Gi x 2\.\.2: fits node group nodes$/m);
            // Two replicas with hostname anti-affinity need two system nodes, however much room one has.
            const one = run(karpenterPlatform({ systemTypes: ["m6i.2xlarge"], systemSize: 1 })).problems.join("\n");
            assert.match(
                one,
                /at the node groups' minimum size \(1 x m6i\.2xlarge\) 1 pod\(s\) find no room \(steady replicas\): karpenter controller \(release karpenter\) \(no room on the node groups\)/,
            );
        });

        it("lets a release's values move the controller: Helm merges them over the chart's affinity, so DoesNotExist stays", () => {
            const release = karpenterRelease({
                nodeSelector: { "platform/pool": "general" },
                controller: { resources: { requests: { cpu: "1", memory: "1Gi" } } },
            });
            const resources = [...karpenterPlatform().filter((r) => r.name !== "karpenter"), release];
            assert.match(
                run(resources).problems.join("\n"),
                /karpenter controller \(release karpenter\) requests 1 vCPU, 1Gi and would stay Pending: node group nodes: no node matches its nodeSelector \{"kubernetes\.io\/os":"linux","platform\/pool":"general"\} and node affinity karpenter\.sh\/nodepool DoesNotExist; Karpenter pool general: no node matches/,
            );
        });

        it("evaluates well-known requirements: instance-category and arch narrow the pool's types", () => {
            const general = { ...DEV_POOLS.general, requirements: [{ key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["m"] }] };
            const lines = run(karpenterPlatform({ pools: { general } })).lines.join("\n");
            assert.match(lines, /Karpenter pool general: m6i\.large\|m6a\.large spot\|on-demand/);
            const arm = { ...DEV_POOLS.general, requirements: [{ key: "kubernetes.io/arch", operator: "In", values: ["arm64"] }] };
            assert.match(
                run(karpenterPlatform({ pools: { general: arm } })).problems.join("\n"),
                /Karpenter pool general: its requirements leave none of its instance types/,
            );
        });

        it("names a requirement it cannot evaluate and a pool without an instance-type list instead of passing them", () => {
            const gpu = { ...DEV_POOLS.general, requirements: [{ key: "karpenter.k8s.aws/instance-gpu-count", operator: "Gt", values: ["0"] }] };
            assert.match(
                run(karpenterPlatform({ pools: { general: gpu } })).problems.join("\n"),
                /Karpenter pool general: requirement karpenter\.k8s\.aws\/instance-gpu-count Gt cannot be evaluated offline/,
            );
            const open = nodePool("general", { ...DEV_POOLS.general, instanceTypes: [] });
            (open.inputs as any).spec.template.spec.requirements.shift();
            const resources = [...karpenterPlatform().filter((r) => r.name !== "pool-general"), open];
            assert.match(run(resources).problems.join("\n"), /Karpenter pool general: no node\.kubernetes\.io\/instance-type In \[\.\.\.\] requirement/);
        });

        it("matches a custom requirement as a node label and a NoExecute taint like NoSchedule; PreferNoSchedule does not block", () => {
            const team = {
                ...DEV_POOLS.ci,
                taints: [{ ...CI_TAINT, effect: "PreferNoSchedule" }],
                requirements: [{ key: "team", operator: "In", values: ["web"] }],
            };
            const agent = podTemplate("ci", build(), { nodeSelector: "team=web" });
            const result = run(karpenterPlatform({ agent, pools: { ci: team } }));
            assert.deepStrictEqual(result.problems, []);
            assert.match(result.lines.join("\n"), /Jenkins agent pod template ci: 1\.1 vCPU, 2304Mi: fits Karpenter pool ci$/m);
        });
    });
});
