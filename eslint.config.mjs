// Flat config: typescript-eslint's recommended rules on the program, its tests and tools; app/ has its own package.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** `new k8s.<...>.<Kind>(...)`: a class up to four member accesses under the `k8s` import. */
const NEW_K8S_OBJECT = `NewExpression:matches(${["object", "object.object", "object.object.object", "object.object.object.object"].map((p) => `[callee.${p}.name="k8s"]`).join(", ")})`;

const config = tseslint.config({ ignores: ["node_modules/**", "app/**", "bin/**", "plan/**"] }, js.configs.recommended, ...tseslint.configs.recommended, {
    rules: {
        // Chart values, recorded inputs and upstream JSON are untyped by nature; `any` marks where they are read.
        "@typescript-eslint/no-explicit-any": "off",
        // The SDK's internals (runtime state, proto messages) have no typings: they are loaded with require().
        "@typescript-eslint/no-require-imports": "off",
        // Input checks look for control characters on purpose (a newline in a value that reaches JCasC).
        "no-control-regex": "off",
        "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
});

export default [
    ...config,
    {
        // Kubernetes objects are made through the cluster handle, which adds the readiness each kind needs
        // (components/shared/cluster-handle.ts). Providers are made where a cluster is: the Cluster and the app stack.
        files: ["**/*.ts"],
        ignores: ["components/shared/**", "components/cluster/index.ts", "appstack/program.ts", "tests/**", "**/*.test.ts"],
        rules: {
            "no-restricted-syntax": [
                "error",
                {
                    selector: NEW_K8S_OBJECT,
                    message: "Make Kubernetes objects with the cluster handle (handle.object / handle.release), which adds what their kind must wait for.",
                },
            ],
        },
    },
];
