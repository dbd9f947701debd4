/** The Jenkinsfile cannot run here; these tests hold it to what Jenkins (CiCd) and package.json provide. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { agentPodTemplate, JENKINS, PipelineEnv } from "../../components/jenkins";
import { PROJECT_DIR } from "../../offline/plan";

const jenkinsfile = fs.readFileSync(path.join(PROJECT_DIR, "Jenkinsfile"), "utf8");
const code = jenkinsfile.split("\n").filter((l) => !l.trim().startsWith("//")).join("\n");

/** Every key the CiCd component can set; a full object so the compiler lists them all. */
const PROVIDED: Record<keyof PipelineEnv, true> = {
    AWS_REGION: true, ECR_REPOSITORY_URL: true, DEPLOY_ROLE_ARN: true, PULUMI_BACKEND_URL: true, PLATFORM_STACK: true, APP_STACK: true, APP_URL: true, DEPLOY_JOB: true,
    PROMOTE_STACK: true, PROMOTE_DEPLOY_ROLE_ARN: true, PROMOTE_REPOSITORY_URL: true, PROMOTE_APP_URL: true, PULUMI_PASSPHRASE_CREDENTIAL: true,
};
/** Set by Jenkins, by the EKS pod identity webhook (IRSA), or by the Jenkinsfile itself. */
const BUILTIN = new Set(["JOB_NAME", "IMAGE_EXISTS", "WORKSPACE", "GIT_COMMIT", "IMAGE_TAG", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONFIG_FILE", "AWS_PROFILE", "PULUMI_CONFIG_PASSPHRASE", "CI", "PULUMI_SKIP_UPDATE_CHECK", "CONF"]);

/** Each stage's block: its text, and its head (what precedes its steps or nested stages). */
function stageBlocks(): Record<string, { text: string; head: string }> {
    const blocks: Record<string, { text: string; head: string }> = {};
    for (const m of code.matchAll(/stage\('([^']+)'\) \{/g)) {
        let depth = 0;
        let end = m.index! + m[0].length - 1;
        for (; end < code.length; end++) {
            if (code[end] === "{") depth++;
            else if (code[end] === "}" && --depth === 0) break;
        }
        const text = code.slice(m.index!, end + 1);
        const body = /\n\s+(steps|stages) \{/.exec(text);
        blocks[m[1]] = { text, head: body ? text.slice(0, body.index) : text };
    }
    return blocks;
}

describe("Jenkinsfile", () => {
    it("has the documented stages in order", () => {
        const stages = [...code.matchAll(/stage\('([^']+)'\)/g)].map((m) => m[1]);
        assert.deepStrictEqual(stages, [
            "CI", "Install", "Type-check", "Unit tests", "Plan", "Deploy dev", "Check image", "Build and push image", "Deploy app", "Smoke test dev",
            "Approve prod", "Promote", "Copy image", "Deploy prod", "Smoke test prod",
        ]);
    });

    it("sets no concurrent builds per branch and a build discarder", () => {
        for (const option of [/disableConcurrentBuilds\(/, /buildDiscarder\(logRotator\(/]) assert.match(code, option);
    });

    it("publishes JUnit reports and archives the plans", () => {
        assert.match(code, /--reporter xunit --reporter-option output=reports\/platform\.xml/);
        assert.match(code, /junit 'reports\/\*\.xml'/);
        assert.match(code, /archiveArtifacts artifacts: 'plan\/\*'/);
        // Every stack file, platform and app, is planned (no stack list to keep in step with the files).
        assert.match(code, /for f in Pulumi\.\*\.yaml; do s=\$\{f#Pulumi\.\}; npm run plan -- \$\{s%\.yaml\} --quiet \|\| exit 1; done/);
        assert.match(code, /for f in appstack\/Pulumi\.\*\.yaml; do s=\$\{f#appstack\/Pulumi\.\}; npm run plan -- \$\{s%\.yaml\} --quiet --layer app --config app:imageTag=\$IMAGE_TAG \|\| exit 1; done/);
    });

    it("reads only environment that Jenkins' configuration or the platform provides", () => {
        const used = new Set([...code.matchAll(/\$\{?([A-Z][A-Z0-9_]+)/g), ...code.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]));
        const unknown = [...used].filter((v) => !BUILTIN.has(v) && !(v in PROVIDED));
        assert.deepStrictEqual(unknown, []);
    });

    it("runs in containers the pod templates define: tests in the build template, tools only in the deploy cloud's", () => {
        const build = YAML.parse(agentPodTemplate("build", "x"))[0].containers.map((c: any) => c.name);
        const deploy = YAML.parse(agentPodTemplate("deploy", "x"))[0].containers.map((c: any) => c.name);
        for (const [name, block] of Object.entries(stageBlocks())) {
            const agent = /agent \{ kubernetes \{ (cloud '(\w+)'; )?inheritFrom '([\w-]+)'/.exec(block.head);
            if (!agent) continue;
            const template = agent[3] === JENKINS.agentLabel ? build : agent[3] === JENKINS.deployLabel ? deploy : undefined;
            assert.ok(template, `${name} asks for an unknown pod template ${agent[3]}`);
            if (agent[3] === JENKINS.deployLabel) assert.strictEqual(agent[2], JENKINS.deployCloud, `${name} must ask for the deploy cloud`);
            for (const [, c] of block.text.matchAll(/container\('([a-z]+)'\)/g)) assert.ok(template.includes(c), `${name}: container ${c} is not in ${agent[3]}`);
        }
        assert.ok(!/container\('(kaniko|pulumi|crane)'\)/.test(stageBlocks()["CI"].text), "the CI stage runs for every branch: no deploy tools there");
    });

    it("has no pipeline-wide timeout (it would cut the approval short); every stage holding a pod has one of at most an hour; the approval waits 24 hours with no pod", () => {
        const options = /pipeline \{[\s\S]*?options \{([\s\S]*?)\n    \}/.exec(code)![1];
        assert.doesNotMatch(options, /timeout/);
        const blocks = stageBlocks();
        for (const [name, block] of Object.entries(blocks)) {
            if (!/agent \{ kubernetes/.test(block.head)) continue;
            const t = /options \{ timeout\(time: (\d+), unit: 'MINUTES'\) \}/.exec(block.head);
            assert.ok(t && Number(t[1]) <= 60, `${name} holds a pod without a timeout of at most 60 minutes`);
        }
        const approve = blocks["Approve prod"];
        assert.doesNotMatch(approve.head, /agent/);
        assert.match(approve.head, /options \{ timeout\(time: 24, unit: 'HOURS'\) \}/);
        assert.match(approve.text, /input message:/);
    });

    it("deploys only in the deploy job, decided before any pod is asked for; no branch name is hard-coded", () => {
        assert.doesNotMatch(code, /branch '/);
        const blocks = stageBlocks();
        for (const name of ["Deploy dev", "Approve prod", "Promote"]) {
            const when = /when \{ ([^\n]*) \}\n/.exec(blocks[name].head);
            assert.ok(when, `${name} has no when`);
            assert.match(when![1], /^beforeAgent true; /, `${name} would start a pod only to skip it`);
            assert.match(when![1], /deploys\(\)/);
        }
        assert.match(code, /def deploys\(\) \{\n\s+return env\.DEPLOY_JOB\?\.trim\(\) && env\.JOB_NAME == env\.DEPLOY_JOB\n\}/);
        assert.strictEqual(JENKINS.deployJob, `${JENKINS.deployFolder}/eks-platform`);
        assert.doesNotMatch(blocks["CI"].head, /when/, "every branch is tested and planned");
    });

    it("skips the image build when the commit's tag already exists (tags are IMMUTABLE), and copies to prod only once", () => {
        const blocks = stageBlocks();
        assert.match(blocks["Check image"].text, /aws ecr describe-images --repository-name "\$\{ECR_REPOSITORY_URL#\*\/\}" --image-ids imageTag="\$IMAGE_TAG"/);
        assert.match(blocks["Check image"].text, /ImageNotFoundException/, "only a missing image may mean build; other errors fail");
        assert.match(blocks["Build and push image"].head, /when \{ expression \{ env\.IMAGE_EXISTS != 'true' \} \}/);
        assert.match(blocks["Copy image"].text, /crane digest "\$PROMOTE_REPOSITORY_URL:\$IMAGE_TAG" \|\| crane copy/);
    });

    it("calls only npm scripts the project defines", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).scripts;
        for (const [, name] of code.matchAll(/npm run ([a-z:-]+)/g)) {
            if (name === "build") continue; // npm --prefix app run build: the app's own script
            assert.ok(name in scripts, `npm run ${name} is not a script`);
        }
    });

    it("deploys prod only after an approval, with the same image tag as dev", () => {
        const approve = code.indexOf("stage('Approve prod')");
        const deployProd = code.indexOf("stage('Deploy prod')");
        assert.ok(approve > 0 && deployProd > approve);
        assert.match(code.slice(approve, deployProd), /input message:/);
        assert.match(code.slice(deployProd), /--stack \$PROMOTE_STACK --image-tag \$IMAGE_TAG/);
        assert.match(stageBlocks()["Deploy app"].text, /pulumiAs\('deploy', 'npm run deploy -- --stack \$APP_STACK --image-tag \$IMAGE_TAG'\)/);
    });
});
