/** The Jenkinsfile cannot run here; these tests hold it to what Jenkins (CiCd) and package.json provide. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import {
    AGENT_IMAGES,
    agentPodTemplate,
    JENKINS,
    PipelineEnv,
    pipelineJobScript,
    promotionEnv,
    promotionJobName,
    promotionStages,
    PromotionVariables,
} from "../../components/cicd/jenkins";
import { PROJECT_DIR } from "../../offline/plan";

/** A pipeline file without its comments: the Jenkinsfile (branches, deploy job), the promotion job's, the shared steps. */
const codeOf = (file: string) =>
    fs
        .readFileSync(path.join(PROJECT_DIR, file), "utf8")
        .split("\n")
        .filter((l) => !l.trim().startsWith("//"))
        .join("\n");
const code = codeOf("Jenkinsfile");
const promote = codeOf(JENKINS.promoteScript);
const shared = codeOf("ci/pipeline.groovy");

/** Every key the CiCd component can set; a full object so the compiler lists them all. */
const PROVIDED: Record<keyof PipelineEnv, true> = {
    AWS_REGION: true,
    ECR_REPOSITORY_URL: true,
    DEPLOY_ROLE_ARN: true,
    PULUMI_BACKEND_URL: true,
    PLATFORM_STACK: true,
    APP_STACK: true,
    APP_URL: true,
    DEPLOY_JOB: true,
    DEPLOY_BRANCH: true,
    PROMOTE_JOB: true,
    PULUMI_PASSPHRASE_CREDENTIAL: true,
};
/** Every variable of a promotion stage (PROMOTE_<n>_<name> in the global environment); a full object likewise. */
const STAGE_VARIABLES: Record<keyof PromotionVariables, true> = {
    JOB: true,
    STACK: true,
    APPROVERS: true,
    DEPLOY_ROLE_ARN: true,
    REPOSITORY_URL: true,
    APP_URL: true,
    SOURCE_REPOSITORY_URL: true,
    UPSTREAM_JOB: true,
    NEXT_JOB: true,
};
/** The names Jenkinsfile.promote's adoptStage() copies from PROMOTE_<n>_<name> to PROMOTE_<name>. */
const adopted = (): string[] => {
    const m = /def adoptStage\(\) \{[\s\S]*?for \(name in \[([^\]]*)\]\) \{\n\s+env\."PROMOTE_\$\{name\}" = stageValue\(name\) \?: ''\n/.exec(promote);
    assert.ok(m, "adoptStage() copies its stage's variables");
    return [...m[1].matchAll(/'([A-Z_]+)'/g)].map((n) => n[1]);
};

const STAGES = [
    {
        stack: "staging",
        deployRoleArn: "arn:aws:iam::111122223333:role/eks-platform-staging-deploy",
        repositoryUrl: "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/eks-platform-staging/app",
        appUrl: "https://app.staging.example.com",
        approvers: ["developers"],
    },
    {
        stack: "acme/eks-platform/prod",
        deployRoleArn: "arn:aws:iam::111122223333:role/eks-platform-prod-deploy",
        repositoryUrl: "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/eks-platform-prod/app",
        appUrl: "https://app.example.com",
        approvers: ["release-managers"],
    },
];
const DEV_REPOSITORY = "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/eks-platform-dev/app";

/**
 * What a build of `job` reads after adoptStage(), given the global environment: Jenkinsfile.promote's stagePrefix()
 * loop (PROMOTE_1_JOB, PROMOTE_2_JOB, ... until one is unset) replayed; undefined where the job is no stage.
 */
function adoptedBy(job: string, env: Record<string, string>): Record<string, string> | undefined {
    assert.match(
        promote,
        /def stagePrefix\(\) \{\n\s+for \(int n = 1; env\."PROMOTE_\$\{n\}_JOB"; n\+\+\) \{\n\s+if \(env\."PROMOTE_\$\{n\}_JOB" == env\.JOB_NAME\) return "PROMOTE_\$\{n\}_"\n/,
    );
    for (let n = 1; env[`PROMOTE_${n}_JOB`]; n++) {
        if (env[`PROMOTE_${n}_JOB`] === job) return Object.fromEntries(adopted().map((name) => [`PROMOTE_${name}`, env[`PROMOTE_${n}_${name}`] ?? ""]));
    }
    return undefined;
}
/** Set by Jenkins, by the EKS pod identity webhook (IRSA), by the promotion job's parameter, or by the pipeline itself. */
const BUILTIN = new Set([
    "JOB_NAME",
    "IMAGE_EXISTS",
    "WORKSPACE",
    "GIT_COMMIT",
    "IMAGE_TAG",
    "SOURCE_COMMIT",
    "PROMOTE_COMMIT",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONFIG_FILE",
    "AWS_PROFILE",
    "PROMOTE_SUBJECT",
    "PULUMI_CONFIG_PASSPHRASE",
    "PULUMI_PASSPHRASE_USER",
    "CI",
    "PULUMI_SKIP_UPDATE_CHECK",
    "CONF",
]);

/** Each stage's block: its text, and its head (what precedes its steps or nested stages). */
function stageBlocks(text = code): Record<string, { text: string; head: string }> {
    const blocks: Record<string, { text: string; head: string }> = {};
    for (const m of text.matchAll(/stage\('([^']+)'\) \{/g)) {
        let depth = 0;
        let end = m.index + m[0].length - 1;
        for (; end < text.length; end++) {
            if (text[end] === "{") depth++;
            else if (text[end] === "}" && --depth === 0) break;
        }
        const block = text.slice(m.index, end + 1);
        const body = /\n\s+(steps|stages) \{/.exec(block);
        blocks[m[1]] = { text: block, head: body ? block.slice(0, body.index) : block };
    }
    return blocks;
}

/** The end of the `{ ... }` block whose opening brace is at `open`. */
function blockEnd(text: string, open: number): number {
    let depth = 0;
    for (let i = open; i < text.length; i++) {
        if (text[i] === "{") depth++;
        else if (text[i] === "}" && --depth === 0) return i;
    }
    return text.length;
}

/** The container a step at `index` runs in: the innermost enclosing container('x') block, else the agent's defaultContainer. */
function containerAt(text: string, index: number, defaultContainer: string): string {
    let found = { start: -1, name: defaultContainer };
    for (const m of text.matchAll(/container\('([a-z]+)'\) \{/g)) {
        const open = m.index + m[0].length - 1;
        if (m.index < index && index < blockEnd(text, open) && m.index > found.start) found = { start: m.index, name: m[1] };
    }
    return found.name;
}

/** Each `sh` step of a text: where it is and its script (the string literal it runs). */
const shSteps = (text: string) =>
    [...text.matchAll(/\bsh[ (](?:returnStdout: true, script: )?('''[\s\S]*?'''|'[^'\n]*'|"(?:[^"\\\n]|\\.)*")/g)].map((m) => ({
        index: m.index,
        script: m[1],
    }));

/**
 * Which agent images have git: jenkins/inbound-agent does (jenkinsci/docker-agent installs it in the agent image the
 * inbound one builds on); node:22-bookworm-slim does not (nodejs/docker-node#947: the slim variants ship no git).
 * kaniko's, pulumi's and crane's images are no place for the workspace's git either: the pulumi image runs as root on
 * a workspace owned by jnlp's uid 1000, which git refuses as "dubious ownership".
 */
const HAS_GIT: Record<keyof typeof AGENT_IMAGES, boolean> = { jnlp: true, node: false, kaniko: false, pulumi: false, crane: false };

/** The pipeline-level options block. */
const pipelineOptions = (text: string) => /pipeline \{[\s\S]*?options \{([\s\S]*?)\n {4}\}/.exec(text)![1];

describe("Jenkinsfile", () => {
    it("has the documented stages in order: the deploy job's, then the promotion job's", () => {
        const stages = (text: string) => [...text.matchAll(/stage\('([^']+)'\)/g)].map((m) => m[1]);
        assert.deepStrictEqual(stages(code), [
            "CI",
            "Install",
            "Type-check",
            "Unit tests",
            "Plan",
            "Deploy dev",
            "Check out the commit",
            "Check image",
            "Build and push image",
            "Deploy app",
            "Smoke test dev",
            "Request promotion",
        ]);
        assert.deepStrictEqual(stages(promote), [
            "Approve the stage",
            "Verify the commit",
            "Approve",
            "Promote",
            "Check out the commit",
            "Copy image",
            "Deploy the stage",
            "Smoke test the stage",
            "Request the next stage",
        ]);
    });

    it("runs the same lint as npm test (eslint and prettier) on every branch, before the unit tests", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8"));
        assert.match(pkg.scripts.test, /npm run lint/);
        const lint = code.indexOf("npm run lint");
        assert.ok(lint > 0 && lint < code.indexOf("stage('Unit tests')"), "the CI stage lints before the unit tests");
    });

    it("sets no concurrent builds per branch and a build discarder", () => {
        for (const option of [/disableConcurrentBuilds\(/, /buildDiscarder\(logRotator\(/]) assert.match(pipelineOptions(code), option);
    });

    // disableConcurrentBuilds holds the whole job while a build runs; an `input` waiting a day inside it queued every
    // later dev deploy for that day.
    it("no build of the job that disables concurrent builds waits for a person; the approval is in the promotion job, which does not", () => {
        assert.doesNotMatch(code, /\binput\b/);
        assert.doesNotMatch(pipelineOptions(promote), /disableConcurrentBuilds/);
        assert.match(
            stageBlocks()["Request promotion"].text,
            /build job: "\/\$\{env\.PROMOTE_JOB\}", wait: false, parameters: \[string\(name: 'PROMOTE_COMMIT', value: env\.SOURCE_COMMIT\)\]/,
        );
        assert.doesNotMatch(stageBlocks()["Request promotion"].head, /agent/);
    });

    it("approving a newer promotion supersedes an older one still waiting: milestones before and after the input", () => {
        const steps = stageBlocks(promote)["Approve the stage"].text;
        const order = ["milestone(ordinal: 1)", "input message:", "milestone(ordinal: 2)"].map((s) => steps.indexOf(s));
        assert.ok(
            order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1])),
            `milestone, input, milestone: ${order.join(", ")}`,
        );
        assert.ok(promote.indexOf("milestone(ordinal: 2)") < promote.indexOf("stage('Promote')"), "nothing deploys before the second milestone");
    });

    it("only the configured approvers may approve (input submitter), and an empty list stops the build", () => {
        const steps = stageBlocks(promote)["Approve the stage"].text;
        assert.match(steps, /input message: [^\n]*, submitter: env\.PROMOTE_APPROVERS\n/);
        assert.match(steps, /if \(!env\.PROMOTE_APPROVERS\?\.trim\(\)\) error\(/);
        assert.match(steps, /if \(!\(params\.PROMOTE_COMMIT ==~ \/\[0-9a-f\]\{40\}\/\)\) error\(/, "the commit parameter reaches a shell: only a commit id");
    });

    it("publishes JUnit reports and archives the plans", () => {
        assert.match(code, /--reporter xunit --reporter-option output=reports\/platform\.xml/);
        assert.match(code, /junit 'reports\/\*\.xml'/);
        assert.match(code, /archiveArtifacts artifacts: 'plan\/\*'/);
        // Every stack file, platform and app, is planned (no stack list to keep in step with the files).
        assert.match(code, /for f in Pulumi\.\*\.yaml; do s=\$\{f#Pulumi\.\}; npm run plan -- \$\{s%\.yaml\} --quiet \|\| exit 1; done/);
        assert.match(
            code,
            /for f in appstack\/Pulumi\.\*\.yaml; do s=\$\{f#appstack\/Pulumi\.\}; npm run plan -- \$\{s%\.yaml\} --quiet --layer app --config app:imageTag=\$IMAGE_TAG \|\| exit 1; done/,
        );
    });

    it("reads only environment that Jenkins' configuration or the platform provides", () => {
        for (const text of [code, promote, shared]) {
            const used = new Set([...text.matchAll(/\$\{?([A-Z][A-Z0-9_]+)/g), ...text.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]));
            const stageVariable = (v: string) => v.startsWith("PROMOTE_") && adopted().includes(v.slice("PROMOTE_".length));
            const unknown = [...used].filter((v) => !BUILTIN.has(v) && !(v in PROVIDED) && !stageVariable(v));
            assert.deepStrictEqual(unknown, []);
        }
    });

    it("runs in containers the pod templates define: tests in the build template, tools only in the deploy cloud's", () => {
        const build = YAML.parse(agentPodTemplate("build", "x"))[0].containers.map((c: any) => c.name);
        const deploy = YAML.parse(agentPodTemplate("deploy", "x"))[0].containers.map((c: any) => c.name);
        for (const [name, block] of [...Object.entries(stageBlocks()), ...Object.entries(stageBlocks(promote))]) {
            const agent = /agent \{ kubernetes \{ (cloud '(\w+)'; )?inheritFrom '([\w-]+)'/.exec(block.head);
            if (!agent) continue;
            const template = agent[3] === JENKINS.agentLabel ? build : agent[3] === JENKINS.deployTemplate ? deploy : undefined;
            assert.ok(template, `${name} asks for an unknown pod template ${agent[3]}`);
            if (agent[3] === JENKINS.deployTemplate) assert.strictEqual(agent[2], JENKINS.deployCloud, `${name} must ask for the deploy cloud`);
            for (const [, c] of block.text.matchAll(/container\('([a-z]+)'\)/g))
                assert.ok(template.includes(c), `${name}: container ${c} is not in ${agent[3]}`);
        }
        assert.ok(!/container\('(kaniko|pulumi|crane)'\)/.test(stageBlocks()["CI"].text), "the CI stage runs for every branch: no deploy tools there");
    });

    it("has no pipeline-wide timeout (it would cut the approval short); every stage holding a pod has one of at most an hour; the approval waits 24 hours with no pod", () => {
        for (const text of [code, promote]) {
            assert.doesNotMatch(pipelineOptions(text), /timeout/);
            for (const [name, block] of Object.entries(stageBlocks(text))) {
                if (!/agent \{ kubernetes/.test(block.head)) continue;
                const t = /options \{[\s\S]*?\btimeout\(time: (\d+), unit: 'MINUTES'\)/.exec(block.head);
                assert.ok(t && Number(t[1]) <= 60, `${name} holds a pod without a timeout of at most 60 minutes`);
            }
        }
        const approve = stageBlocks(promote)["Approve the stage"];
        assert.doesNotMatch(approve.head, /agent/);
        assert.match(approve.head, /options \{ timeout\(time: 24, unit: 'HOURS'\) \}/);
        assert.match(approve.text, /input message:/);
    });

    it("deploys and promotes only in the deploy folder's jobs, decided before any pod is asked for; no branch name is hard-coded", () => {
        assert.doesNotMatch(code + promote, /branch '/);
        const when = (block: { head: string }) => /when \{ ([^\n]*) \}(\n|$)/.exec(block.head)?.[1];
        for (const [blocks, names, condition] of [
            [stageBlocks(), ["Deploy dev", "Request promotion"], /deploys\(\)/],
            [stageBlocks(promote), ["Approve the stage", "Promote", "Request the next stage"], /promotes\(\)/],
        ] as const) {
            for (const name of names) {
                assert.ok(when(blocks[name]), `${name} has no when`);
                assert.match(when(blocks[name])!, /^beforeAgent true; /, `${name} would start a pod only to skip it`);
                assert.match(when(blocks[name])!, condition);
            }
        }
        assert.match(code, /def deploys\(\) \{\n\s+return env\.DEPLOY_JOB\?\.trim\(\) && env\.JOB_NAME == env\.DEPLOY_JOB\n\}/);
        assert.match(promote, /def promotes\(\) \{\n\s+return stageValue\('STACK'\)\?\.trim\(\) \? true : false\n\}/);
        assert.match(
            promote,
            /def stageValue\(String name\) \{\n\s+def prefix = stagePrefix\(\)\n\s+return prefix \? env\."\$\{prefix\}\$\{name\}" : null\n\}/,
        );
        assert.strictEqual(JENKINS.deployJob, `${JENKINS.deployFolder}/eks-platform`);
        for (const stack of ["prod", "acme/eks-platform/prod"])
            assert.strictEqual(
                promotionJobName(stack),
                `${JENKINS.deployFolder}/promote-prod`,
                "a promotion job is in the deploy folder, with its cloud and credentials",
            );
        assert.doesNotMatch(stageBlocks()["CI"].head, /when/, "every branch is tested and planned");
    });

    it("skips the image build when the commit's tag already exists (tags are IMMUTABLE), and copies to prod only once", () => {
        const blocks = stageBlocks();
        assert.match(
            blocks["Check image"].text,
            /aws ecr describe-images --repository-name "\$\{ECR_REPOSITORY_URL#\*\/\}" --image-ids imageTag="\$IMAGE_TAG"/,
        );
        assert.match(blocks["Check image"].text, /ImageNotFoundException/, "only a missing image may mean build; other errors fail");
        assert.match(blocks["Build and push image"].head, /when \{ expression \{ env\.IMAGE_EXISTS != 'true' \} \}/);
        assert.match(
            stageBlocks(promote)["Copy image"].text,
            /crane digest "\$PROMOTE_REPOSITORY_URL:\$IMAGE_TAG" \|\| crane copy "\$PROMOTE_SOURCE_REPOSITORY_URL:\$IMAGE_TAG" "\$PROMOTE_REPOSITORY_URL:\$IMAGE_TAG"/,
        );
    });

    it("calls only npm scripts the project defines", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).scripts;
        for (const [, name] of (code + promote).matchAll(/npm run ([a-z:-]+)/g)) {
            if (name === "build") continue; // npm --prefix app run build: the app's own script
            assert.ok(name in scripts, `npm run ${name} is not a script`);
        }
    });

    it("deploys prod only after an approval, with the image tag of the commit dev deployed, from that commit's code", () => {
        assert.match(stageBlocks()["Install"].text, /env\.SOURCE_COMMIT = env\.GIT_COMMIT\n\s+env\.IMAGE_TAG = env\.GIT_COMMIT\.substring\(0, 12\)/);
        assert.match(stageBlocks(promote)["Verify the commit"].text, /env\.IMAGE_TAG = params\.PROMOTE_COMMIT\.substring\(0, 12\)/);
        assert.match(
            stageBlocks(promote)["Deploy the stage"].text,
            /ci\.pulumiAs\('promote', 'npm run deploy -- --stack \$PROMOTE_STACK --image-tag \$IMAGE_TAG'\)/,
        );
        assert.match(stageBlocks()["Deploy app"].text, /ci\.pulumiAs\('deploy', 'npm run deploy -- --stack \$APP_STACK --image-tag \$IMAGE_TAG'\)/);
        for (const text of [code, promote]) assert.match(text, /ci = load 'ci\/pipeline\.groovy'/);
        assert.match(
            shared,
            /withCredentials\(\[usernamePassword\(credentialsId: env\.PULUMI_PASSPHRASE_CREDENTIAL, usernameVariable: '\w+', passwordVariable: 'PULUMI_CONFIG_PASSPHRASE'\)\]\)/,
        );
    });

    // A3: git in node:22-bookworm-slim fails ("git: not found"); the implicit checkout is jnlp's
    // (kubernetes-plugin KubernetesDeclarativeAgentScript checks out before entering the default container).
    it("runs every git command in a container that has git (jnlp), not the stage's default container", () => {
        for (const [file, text] of [
            ["Jenkinsfile", code],
            [JENKINS.promoteScript, promote],
            ["ci/pipeline.groovy", shared],
        ] as const) {
            for (const step of shSteps(text).filter((s) => /(^|[\s;'"])git /.test(s.script))) {
                const where = containerAt(text, step.index, "node") as keyof typeof AGENT_IMAGES;
                assert.ok(HAS_GIT[where], `${file}: ${step.script.slice(0, 60)} runs in ${where}, which has no git`);
            }
        }
    });

    // B7: a second stage's implicit checkout re-resolves refs/heads/<branch> in a plain pipelineJob (git plugin); only
    // the commit CI tested and tagged may be built, labelled and deployed.
    it("each stage that builds or deploys checks out the commit it was given before any other step", () => {
        const firstSteps = (stage: string, text: string) => shSteps(stageBlocks(text)[stage].text);
        const dev = firstSteps("Deploy dev", code);
        assert.strictEqual(dev[0].script, `'git checkout --detach "$SOURCE_COMMIT"'`);
        assert.match(stageBlocks()["Install"].text, /env\.SOURCE_COMMIT = env\.GIT_COMMIT\n\s+env\.IMAGE_TAG = env\.GIT_COMMIT\.substring\(0, 12\)/);
        const kaniko = dev.find((s) => s.script.includes("/kaniko/executor"))!;
        assert.match(kaniko.script, /--destination=\$ECR_REPOSITORY_URL:\$IMAGE_TAG --label org\.opencontainers\.image\.revision=\$SOURCE_COMMIT/);
        assert.strictEqual(firstSteps("Promote", promote)[0].script, `'git checkout --detach "$PROMOTE_COMMIT"'`);
        // Nothing loaded or run from the workspace before the checkout: ci/pipeline.groovy is the commit's own.
        for (const [stage, text] of [
            ["Deploy dev", code],
            ["Promote", promote],
        ] as const) {
            const block = stageBlocks(text)[stage].text;
            assert.ok(block.indexOf("git checkout --detach") < block.indexOf("load 'ci/pipeline.groovy'"), `${stage} loads the branch head's steps`);
        }
    });

    // B5: a branch build runs as SYSTEM (no authorize-project) and can `build job: '/deploy/promote-prod'` with its own commit.
    it("asks for approval only of a commit its upstream job requested, on the deploy branch, whose image in the previous stage was built from it", () => {
        const verify = stageBlocks(promote)["Verify the commit"].text;
        const approve = stageBlocks(promote)["Approve"].text;
        const at = (pattern: RegExp) => {
            const m = pattern.exec(verify);
            assert.ok(m, String(pattern));
            return m.index;
        };
        const order = [
            at(/script \{\n\s+adoptStage\(\)\n/),
            at(/if \(!\(params\.PROMOTE_COMMIT ==~ \/\[0-9a-f\]\{40\}\/\)\) error\(/),
            at(
                /currentBuild\.getBuildCauses\('hudson\.model\.Cause\$UpstreamCause'\)\n\s+if \(upstream\.size\(\) != 1 \|\| upstream\[0\]\.upstreamProject != env\.PROMOTE_UPSTREAM_JOB\) \{\n\s+error\(/,
            ),
            at(/sh 'git merge-base --is-ancestor "\$PROMOTE_COMMIT" "refs\/remotes\/origin\/\$DEPLOY_BRANCH"'/),
            at(
                /crane config "\$PROMOTE_SOURCE_REPOSITORY_URL:\$IMAGE_TAG"[^\n]*\n\s+grep -q "\\\\"org\.opencontainers\.image\.revision\\\\":\\\\"\$PROMOTE_COMMIT\\\\"" \.image-config \|\| \{[^}]*exit 1; \}/,
            ),
        ];
        assert.deepStrictEqual(
            [...order].sort((a, b) => a - b),
            order,
            "checks out of order",
        );
        assert.strictEqual(containerAt(verify, order[3], "node"), "jnlp");
        assert.match(verify, /if \(!env\.PROMOTE_UPSTREAM_JOB\?\.trim\(\)\) error\(/, "an empty upstream would match a build with no upstream job");
        assert.match(
            approve,
            /input message: "Deploy \$\{params\.PROMOTE_COMMIT\} \\"\$\{env\.PROMOTE_SUBJECT\}\\" to \$\{env\.PROMOTE_STACK\}\?"/,
            "the approver sees the full commit and its subject",
        );
        assert.match(verify, /env\.PROMOTE_SUBJECT = sh\(returnStdout: true, script: 'git log -1 --format=%s "\$PROMOTE_COMMIT"'\)/);
        // The jobs fetch the deploy branch alone: the git plugin's default refspec fetches every branch head.
        const dsl: string = YAML.parse(
            pipelineJobScript({
                gitRepoUrl: "https://example.com/r.git",
                gitBranch: "release/1",
                promotionJobs: ["deploy/promote-staging", "deploy/promote-prod"],
            }),
        ).jobs[0].script;
        const jobs = dsl.slice(dsl.indexOf("pipelineJob("));
        assert.strictEqual(
            [...jobs.matchAll(/refspec\('\+refs\/heads\/release\/1:refs\/remotes\/origin\/release\/1'\)/g)].length,
            3,
            "the deploy job and each stage's promotion job",
        );
        // GitSCM's first clone ignores the refspec unless CloneOption.honorRefspec is set (git plugin CloneOption.java).
        for (const job of jobs.split(/\n(?=pipelineJob\()/)) {
            assert.match(job, /git \{[\s\S]*refspec\([\s\S]*extensions \{\s*cloneOptions \{\s*honorRefspec\(true\)/, "the first clone honours the refspec");
        }
    });

    // A4: pipeline-milestone-step MilestoneStepExecution.Listener.onCompleted cancels older builds whose last milestone
    // is not above the completing build's; without a lock a newer approved build fails on the stack lock and, ending,
    // kills the older one mid-`pulumi up`.
    it("promotes one build at a time, newest first, and no later build can cancel the one deploying", () => {
        const head = stageBlocks(promote)["Promote"].head;
        // Per stage, from the global environment: nothing adoptStage() sets at run time, which the options may precede.
        assert.match(head, /options \{\n\s+lock\(resource: "promote-\$\{stageValue\('STACK'\)\}", inversePrecedence: true\)\n\s+timeout\(/);
        const checkout = stageBlocks(promote)["Check out the commit"].text;
        assert.ok(/steps \{\n\s+milestone\(ordinal: 3\)/.test(checkout), "milestone 3 is the first step inside the lock");
        assert.ok(promote.indexOf("milestone(ordinal: 2)") < promote.indexOf("stage('Promote')"));
    });

    it("adopts exactly its stage's variables, found by its own job name, so no stage runs with another's", () => {
        assert.deepStrictEqual(
            adopted().sort(),
            Object.keys(STAGE_VARIABLES)
                .filter((k) => k !== "JOB")
                .sort(),
        );
        const env: Record<string, string> = { DEPLOY_JOB: JENKINS.deployJob, ...promotionEnv(promotionStages(STAGES, JENKINS.deployJob, DEV_REPOSITORY)) };
        // Each job finds its own stage's variables (their values per stage: components/cicd/cicd.test.ts).
        const stages = promotionStages(STAGES, JENKINS.deployJob, DEV_REPOSITORY);
        for (const stage of stages) {
            const own = Object.fromEntries(adopted().map((name) => [`PROMOTE_${name}`, stage[name as keyof PromotionVariables] ?? ""]));
            assert.deepStrictEqual(adoptedBy(stage.JOB, env), own, stage.JOB);
        }
        assert.deepStrictEqual(
            stages.map((s) => [s.JOB, s.UPSTREAM_JOB, s.NEXT_JOB]),
            [
                ["deploy/promote-staging", JENKINS.deployJob, "deploy/promote-prod"],
                ["deploy/promote-prod", "deploy/promote-staging", undefined],
            ],
        );
        for (const job of [JENKINS.deployJob, "eks-platform/main", "deploy/promote"]) assert.strictEqual(adoptedBy(job, env), undefined, job);
        // The deploy job starts the first stage (Jenkinsfile "Request promotion").
        assert.strictEqual(env.PROMOTE_JOB, "deploy/promote-staging");
    });

    it("starts the next stage only once its own stage deployed and passed its smoke test, with the same commit and no pod", () => {
        const next = stageBlocks(promote)["Request the next stage"];
        assert.match(
            next.head,
            /when \{ beforeAgent true; allOf \{ expression \{ promotes\(\) \}; expression \{ env\.PROMOTE_NEXT_JOB\?\.trim\(\) \? true : false \} \} \}/,
        );
        assert.doesNotMatch(next.head, /agent/);
        assert.match(
            next.text,
            /build job: "\/\$\{env\.PROMOTE_NEXT_JOB\}", wait: false, parameters: \[string\(name: 'PROMOTE_COMMIT', value: params\.PROMOTE_COMMIT\)\]/,
        );
        // A top-level stage after Promote: Declarative skips it once any earlier stage failed or was aborted.
        assert.ok(promote.indexOf("stage('Request the next stage')") > promote.indexOf("stage('Smoke test the stage')"));
        assert.strictEqual(promote.match(/build job:/g)?.length, 1, "no other stage starts a promotion");
    });
});
