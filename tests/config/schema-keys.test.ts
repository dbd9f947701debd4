/** Adding a config key is one line in config/schema.ts: parsing, the typed config, the known keys and the docs follow. */
import * as assert from "assert";
import { parseConfig, PlatformConfig } from "../../config";
import type { Consumed } from "../../config";
import { configTable } from "../../config/docs";
import { Problems } from "../../config/problems";
import { fixed, Frozen, grouped, Grouped, optional, readValues, SCHEMA, Settings, text, Values } from "../../config/schema";
import { rawConfig } from "../helpers/harness";

type Plain = Exclude<keyof Settings, Consumed>;
type NamespaceOf<K> = K extends `${infer NS}:${string}` ? NS : never;
type NameOf<K> = K extends `${string}:${infer N}` ? N : never;
type Typed<T, N> = N extends keyof T ? T[N] : "absent";
/** config.<ns>.<name> of a key, as PlatformConfig types it. */
type Reached<K extends Plain> = NamespaceOf<K> extends keyof PlatformConfig ? Typed<PlatformConfig[NamespaceOf<K>], NameOf<K>> : "absent";
/** The plain keys PlatformConfig does not carry as their parser types them: none, or tsc fails naming them. */
type Dropped = { [K in Plain]: [Frozen<Exclude<Settings[K], undefined>>] extends [Exclude<Reached<K>, undefined>] ? never : K }[Plain];
// Compile-time (npm run typecheck): every key of SCHEMA outside the composite parts reaches PlatformConfig typed.
const noneDropped: [Dropped] extends [never] ? true : Dropped = true;

const ADDED = { "backup:vaultName": fixed("The backup vault's name.", text(), "platform-vault") };

describe("config: adding a key", () => {
    it("types every plain key of SCHEMA as config.<namespace>.<name> (checked by tsc: a dropped key fails npm run typecheck)", () => {
        assert.strictEqual(noneDropped, true);
    });

    it("groups a schema's settings by namespace, typed as each parser returns it (what parseConfig does with SCHEMA)", () => {
        const schema = { ...ADDED, "backup:retentionDays": SCHEMA["backup:retentionDays"], "backup:note": optional("A note.", text()) };
        const values = readValues(schema, new Problems(), { "backup:retentionDays": "9" }, "aws") as Values<typeof schema>;
        const typed: Grouped<Values<typeof schema>> = grouped(values);
        // Compile-time: each key is a typed property of its namespace; an optional one is an optional property.
        const [name, days, note]: [string, number, string | undefined] = [typed.backup.vaultName, typed.backup.retentionDays, typed.backup.note];
        assert.deepStrictEqual([name, days, note], ["platform-vault", 9, undefined]);
        assert.deepStrictEqual(typed, { backup: { vaultName: "platform-vault", retentionDays: 9 } });
    });

    it("a key added to SCHEMA alone is read, defaulted, known (a typo is refused) and documented", () => {
        const schema = SCHEMA as Record<string, unknown>;
        Object.assign(schema, ADDED);
        try {
            const read = (overrides: Record<string, string> = {}) =>
                (parseConfig(rawConfig("dev", overrides), "eks-platform", "dev") as unknown as { backup: Record<string, unknown> }).backup;
            assert.deepStrictEqual(read({ "backup:vaultName": "mine" }), { retentionDays: 7, vaultName: "mine" });
            assert.strictEqual(read().vaultName, "platform-vault");
            assert.throws(
                () => read({ "backup:vaultNme": "mine" }),
                /backup:vaultNme: is not a setting this program reads \(known backup keys: retentionDays, vaultName\)/,
            );
            assert.match(configTable(), /\| `backup:vaultName` \| `platform-vault` \| `platform-vault` \| `platform-vault` \| The backup vault's name\. \|/);
        } finally {
            delete schema["backup:vaultName"];
        }
        assert.ok(!("vaultName" in (parseConfig(rawConfig("dev"), "eks-platform", "dev").backup as object)));
    });
});
