/**
 * Versions: Kubernetes in standard support on the plan's date, add-ons pinned to a release EKS has for the
 * cluster's minor, charts, Jenkins plugins and the controller image pinned to real releases.
 */
import { ADDON_VERSIONS } from "../data/addon-versions";
import { EKS_VERSIONS } from "../data/eks-versions";
import { CHART_PINNED_PLUGINS, JENKINS_PLUGIN_RELEASES } from "../data/jenkins-plugins";
import { CHART_RELEASES, JENKINS_CONTROLLER_TAGS } from "../data/releases";
import { RecordedResource } from "../recorder";
import { ADDON, at, Check, chartOf, EKS_CLUSTER, HELM_RELEASE, label, releasesOf } from "./check";

const DAY = 24 * 60 * 60 * 1000;
/**
 * With upgradePolicy STANDARD (components/cluster/index.ts) EKS upgrades the control plane itself when standard support
 * ends, past the add-on pins and the node group: fail early enough to plan and run the upgrade first.
 */
export const UPGRADE_WARNING_DAYS = 30;

function kubernetes(cluster: RecordedResource, date: Date, lines: string[], problems: string[]): void {
    const version = String(cluster.inputs.version ?? "");
    const support = EKS_VERSIONS[version];
    if (!version) {
        problems.push(`${label(cluster)}: no Kubernetes version pinned; EKS would pick its default and upgrades would follow it`);
        return;
    }
    if (!support) {
        problems.push(`${label(cluster)}: Kubernetes ${version} is not an EKS version in offline/data/eks-versions.ts`);
        return;
    }
    const days = Math.floor((Date.parse(support.endOfStandardSupport) - date.getTime()) / DAY);
    const approx = support.approximate ? " (approximate)" : "";
    if (days < 0) {
        problems.push(
            `${label(cluster)}: Kubernetes ${version} left standard support on ${support.endOfStandardSupport}${approx}; extended support costs extra until ${support.endOfExtendedSupport}: upgrade`,
        );
    } else if (days < UPGRADE_WARNING_DAYS) {
        problems.push(
            `${label(cluster)}: Kubernetes ${version} leaves standard support on ${support.endOfStandardSupport}${approx} (${days} days): ` +
                'EKS then upgrades the control plane on its own (upgradePolicy STANDARD), ahead of the add-ons and nodes; upgrade now (README "Upgrades")',
        );
    } else {
        lines.push(`Kubernetes ${version}: standard support until ${support.endOfStandardSupport}${approx} (${days} days)`);
    }
}

function addon(r: RecordedResource, minor: string | undefined, lines: string[], problems: string[]): void {
    const name = String(r.inputs.addonName ?? "");
    const version = r.inputs.addonVersion;
    if (typeof version !== "string" || version === "" || version === "[unknown]") {
        problems.push(`${label(r)}: add-on ${name} has no pinned addonVersion; EKS installs whatever is default that day, so two deploys differ`);
        return;
    }
    if (!minor) return;
    const known = ADDON_VERSIONS[name]?.[minor];
    if (!known) problems.push(`${label(r)}: no known versions of add-on ${name} for Kubernetes ${minor} in offline/data/addon-versions.ts`);
    else if (!known.includes(version)) {
        problems.push(`${label(r)}: ${name} ${version} is not a known release for Kubernetes ${minor} (known: ${known.join(", ") || "none recorded"})`);
    } else lines.push(`add-on ${name} ${version}: known for Kubernetes ${minor}`);
}

function chart(r: RecordedResource, lines: string[], problems: string[]): void {
    const name = chartOf(r);
    const version = String(r.inputs.version ?? "");
    const repo = String(at(r.inputs, "repositoryOpts", "repo") ?? String(r.inputs.chart ?? "").replace(/\/[^/]+$/, ""));
    const known = CHART_RELEASES[name];
    if (!version) problems.push(`${label(r)}: chart ${name} has no pinned version; Helm would install the newest`);
    else if (!known) problems.push(`${label(r)}: chart ${name} is not in offline/data/releases.ts`);
    else if (!known.versions.includes(version))
        problems.push(`${label(r)}: chart ${name} ${version} is not a known release (known: ${known.versions.join(", ")})`);
    else if (!known.repos.includes(repo)) problems.push(`${label(r)}: chart ${name} is published at ${known.repos.join(" or ")}, not ${repo}`);
    else lines.push(`chart ${name} ${version} from ${repo}: known release`);
}

/** controller.installPlugins entries are "id:version" (charts/jenkins/templates/config.yaml writes them to plugins.txt). */
function plugins(r: RecordedResource, lines: string[], problems: string[]): void {
    const pins = at(r.inputs, "values", "controller", "installPlugins");
    if (!Array.isArray(pins)) return;
    const unknown: string[] = [];
    for (const pin of pins.map(String)) {
        const [id, version] = pin.split(":");
        const releases = JENKINS_PLUGIN_RELEASES[id];
        if (!version || version === "latest") problems.push(`${label(r)}: Jenkins plugin ${id} is not pinned to a version`);
        else if (!releases && CHART_PINNED_PLUGINS[id] !== version)
            problems.push(`${label(r)}: no release data for Jenkins plugin ${id} in offline/data/jenkins-plugins.ts; add it with its source`);
        else if (CHART_PINNED_PLUGINS[id] !== version && !(version in releases.versions)) {
            unknown.push(pin);
            problems.push(
                `${label(r)}: Jenkins plugin ${pin} was never released (${id} releases since 2024 in ${releases.repo}: newest ${Object.keys(releases.versions)[0]})`,
            );
        }
    }
    lines.push(`Jenkins plugins: ${pins.length - unknown.length} of ${pins.length} pinned to known releases`);
    const tag = at(r.inputs, "values", "controller", "image", "tag");
    if (tag !== undefined) {
        if (JENKINS_CONTROLLER_TAGS.includes(String(tag))) lines.push(`Jenkins controller image ${tag}: known release`);
        else problems.push(`${label(r)}: Jenkins controller image tag ${tag} is not a known release (known: ${JENKINS_CONTROLLER_TAGS.join(", ")})`);
    }
}

export const versions: Check = ({ resources, date }) => {
    const lines: string[] = [];
    const problems: string[] = [];
    const clusters = resources.filter((r) => r.type === EKS_CLUSTER);
    clusters.forEach((c) => kubernetes(c, date, lines, problems));
    // Add-ons run on one cluster per stack; its minor decides which add-on builds exist.
    const minor = clusters.length === 1 ? String(clusters[0].inputs.version ?? "") || undefined : undefined;
    resources.filter((r) => r.type === ADDON).forEach((a) => addon(a, minor, lines, problems));
    resources.filter((r) => r.type === HELM_RELEASE).forEach((r) => chart(r, lines, problems));
    releasesOf(resources, "jenkins").forEach((r) => plugins(r, lines, problems));
    return { check: "versions", lines, problems };
};
