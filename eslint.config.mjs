// Flat config: typescript-eslint's recommended rules on the program, its tests and tools; app/ has its own package.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config({ ignores: ["node_modules/**", "app/**", "bin/**", "plan/**"] }, js.configs.recommended, ...tseslint.configs.recommended, {
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
