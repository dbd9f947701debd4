import * as assert from "assert";
import { versions } from "../../offline/preflight/versions";
import { named, platform, res, TODAY } from "./fixtures";

const run = (resources = platform(), date = TODAY) => versions({ resources, date }).problems;

describe("preflight: versions", () => {
    it("passes pinned, released versions on a Kubernetes minor in standard support", () => {
        const result = versions({ resources: platform(), date: TODAY });
        assert.deepStrictEqual(result.problems, []);
        assert.ok(result.lines.includes("Kubernetes 1.35: standard support until 2027-03-27 (117 days)"), result.lines.join("\n"));
    });

    it("fails Kubernetes 1.34 from 30 days before standard support ends on 2026-12-02, when EKS would upgrade it itself", () => {
        const at134 = (date: string) => run(platform({ version: "1.34", corednsVersion: "v1.13.2-eksbuild.19" }), new Date(date));
        assert.deepStrictEqual(
            at134("2026-11-01T00:00:00Z").filter((p) => /standard support/.test(p)),
            [],
        );
        assert.match(
            at134("2026-11-03T00:00:00Z").join("\n"),
            /Kubernetes 1\.34 leaves standard support on 2026-12-02 \(29 days\): EKS then upgrades the control plane on its own/,
        );
        assert.match(at134("2026-12-01T00:00:00Z").join("\n"), /leaves standard support on 2026-12-02 \(1 days\)/);
        const late = run(platform({ version: "1.34", corednsVersion: "v1.13.2-eksbuild.19" }), new Date("2026-12-03T00:00:00Z"));
        assert.match(late.join("\n"), /Kubernetes 1\.34 left standard support on 2026-12-02/);
    });

    it("fails a floating add-on (no addonVersion): EKS would pick its default on the day", () => {
        assert.match(run(platform({ corednsVersion: undefined })).join("\n"), /Addon coredns: add-on coredns has no pinned addonVersion/);
    });

    it("fails an add-on version that is not a release for the cluster's minor", () => {
        // v1.13.2-eksbuild.19 is the newest coredns for 1.33/1.34 (eksctl assets), not a 1.35 build.
        assert.match(
            run(platform({ corednsVersion: "v1.13.2-eksbuild.19" })).join("\n"),
            /coredns v1\.13\.2-eksbuild\.19 is not a known release for Kubernetes 1\.35/,
        );
    });

    it("checks add-ons a remote component creates (modeled children) the same way; an unresolved lookup is floating", () => {
        const resources = platform();
        const cluster = named(resources, "eks");
        resources.push(
            res("aws:eks/addon:Addon", "eks-kube-proxy", { addonName: "kube-proxy", addonVersion: "[unknown]" }, { parent: cluster, modeled: true }),
        );
        assert.match(run(resources).join("\n"), /Addon eks-kube-proxy: add-on kube-proxy has no pinned addonVersion/);
    });

    it("fails a Jenkins plugin version that was never released (junit:1333.vf209c24d8b_0f)", () => {
        const problems = run(platform({ plugins: ["junit:1333.vf209c24d8b_0f", "git:5.10.1"] }));
        assert.strictEqual(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /Jenkins plugin junit:1333\.vf209c24d8b_0f was never released/);
    });

    it("accepts the kubernetes plugin the chart itself pins (4540.v612369217f87), newer than the stored tags", () => {
        assert.deepStrictEqual(run(platform({ plugins: ["kubernetes:4540.v612369217f87"] })), []);
    });

    it("fails an unpinned plugin and one the table has no data for", () => {
        const problems = run(platform({ plugins: ["git", "made-up-plugin:1.0"] })).join("\n");
        assert.match(problems, /Jenkins plugin git is not pinned/);
        assert.match(problems, /no release data for Jenkins plugin made-up-plugin/);
    });

    it("fails a chart version that does not exist, a chart from the wrong repository, and a controller image tag never released", () => {
        const resources = platform();
        const jenkins = named(resources, "jenkins");
        jenkins.inputs.version = "5.9.99";
        (jenkins.inputs.values as any).controller.image.tag = "2.999.1-jdk21";
        const lbc = named(resources, "lbc");
        lbc.inputs.repositoryOpts = { repo: "https://charts.example.com" };
        const problems = run(resources).join("\n");
        assert.match(problems, /chart jenkins 5\.9\.99 is not a known release/);
        assert.match(problems, /chart aws-load-balancer-controller is published at https:\/\/aws\.github\.io\/eks-charts, not https:\/\/charts\.example\.com/);
        assert.match(problems, /Jenkins controller image tag 2\.999\.1-jdk21 is not a known release/);
    });
});
