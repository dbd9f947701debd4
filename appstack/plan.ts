/**
 * The app stack evaluated offline: the SSM parameters the platform stack's plan creates are made to exist in the
 * SSM model (offline/mocks.ts), then appstack/index.ts runs under the same mocks, as `pulumi up` of the app stack would.
 */
import * as fs from "fs";
import * as path from "path";
import { parseAppConfig } from "../config/app";
import { shortStackNameProblem } from "../config/checks";
import { readStackFile, StackFileError } from "../config/stack-file";
import { Plan, projectName, resolveOutput } from "../offline/plan";
import { forgetParameters, publishParameters } from "../offline/mocks";
import { installMocks, RecordedResource } from "../offline/recorder";

export const APP_DIR = __dirname;
export const APP_PROGRAM = path.join(APP_DIR, "index.ts");

/** How a DIY backend names a stack, as app:platformStack does (it has no organizations: always "organization"). */
export function qualifiedStackName(project: string, stack: string): string {
    return `organization/${project}/${stack}`;
}

/** Reads appstack/Pulumi.<stack>.yaml the way the CLI hands it to the program (no secrets: the app stack has none). */
export function readAppStackConfig(stack: string, overrides: Record<string, string> = {}, dir = APP_DIR): Record<string, string> {
    const problem = shortStackNameProblem(stack);
    if (problem) throw new StackFileError(problem);
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new StackFileError(`no app stack file ${path.relative(process.cwd(), file) || file}`);
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(readStackFile(file))) {
        values[key] = typeof value === "string" ? value : value === null ? "" : JSON.stringify(value);
    }
    return { ...values, ...overrides };
}

/**
 * Evaluates the app stack `stack` on the planned platform stack `platform`: only what the platform hands over reaches
 * it, through the SSM parameters its plan creates (in the platform's region) and nothing else of the account. Config is validated first; a model's refusal fails the evaluation as the real up would.
 */
export async function evaluateApp(stack: string, values: Record<string, string>, platform: Plan): Promise<Plan> {
    const project = projectName(APP_DIR);
    parseAppConfig(values, stack);
    const region = String(platform.outputs.region);
    forgetParameters();
    publishParameters(platform.resources, region);
    const recorder = await installMocks({ project, stack, region, config: values });
    const failures: unknown[] = [];
    const onRejection = (err: unknown) => failures.push(err);
    process.on("unhandledRejection", onRejection);
    try {
        delete require.cache[require.resolve(APP_PROGRAM)];
        const program = require(APP_PROGRAM) as () => Promise<Record<string, unknown>>;
        let exported: Record<string, unknown> = {};
        try {
            exported = await program();
        } catch (err) {
            failures.push(err);
        }
        await recorder.settle();
        if (recorder.failures.length > 0) {
            throw new Error(`the real deploy would fail:\n${recorder.failures.map((f) => `  - ${f.type} ${f.name}: ${f.message}`).join("\n")}`);
        }
        if (failures.length > 0) throw failures[0];
        const outputs: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(exported)) outputs[key] = await resolveOutput(value);
        await recorder.settle();
        return { project, stack, resources: [...recorder.records], outputs, placeholders: [] };
    } finally {
        process.off("unhandledRejection", onRejection);
    }
}

/**
 * Both layers as one cluster holds them. A namespaced object goes when its namespace goes, and waits for what the
 * namespace waited for: so each app resource in a platform namespace takes that Namespace, and its dependencies,
 * as its own (what the policies and preflight's ordering checks judge).
 */
export function onOneCluster(platform: RecordedResource[], app: RecordedResource[]): RecordedResource[] {
    const namespaces = new Map(
        platform.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => [String((r.inputs.metadata as { name?: string } | undefined)?.name), r]),
    );
    const placed = app.map((r) => {
        const ns = namespaces.get(String((r.inputs.metadata as { namespace?: string } | undefined)?.namespace));
        return ns ? { ...r, dependencies: [...new Set([...r.dependencies, ns.urn, ...ns.dependencies])] } : r;
    });
    return [...platform, ...placed];
}
