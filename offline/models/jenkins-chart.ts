/**
 * What the Jenkins chart (jenkinsci/helm-charts charts/jenkins, tag jenkins-5.9.53, commit 22055414) renders from
 * the values that decide the controller's credentials, and what the kubernetes plugin makes of an agent pod template.
 * Only these parts are modelled; line numbers are those of the files at that tag.
 */
import * as YAML from "yaml";

export interface JenkinsAdminValues {
    createSecret?: boolean;
    existingSecret?: string;
    userKey?: string;
    passwordKey?: string;
}

export interface JenkinsChartValues {
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
const DEFAULT_ADMIN: Required<JenkinsAdminValues> = { createSecret: true, existingSecret: "", userKey: "jenkins-admin-user", passwordKey: "jenkins-admin-password" };
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
    if (casc.defaultConfig !== false && !realmInScripts) texts.push(`jenkins:\n  securityRealm:\n${(casc.securityRealm ?? DEFAULT_SECURITY_REALM).replace(/^/gm, "    ")}`);
    return texts;
}

/** `${name}` references JCasC resolves; `^${` is its escape and is no reference. */
export function jcascVariables(text: string): string[] {
    return [...text.matchAll(/(?<!\^)\$\{([^}]+)\}/g)].map((m) => m[1]);
}

/**
 * Variables the controller's JCasC reads that no mounted file provides. JCasC resolves such a variable to an empty
 * string (with only a log warning), so a security realm reading them has a user with an empty id and password.
 * `secretKeys` lists the keys each existing Secret holds, for files mounted whole.
 */
export function unresolvedJcascVariables(releaseName: string, values: JenkinsChartValues, secretKeys: Record<string, string[]> = {}): string[] {
    const provided = new Set(controllerSecretFiles(releaseName, values).flatMap((f) => (f.file === "*" ? secretKeys[f.secret] ?? [] : [f.file])));
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
export function agentPodRequests(podTemplatesYaml: string, label: string): PodRequests {
    const templates = YAML.parse(podTemplatesYaml) as { label?: string; containers?: Record<string, string>[] }[];
    const template = templates.find((t) => t.label === label);
    if (!template) throw new Error(`no pod template labelled ${label}`);
    const containers = template.containers ?? [];
    const total = containers.reduce((sum, c) => ({
        cpuMillis: sum.cpuMillis + millis(c.resourceRequestCpu),
        memoryMiB: sum.memoryMiB + mebibytes(c.resourceRequestMemory),
    }), { cpuMillis: 0, memoryMiB: 0 });
    if (!containers.some((c) => c.name === "jnlp")) return { cpuMillis: total.cpuMillis + 100, memoryMiB: total.memoryMiB + 256 };
    return total;
}
