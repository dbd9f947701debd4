import * as http from "http";
import * as http2 from "http2";
import * as net from "net";
import { Duplex } from "stream";
import { AppConfig } from "./config";
import { Logger } from "./logger";
import { Metrics } from "./metrics";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

/** The first bytes of every HTTP/2 connection with prior knowledge (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const KNOWN_ROUTES = new Set(["/", "/healthz", "/readyz", "/metrics", "/debug/sleep"]);
const MAX_DEBUG_SLEEP_MS = 10000;

/**
 * The HTTP/2 server reads from the socket's native handle, past anything unshifted into the JS stream, so it is
 * given a stream that replays the bytes already read and then relays the socket.
 */
function replaying(socket: net.Socket, head: Buffer): Duplex {
    const duplex = new Duplex({
        read: () => { socket.resume(); },
        write: (chunk, encoding, cb) => { socket.write(chunk, encoding, cb); },
        final: (cb) => { socket.end(); cb(); },
        destroy: (err, cb) => { socket.destroy(err ?? undefined); cb(err); },
    });
    duplex.push(head);
    socket.on("data", (chunk) => { if (!duplex.push(chunk)) socket.pause(); });
    socket.once("end", () => duplex.push(null));
    socket.once("close", () => duplex.destroy());
    return duplex;
}

export interface ShutdownResult {
    forced: boolean;
    durationMs: number;
}

/**
 * HTTP/1.1 and cleartext HTTP/2 (prior knowledge) on one port: the first bytes of a connection pick the protocol.
 * An ALB target group set to HTTP2 by mistake therefore still gets answers instead of `PRI * HTTP/2.0` 400s and 504s.
 */
export class AppServer {
    ready = false;
    private draining = false;
    private readonly listener: net.Server;
    private readonly h1: http.Server;
    private readonly h2: http2.Http2Server;
    private readonly sockets = new Set<net.Socket>();
    private readonly sessions = new Set<http2.ServerHttp2Session>();
    /** HTTP/1 connections and how many requests each has in flight: the idle ones are closed on shutdown. */
    private readonly h1InFlight = new Map<net.Socket, number>();
    private shutdownPromise?: Promise<ShutdownResult>;

    constructor(private readonly config: AppConfig, private readonly log: Logger, private readonly metrics: Metrics) {
        const handler = (req: Request, res: Response) => this.handle(req, res);
        this.h1 = http.createServer(handler);
        // Longer than the ALB's 60 s idle timeout, so the ALB never reuses a connection the app has just closed (502s).
        this.h1.keepAliveTimeout = 65000;
        this.h1.headersTimeout = 66000;
        this.h2 = http2.createServer({}, handler);
        this.h2.on("session", (session) => {
            this.sessions.add(session);
            session.once("close", () => this.sessions.delete(session));
        });
        this.listener = net.createServer((socket) => this.route(socket));
    }

    /** Hands a new connection to the HTTP/1 or the HTTP/2 server by its first bytes. */
    private route(socket: net.Socket): void {
        this.sockets.add(socket);
        socket.once("close", () => this.sockets.delete(socket));
        socket.on("error", () => socket.destroy());
        let head = Buffer.alloc(0);
        const onData = (chunk: Buffer) => {
            head = Buffer.concat([head, chunk]);
            const n = Math.min(head.length, H2_PREFACE.length);
            const couldBeH2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
            if (couldBeH2 && head.length < H2_PREFACE.length) return;
            socket.off("data", onData);
            if (couldBeH2) {
                this.h2.emit("connection", replaying(socket, head));
            } else {
                this.h1InFlight.set(socket, 0);
                socket.once("close", () => this.h1InFlight.delete(socket));
                socket.pause();
                socket.unshift(head);
                this.h1.emit("connection", socket);
                socket.resume();
            }
        };
        socket.on("data", onData);
    }

    listen(): Promise<number> {
        return new Promise((resolve, reject) => {
            this.listener.once("error", reject);
            this.listener.listen(this.config.port, this.config.host, () => {
                this.ready = true;
                const port = (this.listener.address() as net.AddressInfo).port;
                this.log.info("listening", { port, protocols: ["http/1.1", "h2c"], version: this.config.version });
                resolve(port);
            });
        });
    }

    private handle(req: Request, res: Response): void {
        const started = process.hrtime.bigint();
        const path = (req.url ?? "/").split("?")[0];
        const route = KNOWN_ROUTES.has(path) ? path : "unmatched";
        if (req.httpVersionMajor === 1) this.trackInFlight(req.socket, res);
        res.on("finish", () => {
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            const labels = { method: req.method ?? "GET", route, status: String(res.statusCode) };
            this.metrics.requests.inc(labels);
            this.metrics.duration.observe(labels, seconds);
            if (this.log.enabled("debug")) {
                this.log.debug("request", { ...labels, path, protocol: req.httpVersion, durationMs: Math.round(seconds * 1e6) / 1e3 });
            }
        });

        if (req.method !== "GET" && req.method !== "HEAD") return this.json(res, 405, { error: "method not allowed" });
        switch (route) {
            case "/":
                return this.json(res, 200, { service: "platform-sample-app", version: this.config.version, protocol: req.httpVersion, message: "hello from the platform" });
            case "/healthz":
                return this.json(res, 200, { status: "ok" });
            case "/readyz":
                return this.json(res, this.ready ? 200 : 503, { ready: this.ready });
            case "/metrics":
                this.metrics.registry.metrics().then(
                    (body) => this.send(res, 200, this.metrics.registry.contentType, body),
                    (err) => this.json(res, 500, { error: String(err) }),
                );
                return;
            case "/debug/sleep": {
                if (!this.config.debugRoutes) return this.json(res, 404, { error: "not found" });
                const ms = Math.min(Number(new URL(req.url ?? "/", "http://x").searchParams.get("ms")) || 0, MAX_DEBUG_SLEEP_MS);
                setTimeout(() => this.json(res, 200, { slept: ms }), ms);
                return;
            }
            default:
                return this.json(res, 404, { error: "not found" });
        }
    }

    private trackInFlight(socket: net.Socket, res: Response): void {
        this.h1InFlight.set(socket, (this.h1InFlight.get(socket) ?? 0) + 1);
        res.once("close", () => {
            if (this.h1InFlight.has(socket)) this.h1InFlight.set(socket, this.h1InFlight.get(socket)! - 1);
        });
    }

    /** Closes HTTP/1 keep-alive connections that have no request in flight. */
    private closeIdleH1(): void {
        for (const [socket, inFlight] of this.h1InFlight) if (inFlight === 0) socket.end();
    }

    private json(res: Response, status: number, body: unknown): void {
        this.send(res, status, "application/json; charset=utf-8", JSON.stringify(body));
    }

    private send(res: Response, status: number, contentType: string, body: string): void {
        const headers: http.OutgoingHttpHeaders = { "content-type": contentType, "content-length": Buffer.byteLength(body) };
        // While draining, HTTP/1.1 clients are told to reconnect (to another pod); HTTP/2 clients get GOAWAY instead.
        if (this.draining && !(res instanceof http2.Http2ServerResponse)) headers.connection = "close";
        res.writeHead(status, headers);
        res.end(body);
    }

    /**
     * Not ready at once; keep serving through the drain delay so load balancers deregister the pod; then stop
     * accepting, close idle keep-alive connections and HTTP/2 sessions (GOAWAY), let in-flight requests finish,
     * and cut whatever is left when the grace period ends.
     */
    shutdown(): Promise<ShutdownResult> {
        this.shutdownPromise ??= this.runShutdown();
        return this.shutdownPromise;
    }

    private async runShutdown(): Promise<ShutdownResult> {
        const started = Date.now();
        this.ready = false;
        this.draining = true;
        this.log.info("shutdown: not ready, draining", { drainDelayMs: this.config.drainDelayMs, graceMs: this.config.shutdownGraceMs, connections: this.sockets.size });
        await new Promise((r) => setTimeout(r, this.config.drainDelayMs));

        const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
        this.closeIdleH1();
        for (const session of this.sessions) session.close();
        const deadline = Math.max(0, this.config.shutdownGraceMs - (Date.now() - started));
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), deadline); });
        // Idle HTTP/1 connections that turned idle after the first sweep are swept until none are left.
        const sweeper = setInterval(() => this.closeIdleH1(), 250);
        const forced = await Promise.race([closed.then(() => false), timedOut]);
        clearInterval(sweeper);
        clearTimeout(timer);
        if (forced) {
            this.log.warn("shutdown: grace period over, closing remaining connections", { connections: this.sockets.size });
            for (const s of this.sockets) s.destroy();
            for (const s of this.sessions) s.destroy();
        }
        const durationMs = Date.now() - started;
        this.log.info("shutdown: done", { forced, durationMs });
        return { forced, durationMs };
    }
}
