import * as assert from "assert";
import { ConfigError, parseConfig } from "../../config";
import { rawConfig } from "../helpers/harness";

function problemsOf(raw: Record<string, string>): readonly string[] {
    try {
        parseConfig(raw, "eks-platform", "dev");
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
    return [];
}

describe("config: ingress:adminCidrs (issue 14: admin hosts restricted)", () => {
    it("reads the admin networks", () => {
        const c = parseConfig(rawConfig("dev", { "ingress:adminCidrs": '["203.0.113.0/24", "198.51.100.7/32"]' }), "eks-platform", "dev");
        assert.deepStrictEqual(c.ingress.adminCidrs, ["203.0.113.0/24", "198.51.100.7/32"]);
    });

    const cases: [string, string | undefined, RegExp][] = [
        ["missing", undefined, /ingress:adminCidrs: is required: the networks .* that may reach jenkins\. and grafana\./],
        ["an empty list", "[]", /ingress:adminCidrs: is empty/],
        ["the whole internet", '["0.0.0.0/0"]', /ingress:adminCidrs: "0\.0\.0\.0\/0" is broader than \/8/],
        ["a /4", '["0.0.0.0/4"]', /ingress:adminCidrs: "0\.0\.0\.0\/4" is broader than \/8/],
        ["not a CIDR", '["office"]', /ingress:adminCidrs: "office" is not an IPv4 CIDR/],
        ["host bits set", '["203.0.113.7/24"]', /ingress:adminCidrs: "203\.0\.113\.7\/24" has host bits set/],
        ["not a list", '"203.0.113.0/24"', /ingress:adminCidrs: must be a JSON list of CIDRs/],
    ];
    for (const [what, value, why] of cases) {
        it(`refuses ${what}, naming the key`, () => {
            const problems = problemsOf(rawConfig("dev", { "ingress:adminCidrs": value }));
            assert.ok(
                problems.some((p) => why.test(p)),
                `no problem matching ${why} in:\n${problems.join("\n")}`,
            );
        });
    }

    it("knows no other ingress key", () => {
        const problems = problemsOf(rawConfig("dev", { "ingress:adminCidr": '["203.0.113.0/24"]' }));
        assert.ok(
            problems.some((p) => /^ingress:adminCidr: is not a setting this program reads \(known ingress keys: adminCidrs\)/.test(p)),
            problems.join("\n"),
        );
    });
});
