/** The app stack's config (config/app.ts): its keys declared once, with defaults and guardrails from its own profile. */
import * as assert from "assert";
import { readAppStackConfig } from "../../appstack/plan";
import { APP_SCHEMA, parseAppConfig, restatedAppDefaults } from "../../config/app";
import { ConfigError } from "../../config/problems";
import { PROFILES } from "../../config/profiles";
import { SCHEMA } from "../../config/schema";
import { captureWarnings } from "../helpers/harness";
import { IMAGE_TAG } from "../helpers/plans";

const STACKS = ["dev", "staging", "prod"] as const;
const base = (stack: string) => ({ "aws:region": "ap-northeast-2", "app:platformStack": `organization/eks-platform/${stack}`, "app:imageTag": IMAGE_TAG });

function problemsOf(values: Record<string, string>, stack: string): string[] {
    try {
        parseAppConfig(values, stack);
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return [...err.problems];
    }
    return [];
}

describe("config: the app stack", () => {
    it("takes its replicas from the profile of its name, or of platform:environment", () => {
        for (const stack of STACKS) {
            const c = parseAppConfig(base(stack), stack);
            assert.deepStrictEqual(
                [c.profile, c.minReplicas, c.maxReplicas],
                [PROFILES[stack], PROFILES[stack].defaults["app:minReplicas"], PROFILES[stack].defaults["app:maxReplicas"]],
            );
        }
        assert.deepStrictEqual([parseAppConfig(base("prod"), "dev").minReplicas, parseAppConfig(base("dev"), "dev").minReplicas], [2, 2]);
        const named = parseAppConfig({ ...base("prod"), "platform:environment": "prod" }, "prod-eu");
        assert.deepStrictEqual([named.profile.name, named.minReplicas, named.maxReplicas], ["prod", 3, 12]);
        assert.deepStrictEqual(problemsOf(base("dev"), "qa"), [
            'platform:environment: unknown environment "qa": set it to one of dev, staging, prod (the profiles in config/profiles.ts; it defaults to the stack name)',
        ]);
    });

    it("holds app:minReplicas to its profile's guardrail, and refuses latest and min above max", () => {
        assert.deepStrictEqual(problemsOf({ ...base("prod"), "app:minReplicas": "1" }, "prod"), [
            "app:minReplicas: 1 breaks profile prod's guardrail minReplicas 2: at least 2 replicas so a node or AZ loss is not an outage",
        ]);
        assert.deepStrictEqual(problemsOf({ ...base("dev"), "app:minReplicas": "1" }, "dev"), []);
        assert.match(problemsOf({ ...base("dev"), "app:imageTag": "latest" }, "dev").join("\n"), /app:imageTag: .*immutable/);
        assert.deepStrictEqual(problemsOf({ ...base("dev"), "app:minReplicas": "5", "app:maxReplicas": "4" }, "dev"), [
            "app:minReplicas/maxReplicas: min 5 is above max 4",
        ]);
    });

    it("warns of a restated default in an app stack file, as in a platform one", () => {
        const values = { ...base("prod"), "app:minReplicas": "3", "app:logLevel": "info", "app:maxReplicas": "20" };
        const found = restatedAppDefaults(values, "prod");
        assert.deepStrictEqual(found, [
            "app:minReplicas: restates profile prod's default 3: remove it (stack files state only what differs from their profile)",
            'app:logLevel: restates the default "info": remove it (stack files state only what differs from their profile)',
        ]);
        assert.deepStrictEqual(
            captureWarnings(() => parseAppConfig(values, "prod")).filter((w) => /restates/.test(w)),
            found,
        );
    });

    it("every committed app stack file states only what differs from its profile", () => {
        for (const stack of STACKS) {
            const values = readAppStackConfig(stack, { "app:imageTag": IMAGE_TAG });
            assert.deepStrictEqual(restatedAppDefaults(values, stack), [], stack);
            assert.doesNotThrow(() => parseAppConfig(values, stack), stack);
        }
        assert.strictEqual(parseAppConfig(readAppStackConfig("dev", { "app:imageTag": IMAGE_TAG }), "dev").logLevel, "debug");
    });

    it("declares each app key once: the platform's schema has none of them", () => {
        const appKeys = Object.keys(APP_SCHEMA).filter((k) => k.startsWith("app:"));
        assert.deepStrictEqual(
            appKeys.filter((k) => k in SCHEMA),
            [],
        );
        assert.ok(!("app:keepImages" in SCHEMA) && "registry:keepImages" in SCHEMA);
    });
});
