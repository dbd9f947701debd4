import { LOG_LEVELS, LogLevel } from "./config";

export type Logger = Record<LogLevel, (msg: string, fields?: Record<string, unknown>) => void> & { enabled(level: LogLevel): boolean };

/** One JSON object per line, so the cluster's log pipeline can index fields without parsing text. */
export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
    const threshold = LOG_LEVELS.indexOf(level);
    const enabled = (l: LogLevel) => LOG_LEVELS.indexOf(l) >= threshold;
    const log =
        (l: LogLevel) =>
        (msg: string, fields: Record<string, unknown> = {}) => {
            if (enabled(l)) write(JSON.stringify({ time: new Date().toISOString(), level: l, msg, ...fields }) + "\n");
        };
    return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error"), enabled };
}
