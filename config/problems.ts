/** Every bad setting of a stack, reported together. */
export class ConfigError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: readonly string[],
    ) {
        super(`invalid configuration for stack "${stack}":\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

export class Problems {
    private readonly list: string[] = [];

    add(key: string, why: string): void {
        this.list.push(`${key}: ${why}`);
    }

    throwIfAny(stack: string): void {
        if (this.list.length > 0) throw new ConfigError(stack, this.list);
    }
}

/** A command line the CLIs (plan, deploy) refuse before doing anything; they exit 2 with it. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}
