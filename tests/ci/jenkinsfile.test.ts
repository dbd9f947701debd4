/** The Jenkinsfile cannot run here; these tests hold it to what Jenkins (CiCd) and package.json provide. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { AGENT_IMAGES, JENKINS, PipelineEnv } from "../../components/jenkins";
import { PROJECT_DIR } from "../../offline/plan";

const jenkinsfile = fs.readFileSync(path.join(PROJECT_DIR, "Jenkinsfile"), "utf8");
const code = jenkinsfile.split("\n").filter((l) => !l.trim().startsWith("//")).join("\n");

/** Every key the CiCd component can set; a full object so the compiler lists them all. */
const PROVIDED: Record<keyof PipelineEnv, true> = {
    AWS_REGION: true, ECR_REPOSITORY_URL: true, DEPLOY_ROLE_ARN: true, PULUMI_BACKEND_URL: true, PLATFORM_STACK: true, APP_STACK: true, APP_URL: true, DEPLOY_JOB: true,
    PROMOTE_STACK: true, PROMOTE_DEPLOY_ROLE_ARN: true, PROMOTE_REPOSITORY_URL: true, PROMOTE_APP_URL: true, PULUMI_PASSPHRASE_CREDENTIAL: true,
};
/** Set by Jenkins, by the EKS pod identity webhook (IRSA), or by the Jenkinsfile itself. */
const BUILTIN = new Set(["WORKSPACE", "GIT_COMMIT", "IMAGE_TAG", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONFIG_FILE", "AWS_PROFILE", "PULUMI_CONFIG_PASSPHRASE", "CI", "PULUMI_SKIP_UPDATE_CHECK", "CONF"]);

describe("Jenkinsfile", () => {
    it("has the documented stages in order", () => {
        const stages = [...code.matchAll(/stage\('([^']+)'\)/g)].map((m) => m[1]);
        assert.deepStrictEqual(stages, [
            "CI", "Install", "Type-check", "Unit tests", "Plan", "Build and push image", "Deploy dev", "Smoke test dev",
            "Approve prod", "Promote", "Copy image", "Deploy prod", "Smoke test prod",
        ]);
    });

    it("sets a timeout, no concurrent builds per branch and a build discarder", () => {
        for (const option of [/timeout\(time: \d+, unit: 'HOURS'\)/, /disableConcurrentBuilds\(/, /buildDiscarder\(logRotator\(/]) assert.match(code, option);
    });

    it("publishes JUnit reports and archives the plans", () => {
        assert.match(code, /--reporter xunit --reporter-option output=reports\/platform\.xml/);
        assert.match(code, /junit 'reports\/\*\.xml'/);
        assert.match(code, /archiveArtifacts artifacts: 'plan\/\*'/);
        assert.match(code, /npm run plan -- dev .*--config app:imageTag=\$IMAGE_TAG/);
        assert.match(code, /npm run plan -- prod .*--config app:imageTag=\$IMAGE_TAG/);
    });

    it("reads only environment that Jenkins' configuration or the platform provides", () => {
        const used = new Set([...code.matchAll(/\$\{?([A-Z][A-Z0-9_]+)/g), ...code.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]));
        const unknown = [...used].filter((v) => !BUILTIN.has(v) && !(v in PROVIDED));
        assert.deepStrictEqual(unknown, []);
    });

    it("runs on the platform's pod template and only in containers it defines", () => {
        assert.match(code, new RegExp(`inheritFrom '${JENKINS.agentLabel}'`));
        const containers = new Set([...code.matchAll(/container\('([a-z]+)'\)/g)].map((m) => m[1]));
        for (const c of containers) assert.ok(c in AGENT_IMAGES, `container ${c} is not in the pod template`);
        assert.ok(containers.has("kaniko") && containers.has("pulumi"));
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
    });
});
