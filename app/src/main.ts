import { AppConfigError, loadConfig } from "./config";
import { createLogger } from "./logger";
import { createMetrics } from "./metrics";
import { AppServer } from "./server";

async function main(): Promise<void> {
    let config;
    try {
        config = loadConfig();
    } catch (err) {
        if (err instanceof AppConfigError) {
            process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: "error", msg: err.message, problems: err.problems }) + "\n");
            process.exit(2);
        }
        throw err;
    }
    const log = createLogger(config.logLevel);
    const server = new AppServer(config, log, createMetrics());
    const stop = (signal: string) => {
        log.info("signal received", { signal });
        server.shutdown().then(({ forced }) => process.exit(forced ? 1 : 0));
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
    await server.listen();
}

main().catch((err) => {
    process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: "error", msg: "failed to start", error: String(err) }) + "\n");
    process.exit(1);
});
