import * as assert from "assert";
import * as path from "path";
import { ESLint } from "eslint";

const ROOT = path.resolve(__dirname, "../..");
const SNIPPET = ['import * as k8s from "@pulumi/kubernetes";', 'export const config = new k8s.core.v1.ConfigMap("c", { data: { a: "b" } });', ""].join("\n");

/**
 * What no-restricted-syntax says of a snippet under the repository's eslint.config.mjs, as if it were the file at
 * `file` (an existing one, so a type-aware config finds it in the project).
 */
async function restricted(file: string): Promise<string[]> {
    const [result] = await new ESLint({ cwd: ROOT }).lintText(SNIPPET, { filePath: path.join(ROOT, file) });
    return result.messages.filter((m) => m.ruleId === "no-restricted-syntax").map((m) => m.message);
}

describe("lint: Kubernetes objects come from the cluster handle", () => {
    it("fails `new k8s.*` in a component", async () => {
        assert.deepStrictEqual(await restricted("components/webapp/index.ts"), [
            "Make Kubernetes objects with the cluster handle (handle.object / handle.release), which adds what their kind must wait for.",
        ]);
    });

    it("allows it in components/shared, where the handle makes them", async () => {
        assert.deepStrictEqual(await restricted("components/shared/helm.ts"), []);
    });
});
