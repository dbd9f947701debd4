import * as assert from "assert";
import * as path from "path";
import { ESLint } from "eslint";

const ROOT = path.resolve(__dirname, "../..");
const SNIPPET = ['import * as k8s from "@pulumi/kubernetes";', 'export const config = new k8s.core.v1.ConfigMap("c", { data: { a: "b" } });', ""].join("\n");
const NEW_MESSAGE = "Make Kubernetes objects with the cluster handle (handle.object / handle.release), which adds what their kind must wait for.";
const ALIAS_MESSAGE = "Pass the Kubernetes class to handle.object instead of holding it in a variable, where `new` escapes this rule.";
const IMPORT_MESSAGE = 'Import @pulumi/kubernetes only as `import * as k8s from "@pulumi/kubernetes"`, so that this rule sees every `new k8s.*`.';

/**
 * What no-restricted-syntax says of a snippet under the repository's eslint.config.mjs, as if it were the file at
 * `file` (an existing one, so a type-aware config finds it in the project).
 */
async function restricted(file: string, snippet = SNIPPET): Promise<string[]> {
    const [result] = await new ESLint({ cwd: ROOT }).lintText(snippet, { filePath: path.join(ROOT, file) });
    return result.messages.filter((m) => m.ruleId === "no-restricted-syntax").map((m) => m.message);
}

const lines = (...l: string[]) => [...l, ""].join("\n");

describe("lint: Kubernetes objects come from the cluster handle", () => {
    it("fails `new k8s.*` in a component", async () => {
        assert.deepStrictEqual(await restricted("components/webapp/index.ts"), [NEW_MESSAGE]);
    });

    it("allows it in components/shared, where the handle makes them", async () => {
        assert.deepStrictEqual(await restricted("components/shared/helm.ts"), []);
    });

    it("fails it in the Cluster and the app stack, which may only make a Provider (under a disable comment)", async () => {
        assert.deepStrictEqual(await restricted("components/cluster/index.ts"), [NEW_MESSAGE]);
        assert.deepStrictEqual(await restricted("appstack/program.ts"), [NEW_MESSAGE]);
    });

    it("fails a named import, whose classes `new` would make unseen", async () => {
        const snippet = lines('import { core } from "@pulumi/kubernetes";', 'export const s = new core.v1.Service("s", {});');
        assert.deepStrictEqual(await restricted("components/webapp/index.ts", snippet), [IMPORT_MESSAGE]);
    });

    it("fails a namespace import under another name", async () => {
        const snippet = lines('import * as kube from "@pulumi/kubernetes";', 'export const s = new kube.core.v1.Service("s", {});');
        assert.deepStrictEqual(await restricted("components/webapp/index.ts", snippet), [IMPORT_MESSAGE]);
    });

    it("fails a default import and a subpath import", async () => {
        const snippet = lines('import kube from "@pulumi/kubernetes";', 'import * as core from "@pulumi/kubernetes/core";', "export const _ = [kube, core];");
        assert.deepStrictEqual(await restricted("components/webapp/index.ts", snippet), [IMPORT_MESSAGE, IMPORT_MESSAGE]);
    });

    it("fails a class held in a variable", async () => {
        const snippet = lines('import * as k8s from "@pulumi/kubernetes";', "const S = k8s.core.v1.Service;", 'export const s = new S("s", {});');
        assert.deepStrictEqual(await restricted("components/webapp/index.ts", snippet), [ALIAS_MESSAGE]);
    });

    it("allows a class passed to the handle", async () => {
        const snippet = lines(
            'import * as k8s from "@pulumi/kubernetes";',
            'import { ClusterHandle } from "../shared/cluster-handle";',
            "export function make(handle: ClusterHandle) {",
            '    return handle.object(k8s.core.v1.ConfigMap, "c", { data: { a: "b" } }, {});',
            "}",
        );
        assert.deepStrictEqual(await restricted("components/webapp/index.ts", snippet), []);
    });
});
