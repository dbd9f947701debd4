/**
 * What the Jenkins chart (jenkinsci/helm-charts charts/jenkins, tag jenkins-5.9.53, commit 22055414) renders from
 * the values that decide the controller's credentials, and what the kubernetes plugin makes of an agent pod template.
 * Only these parts are modelled; line numbers are those of the files at that tag.
 */
import * as YAML from "yaml";
import { RejectedByUpstream } from "./ids";

export interface JenkinsAdminValues {
    createSecret?: boolean;
    existingSecret?: string;
    userKey?: string;
    passwordKey?: string;
}

export interface JenkinsChartValues {
    kubernetesURL?: string;
    credentialsId?: string;
    agent?: { skipTlsVerify?: boolean };
    additionalClouds?: Record<string, { kubernetesURL?: string; credentialsId?: string; agent?: { skipTlsVerify?: boolean } }>;
    fullnameOverride?: string;
    nameOverride?: string;
    controller?: {
        admin?: JenkinsAdminValues;
        existingSecret?: string;
        additionalExistingSecrets?: { name: string; keyName: string }[];
        additionalSecrets?: { name: string; value: string }[];
        JCasC?: { defaultConfig?: boolean; configScripts?: Record<string, string>; securityRealm?: string };
    };
}

/** values.yaml l.85-103 and l.547-554: the admin defaults and the default JCasC security realm. */
const DEFAULT_ADMIN: Required<JenkinsAdminValues> = {
    createSecret: true,
    existingSecret: "",
    userKey: "jenkins-admin-user",
    passwordKey: "jenkins-admin-password",
};
const DEFAULT_SECURITY_REALM = `local:
  allowsSignup: false
  enableCaptcha: false
  users:
  - id: "\${chart-admin-username}"
    name: "Jenkins Admin"
    password: "\${chart-admin-password}"`;

/** Where the controller container sees the projected Secret volume (statefulset l.216-219 and l.309-313). */
export const SECRETS_DIR = "/run/secrets/additional";

/** templates/_helpers.tpl l.61-72 (`jenkins.fullname`). */
export function jenkinsFullname(releaseName: string, values: JenkinsChartValues): string {
    if (values.fullnameOverride) return values.fullnameOverride.slice(0, 63).replace(/-$/, "");
    const name = values.nameOverride || "jenkins";
    return (releaseName.includes(name) ? releaseName : `${releaseName}-${name}`).slice(0, 63).replace(/-$/, "");
}

/** One file in the controller's secrets directory; `key: "*"` mounts every key of the Secret under its own name. */
export interface SecretFile {
    secret: string;
    key: string;
    file: string;
}

/**
 * The `jenkins-secrets` projected volume of the controller StatefulSet (jenkins-controller-statefulset.yaml
 * l.369-399): rendered only if one of additionalSecrets, existingSecret, additionalExistingSecrets or
 * admin.createSecret is set; the admin Secret's keys are projected only when admin.createSecret is true (l.386-394).
 */
export function controllerSecretFiles(releaseName: string, values: JenkinsChartValues): SecretFile[] {
    const c = values.controller ?? {};
    const admin = { ...DEFAULT_ADMIN, ...c.admin };
    const fullname = jenkinsFullname(releaseName, values);
    const files: SecretFile[] = [];
    for (const s of c.additionalSecrets ?? []) files.push({ secret: `${fullname}-additional-secrets`, key: s.name, file: s.name });
    for (const s of c.additionalExistingSecrets ?? []) files.push({ secret: s.name, key: s.keyName, file: `${s.name}-${s.keyName}` });
    if (admin.createSecret) {
        const secret = admin.existingSecret || fullname;
        files.push({ secret, key: admin.userKey || DEFAULT_ADMIN.userKey, file: "chart-admin-username" });
        files.push({ secret, key: admin.passwordKey || DEFAULT_ADMIN.passwordKey, file: "chart-admin-password" });
    }
    if (c.existingSecret) files.push({ secret: c.existingSecret, key: "*", file: "*" });
    return files;
}

/** templates/secret.yaml l.1-14: the chart makes its own admin Secret only without an existingSecret. */
export function chartAdminSecret(releaseName: string, values: JenkinsChartValues): { name: string; keys: string[] } | undefined {
    const admin = { ...DEFAULT_ADMIN, ...values.controller?.admin };
    if (admin.existingSecret || !admin.createSecret) return undefined;
    return { name: jenkinsFullname(releaseName, values), keys: ["jenkins-admin-password", "jenkins-admin-user"] };
}

/**
 * The JCasC texts the controller loads: the default config with the security realm unless a configScript defines
 * one (_helpers.tpl l.119-129, jcasc-config.yaml l.23-40), plus every configScript.
 */
export function jcascTexts(values: JenkinsChartValues): string[] {
    const casc = values.controller?.JCasC ?? {};
    const scripts = Object.values(casc.configScripts ?? {});
    const texts = [...scripts];
    const realmInScripts = YAML.stringify(casc.configScripts ?? {}).includes("securityRealm:");
    if (casc.defaultConfig !== false && !realmInScripts)
        texts.push(`jenkins:\n  securityRealm:\n${(casc.securityRealm ?? DEFAULT_SECURITY_REALM).replace(/^/gm, "    ")}`);
    return texts;
}

/**
 * JCasC's interpolation (jenkinsci/configuration-as-code-plugin plugin/src/main/java/io/jenkins/plugins/casc/
 * SecretSourceResolver.java, tag 2115.vf6de120eef70): `${name}` is a variable, `${base64:...}` / `${decodeBase64:...}`
 * transform what follows the colon after resolving variables nested in it (setEnableSubstitutionInVariables), and
 * `^${` escapes a literal `${`. An unknown variable resolves to "" with a warning.
 */
const LOOKUPS: Record<string, (v: string) => string> = {
    base64: (v) => Buffer.from(v, "utf8").toString("base64"),
    decodeBase64: (v) => Buffer.from(v, "base64").toString("utf8"),
};

/** Each `${...}` of the text that JCasC interpolates: its start, end and content, nested braces included. */
function references(text: string): { start: number; end: number; content: string }[] {
    const out: { start: number; end: number; content: string }[] = [];
    for (let i = 0; i < text.length - 1; i++) {
        if (text[i] !== "$" || text[i + 1] !== "{" || text[i - 1] === "^") continue;
        let depth = 0;
        let j = i + 1;
        for (; j < text.length; j++) {
            if (text[j] === "{") depth++;
            else if (text[j] === "}" && --depth === 0) break;
        }
        out.push({ start: i, end: j + 1, content: text.slice(i + 2, j) });
        i = j;
    }
    return out;
}

const lookupOf = (content: string) => /^(\w+):/.exec(content)?.[1];

/** The variables the text reads, those nested in lookups included. */
export function jcascVariables(text: string): string[] {
    return references(text).flatMap(({ content }) => {
        const lookup = lookupOf(content);
        return lookup && LOOKUPS[lookup] ? jcascVariables(content.slice(lookup.length + 1)) : [content];
    });
}

/** The text as JCasC hands it on, given the variables' values. */
export function resolveJcasc(text: string, variables: Record<string, string>): string {
    let out = "";
    let at = 0;
    for (const r of references(text)) {
        const lookup = lookupOf(r.content);
        const value = lookup && LOOKUPS[lookup] ? LOOKUPS[lookup](resolveJcasc(r.content.slice(lookup.length + 1), variables)) : (variables[r.content] ?? "");
        out += text.slice(at, r.start).replace(/\^\$\{/g, "${") + value;
        at = r.end;
    }
    return out + text.slice(at).replace(/\^\$\{/g, "${");
}

/**
 * The credential ids a build of `item` (a job path: "eks-platform/PR-1", "deploy/eks-platform") may bind with
 * withCredentials: the global store's GLOBAL-scoped ones (credentials-plugin SystemCredentialsProvider; SYSTEM scope is
 * Jenkins' own) and those of each folder containing the item (cloudbees-folder 6.1100 FolderCredentialsProvider
 * getCredentialsInItem / getCredentialsInItemGroup walk the item's parents; a multibranch job is such a folder).
 * Folder stores are read from the Job DSL's `folderCredentialsProperty` blocks.
 */
export function credentialsVisibleTo(values: JenkinsChartValues, item: string): string[] {
    const scripts = Object.values(values.controller?.JCasC?.configScripts ?? {}).map((t) => YAML.parse(t.replace(/\{\{ "\{\{" \}\}/g, "{{")) ?? {});
    const global = scripts
        .flatMap((doc: any) => (doc.credentials?.system?.domainCredentials ?? []).flatMap((d: any) => d.credentials ?? []))
        .map((c: any) => Object.values<any>(c)[0])
        .filter((c) => (c.scope ?? "GLOBAL") === "GLOBAL")
        .map((c) => String(c.id));
    const ancestors = item.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
    const folders = scripts
        .flatMap((doc: any) => (doc.jobs ?? []).map((j: any) => String(j.script ?? "")))
        .flatMap(folderStores)
        .filter((f) => ancestors.includes(f.folder))
        .flatMap((f) => f.ids);
    return [...new Set([...global, ...folders])];
}

/** `folder('x') { ... folderCredentialsProperty { ... id('y') ... } }` and the like, top-level items of a Job DSL script. */
function folderStores(dsl: string): { folder: string; ids: string[] }[] {
    const literal = (s: string) => s.replace(/\\(.)/g, "$1");
    const out: { folder: string; ids: string[] }[] = [];
    for (const m of dsl.matchAll(/^(folder|multibranchPipelineJob|organizationFolder)\('((?:[^'\\]|\\.)*)'\) \{$/gm)) {
        let depth = 0;
        let j = m.index + m[0].length - 1;
        for (; j < dsl.length; j++) {
            if (dsl[j] === "'") {
                for (j++; j < dsl.length && dsl[j] !== "'"; j++) if (dsl[j] === "\\") j++;
                continue;
            }
            if (dsl[j] === "{") depth++;
            else if (dsl[j] === "}" && --depth === 0) break;
        }
        const block = dsl.slice(m.index, j + 1);
        const store = block.indexOf("folderCredentialsProperty {");
        if (store < 0) continue;
        const ids = [...block.slice(store).matchAll(/\bid\('((?:[^'\\]|\\.)*)'\)/g)].map((x) => literal(x[1]).replace(/\^\$\{/g, "${"));
        out.push({ folder: literal(m[2]).replace(/\^\$\{/g, "${"), ids });
    }
    return out;
}

/**
 * Variables the controller's JCasC reads that no mounted file provides. JCasC resolves such a variable to an empty
 * string (with only a log warning), so a security realm reading them has a user with an empty id and password.
 * `secretKeys` lists the keys each existing Secret holds, for files mounted whole.
 */
export function unresolvedJcascVariables(releaseName: string, values: JenkinsChartValues, secretKeys: Record<string, string[]> = {}): string[] {
    const provided = new Set(controllerSecretFiles(releaseName, values).flatMap((f) => (f.file === "*" ? (secretKeys[f.secret] ?? []) : [f.file])));
    return [...new Set(jcascTexts(values).flatMap(jcascVariables))].filter((v) => !provided.has(v));
}

export interface PodRequests {
    cpuMillis: number;
    memoryMiB: number;
}

function millis(cpu: string | undefined): number {
    if (!cpu) return 0;
    return cpu.endsWith("m") ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000;
}

function mebibytes(memory: string | undefined): number {
    if (!memory) return 0;
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)?$/.exec(memory);
    if (!m) throw new Error(`memory quantity ${memory} is not modelled`);
    const perUnit: Record<string, number> = { "": 1 / (1024 * 1024), Ki: 1 / 1024, Mi: 1, Gi: 1024 };
    return Number(m[1]) * perUnit[m[2] ?? ""];
}

/**
 * The requests of the pod the kubernetes plugin builds from one JCasC pod template (jenkinsci/kubernetes-plugin
 * PodTemplateBuilder.java, tag 4423.vb_59f230b_ce53 l.310-420 and l.509-590): each container asks for its
 * resourceRequest* (none if unset); if no container is named jnlp the plugin adds one asking for 100m / 256Mi
 * (DEFAULT_JNLP_CONTAINER_CPU_REQUEST / _MEMORY_REQUEST, l.128-131). The template's jnlp, if any, keeps its own.
 */
export function agentPodRequests(podTemplatesYaml: string, name: string): PodRequests {
    // By name, as `inheritFrom` finds a template (PodTemplateUtils.getTemplateByName); a template may have no label.
    const templates = YAML.parse(podTemplatesYaml) as { name?: string; containers?: Record<string, string>[] }[];
    const template = templates.find((t) => t.name === name);
    if (!template) throw new Error(`no pod template named ${name}`);
    const containers = template.containers ?? [];
    const total = containers.reduce(
        (sum, c) => ({
            cpuMillis: sum.cpuMillis + millis(c.resourceRequestCpu),
            memoryMiB: sum.memoryMiB + mebibytes(c.resourceRequestMemory),
        }),
        { cpuMillis: 0, memoryMiB: 0 },
    );
    if (!containers.some((c) => c.name === "jnlp")) return { cpuMillis: total.cpuMillis + 100, memoryMiB: total.memoryMiB + 256 };
    return total;
}

/** A kubernetes cloud as the chart renders it into JCasC: the fields that decide how the plugin reaches the API. */
export interface RenderedCloud {
    name: string;
    serverUrl: string;
    credentialsId: string;
    skipTlsVerify: boolean;
}

/**
 * The clouds of templates/_helpers.tpl (jenkins-5.9.53) l.180-200 and l.247-304: the default cloud renders the root
 * `kubernetesURL` (values.yaml l.24, "https://kubernetes.default") and `credentialsId`; each additionalClouds entry is
 * `merge $additionalCloud $newRoot.Values` (sprig merge, mergo without override): a value the cloud leaves empty,
 * "" included, is filled from the root, so only the root's `kubernetesURL: ""` makes a cloud's serverUrl empty. The
 * chart has no value for a server certificate (no serverCertificate is rendered).
 */
export function renderedClouds(values: JenkinsChartValues & { controller?: { cloudName?: string } }): RenderedCloud[] {
    const rootUrl = values.kubernetesURL ?? "https://kubernetes.default";
    const rootCredentials = values.credentialsId ?? "";
    const rootSkip = values.agent?.skipTlsVerify ?? false;
    const filled = (own: string | undefined, root: string) => own || root;
    return [
        { name: values.controller?.cloudName ?? "kubernetes", serverUrl: rootUrl, credentialsId: rootCredentials, skipTlsVerify: rootSkip },
        ...Object.entries(values.additionalClouds ?? {}).map(([name, c]) => ({
            name,
            serverUrl: filled(c.kubernetesURL, rootUrl),
            credentialsId: filled(c.credentialsId, rootCredentials),
            skipTlsVerify: c.agent?.skipTlsVerify || rootSkip,
        })),
    ];
}

/**
 * jenkinsci/kubernetes-plugin KubernetesFactoryAdapter.createClient (a82d78a0, l.170-197): with a blank server URL the
 * client auto-configures in the pod (API address and service-account CA), and credentials only replace the token;
 * with a server URL *and* credentials it starts from Config.empty(): no CA unless the cloud has a serverCertificate.
 * EKS's API certificate is signed by the cluster's own CA, so the JVM truststore refuses it (PKIX path building
 * failed) and no agent pod ever starts.
 */
export function checkCloudsReachApi(values: JenkinsChartValues): void {
    for (const c of renderedClouds(values)) {
        if (c.serverUrl.trim() && c.credentialsId.trim() && !c.skipTlsVerify) {
            throw new RejectedByUpstream(
                "kubernetes:helm.sh/v3:Release",
                `Jenkins cloud ${c.name}: serverUrl ${c.serverUrl} with credentialsId ${c.credentialsId} and no server certificate: ` +
                    "the kubernetes plugin builds its client from Config.empty() and cannot verify the API server's certificate (PKIX path building failed)",
            );
        }
    }
}

/** values.yaml l.558-560: the chart's default strategy, which makes every logged-in user an administrator. */
const DEFAULT_AUTHORIZATION = { loggedInUsersCanDoAnything: { allowAnonymousRead: false } };

/**
 * The authorization strategy the controller runs with: a configScript's `jenkins.authorizationStrategy`, else the
 * chart's default (_helpers.tpl jenkins.casc.defaults l.122-125 skips it when a configScript contains
 * "authorizationStrategy:").
 */
export function authorizationStrategyOf(values: JenkinsChartValues): Record<string, any> {
    const scripts = Object.values(values.controller?.JCasC?.configScripts ?? {}).map((t) => YAML.parse(t.replace(/\{\{ "\{\{" \}\}/g, "{{")) ?? {});
    return scripts.map((doc: any) => doc.jenkins?.authorizationStrategy).find((s) => s) ?? DEFAULT_AUTHORIZATION;
}

/**
 * Whether a logged-in user (member of `groups` besides the built-in `authenticated`) holds a permission globally, by
 * loggedInUsersCanDoAnything (every permission) or a matrix-auth 3.x globalMatrix (entries by user or group;
 * Overall/Administer implies every permission).
 */
export function hasPermission(values: JenkinsChartValues, user: string, groups: string[], permission: string): boolean {
    const strategy = authorizationStrategyOf(values);
    if (strategy.loggedInUsersCanDoAnything) return true;
    if (!strategy.globalMatrix) throw new Error(`authorization strategy ${Object.keys(strategy)} is not modelled`);
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    const mine = (strategy.globalMatrix.entries as any[]).filter(
        (e) => (e.user && same(e.user.name, user)) || (e.group && ["authenticated", ...groups].some((g) => same(e.group.name, g))),
    );
    const granted = mine.flatMap((e) => (e.user ?? e.group).permissions as string[]);
    return granted.includes("Overall/Administer") || granted.includes(permission);
}

/**
 * Whether the user may settle an `input` with this submitter list: jenkinsci/pipeline-input-step-plugin
 * InputStepExecution.canSettle (d2b888d, l.379-396) lets any Overall/Administer holder through before it reads the
 * list, then matches the user id or any of the user's groups, case-insensitively by default.
 */
export function canSettleInput(values: JenkinsChartValues, user: string, groups: string[], submitter: string): boolean {
    if (hasPermission(values, user, groups, "Overall/Administer")) return true;
    const submitters = submitter.split(",").map((s) => s.trim().toLowerCase());
    return [user, "authenticated", ...groups].some((name) => submitters.includes(name.toLowerCase()));
}
