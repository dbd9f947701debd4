/**
 * Promotion: the ordered stages the pipeline of the stack that runs Jenkins promotes one image through after its own
 * deploy (dev -> staging -> prod). Each stage is another stack (its outputs: deploy role, repository, app URL) and who
 * may approve a deploy to it. Joined into config/schema.ts's SCHEMA as PROMOTION_KEYS; parsePromotions checks them.
 */
import { checkArn, checkEcrRepositoryUrl, checkHttpsUrl, Partition, stackNameProblem } from "./checks";
import { Problems } from "./problems";
import { shortStackName } from "./profiles";
import { fixed, isStringMap, list, optional, ParseContext, Parser } from "./spec";

/** One stage as the stack file states it: the target stack's outputs, and its approvers when not the default ones. */
export interface PromotionEntry {
    stack: string;
    deployRoleArn: string;
    repositoryUrl: string;
    appUrl: string;
    approvers?: string[];
}

/** A stage the pipeline deploys to, in order; approvers are the `input` step's submitters for it. */
export interface PromotionStage {
    stack: string;
    deployRoleArn: string;
    repositoryUrl: string;
    appUrl: string;
    approvers: readonly string[];
}

const FIELDS = ["stack", "deployRoleArn", "repositoryUrl", "appUrl"] as const;
const FORM = '[{"stack", "deployRoleArn", "repositoryUrl", "appUrl", "approvers"?: [...]}, ...] (each target stack\'s outputs, in promotion order)';

function isEntry(v: unknown): v is PromotionEntry {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
    const { approvers, ...rest } = v as Record<string, unknown>;
    const approversOk = approvers === undefined || (Array.isArray(approvers) && approvers.every((a) => typeof a === "string"));
    return (
        approversOk &&
        isStringMap(rest) &&
        FIELDS.every((k) => typeof rest[k] === "string") &&
        Object.keys(rest).every((k) => (FIELDS as readonly string[]).includes(k))
    );
}

/**
 * The stages, in order. A single object, the form before stages, is still read as a list of one: it meant exactly
 * that (one stack after this one), so a stack file written for it keeps its meaning.
 */
const stages: Parser<PromotionEntry[]> = (raw, at) => {
    let value: unknown;
    try {
        value = JSON.parse(raw);
    } catch {
        // reported below
    }
    const entries = Array.isArray(value) ? value : [value];
    if (entries.every(isEntry)) return entries;
    at.problems.add(at.key, `must be a JSON list of stages ${FORM}, got ${raw}`);
    return undefined;
};

/** The `input` step's submitter is a comma-separated list: a comma or space inside a name would split or break it. */
function checkApprover(at: ParseContext, a: string): void {
    if (!/^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(a)) at.problems.add(at.key, `"${a}" is not a Jenkins user id or group name (letters, digits, . _ @ -)`);
    // Jenkins' built-in groups: every logged-in user, or nobody.
    if (["authenticated", "anonymous"].includes(a.toLowerCase())) at.problems.add(at.key, `"${a}" is a built-in group (every user or none), not an approver`);
}

export const PROMOTION_KEYS = {
    "cicd:promoteTo": optional(
        "The stages the pipeline promotes the image through after this stack's deploy, in order: a JSON list of `{stack, deployRoleArn, repositoryUrl, appUrl}` (each target stack's outputs) with optional `approvers`; one stage is started only by the previous one's success; only where Jenkins runs. A single object is read as one stage.",
        stages,
    ),
    "cicd:promoteApprovers": fixed(
        "Jenkins user ids or groups who may approve a promotion to a stage of cicd:promoteTo that lists no `approvers` of its own (the `input` step's submitter).",
        list("a JSON list of Jenkins user ids or groups", checkApprover),
        [] as string[],
    ),
};

/**
 * The stages as the pipeline runs them, each checked: the target's outputs, approvers (its own, else
 * cicd:promoteApprovers; none would let anyone who may build the job approve), no stack twice, not this stack.
 */
export function parsePromotions(
    problems: Problems,
    entries: readonly PromotionEntry[] | undefined,
    defaultApprovers: readonly string[],
    stack: string,
    jenkins: boolean,
    partition: Partition,
): PromotionStage[] {
    if (!entries) return [];
    if (!jenkins) {
        problems.add("cicd:promoteTo", "is set, but this stack runs no Jenkins (cicd:jenkins false): only the stack whose pipeline deploys first promotes");
        return [];
    }
    const seen = new Set<string>();
    return entries.map((entry, i) => {
        const key = (field: string) => `cicd:promoteTo[${i}].${field}`;
        const stackProblem = stackNameProblem(entry.stack);
        if (stackProblem) problems.add(key("stack"), stackProblem);
        const name = shortStackName(entry.stack);
        if (name === shortStackName(stack)) problems.add(key("stack"), `"${entry.stack}" is this stack: a pipeline promotes to the stacks after its own`);
        else if (seen.has(name)) problems.add(key("stack"), `"${entry.stack}" is a stage already: each stack is one stage (and one promotion job)`);
        seen.add(name);
        checkArn(problems, key("deployRoleArn"), entry.deployRoleArn, partition, ["role"]);
        checkEcrRepositoryUrl(problems, key("repositoryUrl"), entry.repositoryUrl, partition);
        checkHttpsUrl(problems, key("appUrl"), entry.appUrl);
        for (const a of entry.approvers ?? []) checkApprover({ problems, key: key("approvers"), partition }, a);
        const approvers = entry.approvers ?? defaultApprovers;
        if (approvers.length === 0) {
            problems.add(
                entry.approvers ? key("approvers") : "cicd:promoteApprovers",
                `is required for stage ${entry.stack}: the Jenkins users or groups who may approve a promotion (otherwise anyone who may build the job could)`,
            );
        }
        return { stack: entry.stack, deployRoleArn: entry.deployRoleArn, repositoryUrl: entry.repositoryUrl, appUrl: entry.appUrl, approvers };
    });
}
