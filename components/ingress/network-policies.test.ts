import * as assert from "assert";
import { defaultDenyWithAllowances, JENKINS_AGENT_PORT, JENKINS_CONTROLLER_PODS, subnetCidrs, trafficSourcesOf } from "./network-policies";
import { APP_PORT, appLabels } from "../webapp";
import { admits, Client, isDefaultDenyIngress, Policy, PodRef } from "../../offline/models/network-policy";
import { all } from "../../tests/helpers/harness";
import { planFor } from "../../tests/helpers/plans";

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

describe("NetworkPolicies", () => {
    describe("defaultDenyWithAllowances", () => {
        it("isolates every pod of the namespace first, then adds one policy per allowance", () => {
            const [deny, ...rest] = defaultDenyWithAllowances("team", [{ name: "alb", pods: { app: "x" }, ports: [8080], from: [{ cidrs: ["10.0.0.0/24"] }] }]);
            assert.ok(isDefaultDenyIngress(deny as Policy));
            assert.deepStrictEqual(
                rest.map((p) => p.metadata),
                [{ name: "allow-alb", namespace: "team" }],
            );
        });

        it("refuses a named or out-of-range port, a source-less allowance and a duplicate name", () => {
            const ok = { name: "a", pods: {}, ports: [80], from: [{ cidrs: ["10.0.0.0/24"] }] };
            assert.throws(() => defaultDenyWithAllowances("t", [{ ...ok, ports: [0] }]), /port numbers 1-65535/);
            assert.throws(() => defaultDenyWithAllowances("t", [{ ...ok, from: [{ cidrs: [] }] }]), /names no source/);
            assert.throws(() => defaultDenyWithAllowances("t", [ok, ok]), /given twice/);
        });

        it("takes the ALBs' addresses from the public subnets only, which no pod gets", () => {
            const cidrs = subnetCidrs("10.10.0.0/16", 2);
            assert.deepStrictEqual(trafficSourcesOf("10.10.0.0/16", 2).alb, cidrs.public);
            assert.strictEqual(cidrs.public.length, 2);
            for (const c of cidrs.public) assert.ok(!cidrs.private.includes(c));
        });
    });

    describe("in the dev plan, as the VPC CNI's agent enforces them", () => {
        let policies: Policy[];
        before(async () => {
            policies = all((await planFor("dev")).resources, NETWORK_POLICY).map((r) => r.inputs as unknown as Policy);
        });
        // Addresses in the dev VPC (10.10.0.0/16): an ALB ENI in a public subnet, a pod in a private one.
        const sources = trafficSourcesOf("10.10.0.0/16", 2);
        const firstHost = (cidr: string, n: number) => cidr.replace(/\.0\/\d+$/, `.${n}`);
        const alb: Client = { ip: firstHost(sources.alb[0], 10) };
        const podIp = firstHost(sources.controlPlane[1], 40);
        const prometheus: Client = {
            pod: { namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus", prometheus: "kps-prometheus" } },
            ip: podIp,
        };
        const appPod: Client = { pod: { namespace: "app", labels: appLabels("app") }, ip: podIp };
        // Agents run where their clouds start them (components/cicd/jenkins.ts): builds in jenkins-builds, deploys in jenkins-deploy.
        const agent: Client = { pod: { namespace: "jenkins-builds", labels: { "jenkins/jenkins-jenkins-agent": "true" } }, ip: podIp };
        const deployAgent: Client = { pod: { namespace: "jenkins-deploy", labels: { "jenkins/jenkins-jenkins-agent": "true" } }, ip: podIp };
        const stranger: Client = { pod: { namespace: "default", labels: { run: "curl" } }, ip: podIp };
        const jenkins: PodRef = { namespace: "jenkins", labels: { ...JENKINS_CONTROLLER_PODS, "app.kubernetes.io/name": "jenkins" } };
        const grafana: PodRef = { namespace: "monitoring", labels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "kps" } };
        const app: PodRef = { namespace: "app", labels: { ...appLabels("app"), "app.kubernetes.io/version": "3f2a9c1" } };

        it("gives jenkins, its agents' namespaces, monitoring and app a default-deny ingress policy", () => {
            const denied = policies
                .filter(isDefaultDenyIngress)
                .map((p) => p.metadata.namespace)
                .sort();
            assert.deepStrictEqual(denied, ["app", "jenkins", "jenkins-builds", "jenkins-deploy", "monitoring"]);
        });

        it("Jenkins' controller accepts the ALB, Prometheus and its agents (HTTP and JNLP), and no other pod", () => {
            assert.ok(admits(policies, jenkins, alb, 8080));
            assert.ok(admits(policies, jenkins, prometheus, 8080));
            assert.ok(admits(policies, jenkins, agent, 8080));
            assert.ok(admits(policies, jenkins, agent, JENKINS_AGENT_PORT));
            assert.ok(admits(policies, jenkins, deployAgent, 8080) && admits(policies, jenkins, deployAgent, JENKINS_AGENT_PORT), "deploy agents");
            assert.ok(!admits(policies, jenkins, appPod, 8080), "a pod of the app namespace");
            assert.ok(!admits(policies, jenkins, stranger, 8080), "a pod of another namespace");
            assert.ok(!admits(policies, jenkins, alb, JENKINS_AGENT_PORT), "the ALB on the agent port");
            assert.ok(!admits(policies, jenkins, { ip: podIp }, 8080), "any address in the private subnets");
        });

        it("the agents themselves accept nothing but their node (kubelet probes)", () => {
            const agentPod: PodRef = { namespace: "jenkins-builds", labels: { "jenkins/jenkins-jenkins-agent": "true" } };
            assert.ok(!admits(policies, agentPod, stranger, 8080));
            assert.ok(!admits(policies, agentPod, alb, 8080));
            assert.ok(admits(policies, agentPod, { node: true }, 8080));
        });

        it("the app accepts the ALB and Prometheus on its port, not Jenkins or other pods", () => {
            assert.ok(admits(policies, app, alb, APP_PORT));
            assert.ok(admits(policies, app, prometheus, APP_PORT));
            assert.ok(!admits(policies, app, agent, APP_PORT));
            assert.ok(!admits(policies, app, stranger, APP_PORT));
        });

        it("Grafana accepts the ALB; the monitoring namespace talks within itself; the API server reaches the operator's webhook", () => {
            assert.ok(admits(policies, grafana, alb, 3000));
            assert.ok(!admits(policies, grafana, appPod, 3000));
            const prometheusPod: PodRef = { namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus" } };
            assert.ok(admits(policies, prometheusPod, { pod: grafana, ip: podIp }, 9090));
            assert.ok(!admits(policies, prometheusPod, stranger, 9090));
            const operator: PodRef = { namespace: "monitoring", labels: { app: "kube-prometheus-stack-operator", release: "kps" } };
            assert.ok(admits(policies, operator, { ip: firstHost(sources.controlPlane[0], 99) }, 10250));
        });

        it("each policy is created after its namespace", async () => {
            const resources = (await planFor("dev")).resources;
            const namespaces = all(resources, "kubernetes:core/v1:Namespace");
            for (const np of all(resources, NETWORK_POLICY)) {
                const ns = namespaces.find((n) => (n.inputs.metadata as any).name === (np.inputs.metadata as any).namespace);
                assert.ok(ns && np.dependencies.includes(ns.urn), `${np.name} does not wait for its namespace`);
            }
        });
    });
});
