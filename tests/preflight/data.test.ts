/** The transcribed tables in offline/data agree with the pinned upstream data in ../shared/reference. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ADDON_VERSIONS } from "../../offline/data/addon-versions";
import { EKS_VERSIONS } from "../../offline/data/eks-versions";
import { INSTANCE_TYPES } from "../../offline/data/instance-types";
import { CHART_PINNED_PLUGINS, JENKINS_PLUGIN_RELEASES } from "../../offline/data/jenkins-plugins";
import { CHART_RELEASES, JENKINS_CONTROLLER_TAGS } from "../../offline/data/releases";
import { allocatable, reservedCpuMilli, reservedMemoryMiB } from "../../offline/preflight/nodes";
import { mebibytes, millicores } from "../../offline/preflight/quantity";
import { referenceFile } from "../helpers/harness";

const read = (file: string) => YAML.parse(fs.readFileSync(file, "utf8"));

describe("preflight data tables match ../shared/reference", () => {
    it("instance types: vCPU, memory, architecture and max pods as compiled from amazon-eks-ami and Karpenter", function () {
        const ref = read(referenceFile(this, "ec2", "instance-types.yaml")).instanceTypes;
        for (const [name, t] of Object.entries(INSTANCE_TYPES)) {
            const r = ref[name];
            assert.ok(r, `${name} is not in the reference`);
            assert.deepStrictEqual(t, { vcpu: r.vcpu, memoryMiB: r.memoryMiB, architecture: r.architecture, maxPods: r.maxPods }, name);
        }
    });

    it("nodeadm kube-reserved from the formulas equals the reference's per-type values", function () {
        const ref = read(referenceFile(this, "ec2", "instance-types.yaml")).instanceTypes;
        for (const [name, t] of Object.entries(INSTANCE_TYPES)) {
            const reserved = ref[name].nodeadmKubeReserved;
            assert.strictEqual(reservedCpuMilli(t.vcpu), millicores(reserved.cpu), `${name} cpu`);
            assert.strictEqual(reservedMemoryMiB(t.maxPods), mebibytes(reserved.memory), `${name} memory`);
        }
    });

    it("allocatable equals Karpenter's AL2023 estimate for x86 types; arm64 types are up to 64Mi above it", function () {
        const ref = read(referenceFile(this, "ec2", "instance-types.yaml")).instanceTypes;
        for (const name of Object.keys(INSTANCE_TYPES)) {
            const k = ref[name].karpenterAllocatable;
            const a = allocatable(name)!;
            assert.strictEqual(a.cpuMilli, millicores(k.cpu), `${name} cpu`);
            assert.strictEqual(a.pods, Number(k.pods), `${name} pods`);
            // Karpenter reports 59Mi less memory for Graviton types; the cause is not in the compiled data.
            const gap = a.memoryMiB - mebibytes(k.memory);
            if (INSTANCE_TYPES[name].architecture === "x86_64") assert.strictEqual(gap, 0, `${name} memory`);
            else assert.ok(gap >= 0 && gap <= 64, `${name} memory gap ${gap}`);
        }
    });

    it("EKS support calendar: exact dates where the reference has them", function () {
        const calendar: any[] = read(referenceFile(this, "eks", "versions.yaml")).calendar;
        assert.deepStrictEqual(Object.keys(EKS_VERSIONS).sort(), calendar.map((c) => c.version).sort());
        for (const c of calendar) {
            const ours = EKS_VERSIONS[c.version];
            if (/approx/.test(c.endStandard)) {
                assert.ok(ours.approximate, `${c.version} should be marked approximate`);
                assert.ok(ours.endOfStandardSupport.startsWith(c.endStandard.slice(0, 7)), c.version);
            } else {
                assert.deepStrictEqual([ours.endOfStandardSupport, ours.endOfExtendedSupport], [c.endStandard, c.endExtended], c.version);
            }
        }
    });

    it("add-on versions: every version the reference lists for a minor, and no other", function () {
        const ref = read(referenceFile(this, "eks", "addon-versions.yaml")).addons;
        for (const [addon, minors] of Object.entries<any>(ref)) {
            for (const [minor, entry] of Object.entries<any>(minors)) {
                if (!/^1\.\d+$/.test(minor)) continue;
                const listed = [entry.latest, entry.default, ...(entry.known ?? [])].filter((v) => v && typeof v === "object").map((v) => v.version);
                assert.deepStrictEqual([...ADDON_VERSIONS[addon][minor]].sort(), [...new Set(listed)].sort(), `${addon} ${minor}`);
            }
        }
    });

    it("Jenkins plugins: every release since 2024 with its date, plus the chart's own pins", function () {
        const ref = read(referenceFile(this, "jenkins", "plugin-versions.yaml"));
        for (const [id, p] of Object.entries<any>(ref.plugins)) {
            const since2024 = Object.fromEntries(Object.entries<string>(p.versions).filter(([, date]) => date >= "2024-01-01"));
            assert.deepStrictEqual(JENKINS_PLUGIN_RELEASES[id].versions, since2024, id);
            assert.strictEqual(JENKINS_PLUGIN_RELEASES[id].repo, p.repo);
        }
        for (const [id, version] of Object.entries(CHART_PINNED_PLUGINS)) {
            assert.strictEqual(ref.chartJenkins_5_9_53_installPlugins[id].version, version, id);
        }
    });

    it("charts and the Jenkins controller image: versions and repositories from versions.yaml and each Chart.yaml", function () {
        const ref = read(referenceFile(this, "versions.yaml"));
        for (const [name, c] of Object.entries<any>(ref.charts)) {
            assert.ok(CHART_RELEASES[name].versions.includes(c.version), name);
            assert.ok(CHART_RELEASES[name].repos.includes(c.repoUrl), name);
            const chartYaml = path.join(path.dirname(referenceFile(this, "versions.yaml")), "charts", name, "Chart.yaml");
            if (fs.existsSync(chartYaml)) assert.ok(CHART_RELEASES[name].versions.includes(String(read(chartYaml).version)), `${name} Chart.yaml`);
        }
        const karpenter = read(referenceFile(this, "karpenter", "charts", "karpenter", "Chart.yaml"));
        assert.ok(CHART_RELEASES.karpenter.versions.includes(karpenter.version));
        assert.deepStrictEqual(
            JENKINS_CONTROLLER_TAGS.map((t) => `docker.io/jenkins/jenkins:${t}`),
            [ref.charts.jenkins.controllerImage],
        );
    });
});
