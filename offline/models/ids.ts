import { createHash } from "crypto";

/** The account every mocked ARN belongs to. */
export const ACCOUNT_ID = "123456789012";

/** Deterministic hex from a seed: the same inputs give the same ids in every run. */
export function hex(seed: string, length: number): string {
    return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/** An AWS-style resource id such as vpc-0123456789abcdef0. */
export function awsId(prefix: string, seed: string): string {
    return `${prefix}-0${hex(seed, 16)}`;
}

/**
 * A resource a remote component creates inside itself. Under mocks the engine never sees these, so a model
 * lists the ones its upstream implementation really creates and the recorder adds them to the plan as the
 * component's children (policies, cost and preflight then see them).
 */
export interface ModeledChild {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /** Sibling children this one waits for, as the upstream code orders them: by name, or `type::name` where siblings share a name. */
    dependsOn?: string[];
}

/** What a mock returns for one registration. */
export interface MockResult {
    id: string | undefined;
    state: Record<string, any>;
    children?: ModeledChild[];
}

/**
 * Thrown by a model where its upstream implementation (or AWS) rejects the inputs: the registration fails with
 * the upstream message, as the real `pulumi up` would.
 */
export class RejectedByUpstream extends Error {
    constructor(
        readonly type: string,
        message: string,
    ) {
        super(message);
        this.name = "RejectedByUpstream";
    }
}
