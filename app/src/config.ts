/** Settings from environment variables; every bad one is reported at start, together. */
export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export interface AppConfig {
    port: number;
    host: string;
    logLevel: LogLevel;
    /** After SIGTERM: how long to keep serving (not ready) so load balancers stop sending before the listener closes. */
    drainDelayMs: number;
    /** After SIGTERM: the bound on the whole shutdown; connections still open then are cut. */
    shutdownGraceMs: number;
    /**
     * The time a client has for each step towards a complete request head, however many bytes it trickles: to show
     * which protocol it speaks; then for HTTP/1.1 to finish the head (counted by Node from the hand-over, and from the
     * first byte of each later request); for h2c to open its first stream after the preface.
     */
    headersTimeoutMs: number;
    /** HTTP/1.1 only: the time to receive a whole request, head and body, from its first byte. */
    requestTimeoutMs: number;
    /**
     * How long a connection may wait for its next request (HTTP/1.1 keep-alive; h2c: no stream open, or no frame at
     * all). Longer than the ALB's 60 s idle timeout, so the ALB never reuses a connection the app has just closed (502s).
     */
    idleTimeoutMs: number;
    version: string;
    /** Routes that only tests and benchmarks need (/debug/sleep). Off in production. */
    debugRoutes: boolean;
}

export class AppConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "AppConfigError";
    }
}

function intFrom(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number, problems: string[]): number {
    const raw = env[key];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(n) || n < min || n > max) {
        problems.push(`${key}=${raw}: must be a whole number from ${min} to ${max}`);
        return fallback;
    }
    return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
    const problems: string[] = [];
    // 0 asks the OS for a free port (tests, benchmarks); the listening log line says which.
    const port = intFrom(env, "PORT", 8080, 0, 65535, problems);
    const drainDelayMs = intFrom(env, "SHUTDOWN_DRAIN_MS", 2000, 0, 60000, problems);
    const shutdownGraceMs = intFrom(env, "SHUTDOWN_GRACE_MS", 20000, 1000, 300000, problems);
    if (shutdownGraceMs <= drainDelayMs) {
        problems.push(`SHUTDOWN_GRACE_MS=${shutdownGraceMs} must be longer than SHUTDOWN_DRAIN_MS=${drainDelayMs}`);
    }
    const headersTimeoutMs = intFrom(env, "HEADERS_TIMEOUT_MS", 10000, 500, 300000, problems);
    const requestTimeoutMs = intFrom(env, "REQUEST_TIMEOUT_MS", 30000, 500, 3600000, problems);
    // Node's http.Server refuses a headers timeout longer than the request timeout (ERR_OUT_OF_RANGE).
    if (requestTimeoutMs < headersTimeoutMs) {
        problems.push(`REQUEST_TIMEOUT_MS=${requestTimeoutMs} must not be shorter than HEADERS_TIMEOUT_MS=${headersTimeoutMs}`);
    }
    const idleTimeoutMs = intFrom(env, "IDLE_TIMEOUT_MS", 65000, 500, 3600000, problems);
    const logLevel = (env.LOG_LEVEL ?? "info").toLowerCase();
    if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
        problems.push(`LOG_LEVEL=${env.LOG_LEVEL}: must be one of ${LOG_LEVELS.join(", ")}`);
    }
    const debugRaw = (env.DEBUG_ROUTES ?? "false").toLowerCase();
    if (debugRaw !== "true" && debugRaw !== "false") problems.push(`DEBUG_ROUTES=${env.DEBUG_ROUTES}: must be true or false`);
    if (problems.length > 0) throw new AppConfigError(problems);
    return {
        port,
        host: env.HOST || "0.0.0.0",
        logLevel: logLevel as LogLevel,
        drainDelayMs,
        shutdownGraceMs,
        headersTimeoutMs,
        requestTimeoutMs,
        idleTimeoutMs,
        version: env.APP_VERSION || "dev",
        debugRoutes: debugRaw === "true",
    };
}
