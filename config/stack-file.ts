import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/** A stack file that cannot be read as one; the message names the file (and the line and column of a YAML error). */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

/**
 * A stack file of this program is a few KB. The limit keeps a runaway file from stalling the parser: yaml 2.x checks
 * duplicate keys pair by pair, so one mapping of n keys costs n² (20,000 keys took 4 s here, 400,000 would take ~30 min).
 */
export const MAX_STACK_FILE_BYTES = 64 * 1024;

function whatItIs(bytes: Buffer): string | undefined {
    if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)))
        return "UTF-16 text (it starts with a UTF-16 byte order mark)";
    const sample = bytes.subarray(0, 4096);
    if (sample.includes(0)) {
        // Mostly-ASCII text in UTF-16 has a NUL beside nearly every character, always on the same side.
        const nulsAt = [0, 1].map((parity) => sample.filter((b, i) => b === 0 && i % 2 === parity).length);
        const half = sample.length / 2;
        return Math.max(...nulsAt) >= 0.8 * half && Math.min(...nulsAt) <= 0.05 * half
            ? "UTF-16 text without a byte order mark"
            : "a binary file (it contains NUL bytes), not YAML";
    }
    try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
        return "not UTF-8 text";
    }
    return undefined;
}

/** The stack file's `config:` mapping, parsed with bounded effort, or a StackFileError that says what is wrong. */
export function readStackFile(file: string): Record<string, unknown> {
    const relative = path.relative(process.cwd(), file);
    const shown = relative && !relative.startsWith("..") ? relative : file;
    const size = fs.statSync(file).size;
    if (size > MAX_STACK_FILE_BYTES) {
        throw new StackFileError(`${shown} is ${size} bytes; a stack file may be at most ${MAX_STACK_FILE_BYTES} (it holds a few dozen settings)`);
    }
    const bytes = fs.readFileSync(file);
    const kind = whatItIs(bytes);
    if (kind) throw new StackFileError(`${shown} is ${kind}: save it as UTF-8 YAML`);
    const doc = YAML.parseDocument(bytes.toString("utf8"), { prettyErrors: false });
    const error = doc.errors[0];
    if (error) {
        const at = lineOf(bytes.toString("utf8"), error.pos[0]);
        throw new StackFileError(`${shown}:${at.line}:${at.col}: ${error.message}`);
    }
    let value: unknown;
    try {
        // An alias may repeat a subtree; yaml's default bound of 100 expansions keeps "billion laughs" small.
        value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
        throw new StackFileError(`${shown}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (value === null || value === undefined) throw new StackFileError(`${shown} is empty: it needs a config: section (see Pulumi.dev.yaml)`);
    const config = (value as { config?: unknown }).config;
    if (typeof value !== "object" || Array.isArray(value) || (config != null && (typeof config !== "object" || config === null || Array.isArray(config)))) {
        throw new StackFileError(`${shown} is not a stack file: it needs a config: mapping of namespace:key settings`);
    }
    return (config ?? {}) as Record<string, unknown>;
}

function lineOf(text: string, offset: number): { line: number; col: number } {
    const before = text.slice(0, offset).split("\n");
    return { line: before.length, col: before[before.length - 1].length + 1 };
}
