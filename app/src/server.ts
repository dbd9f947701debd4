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
/**
 * The methods of RFC 9110 §9 and PATCH. HTTP/2 lets a client send any token as `:method`, so anything else is counted
 * as "other": a metrics label takes its values from a closed set, or clients grow /metrics and memory without bound.
 */
const METHOD_LABELS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);
const MAX_DEBUG_SLEEP_MS = 10000;
/** How late Node may notice a passed headers or request timeout; its default, 30 s, would stretch a 10 s timeout to 40 s. */
const TIMEOUT_CHECK_INTERVAL_MS = 500;

/**
 * The HTTP/2 server reads from the socket's native handle, past anything unshifted into the JS stream, so it is
 * given a stream that replays the bytes already read and then relays the socket.
 */
function replaying(socket: net.Socket, head: Buffer): Duplex {
    const duplex = new Duplex({
        read: () => {
            socket.resume();
        },
        write: (chunk, encoding, cb) => {
            socket.write(chunk, encoding, cb);
        },
        final: (cb) => {
            socket.end();
            cb();
        },
        destroy: (err, cb) => {
            socket.destroy(err ?? undefined);
            cb(err);
        },
    });
    duplex.push(head);
    socket.on("data", (chunk) => {
        if (!duplex.push(chunk)) socket.pause();
    });
    socket.once("end", () => duplex.push(null));
    socket.once("close", () => duplex.destroy());
    return duplex;
}

interface Reply {
    body: string;
    headers: http.OutgoingHttpHeaders;
}
type Answer = [status: number, reply: Reply];

function json(body: unknown): Reply {
    const text = JSON.stringify(body);
    return { body: text, headers: { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) } };
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
    /** Connections whose first bytes have not yet said which protocol they speak: nothing is in flight on them. */
    private readonly undecided = new Set<net.Socket>();
    /** Open HTTP/2 sessions, each with its graceful close: GOAWAY, then destroyed once no stream is open. */
    private readonly sessions = new Map<http2.ServerHttp2Session, () => void>();
    private shutdownPromise?: Promise<ShutdownResult>;
    /** Keyed by HTTP version: llhttp and HTTP/2 admit only a few (single-digit major.minor at most). */
    private readonly rootReplies = new Map<string, Reply>();
    private readonly logRequests: boolean;

    constructor(
        private readonly config: AppConfig,
        private readonly log: Logger,
        private readonly metrics: Metrics,
    ) {
        this.logRequests = log.enabled("debug");
        const handler = (req: Request, res: Response) => this.handle(req, res);
        this.h1 = http.createServer(
            {
                keepAliveTimeout: config.idleTimeoutMs,
                headersTimeout: config.headersTimeoutMs,
                requestTimeout: config.requestTimeoutMs,
                connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
            },
            handler,
        );
        // Node checks headersTimeout and requestTimeout only on servers that emitted 'listening': that event creates the
        // list of connections the check walks, and a connection joins it only if the list exists when it arrives
        // (nodejs/node v20 lib/_http_server.js: `this.on('listening', setupConnectionsTracking)`, `parser.initialize(...,
        // server[kConnections])`). This server never listens itself, so without this no header timeout is ever enforced.
        // It also makes closeIdleConnections() work, which shutdown relies on.
        this.h1.emit("listening");
        this.h2 = http2.createServer({}, handler);
        // No frame either way for this long: the session is destroyed (Node sets session.setTimeout per new session).
        this.h2.setTimeout(config.idleTimeoutMs);
        this.h2.on("session", (session) => this.track(session));
        // As http.Server does for the sockets it accepts: a response is not held back waiting for an ACK (Nagle).
        this.listener = net.createServer({ noDelay: true }, (socket) => this.route(socket));
    }

    /**
     * HTTP/2's counterpart of the HTTP/1 headers and keep-alive timeouts: a session with no stream open is destroyed
     * once the headers timeout has passed after the preface (a client that connects and never completes a request), or
     * the idle timeout after its last stream ended. Frames that open no stream (PINGs, a header block sent piece by
     * piece) do not extend either. Destroying sends GOAWAY too; close() alone would wait for the client to hang up.
     */
    private track(session: http2.ServerHttp2Session): void {
        let open = 0;
        let closing = false;
        let timer = setTimeout(() => session.destroy(), this.config.headersTimeoutMs);
        session.on("stream", (stream: http2.ServerHttp2Stream) => {
            if (open++ === 0) clearTimeout(timer);
            stream.once("close", () => {
                if (--open > 0 || session.destroyed) return;
                if (closing) session.destroy();
                else timer = setTimeout(() => session.destroy(), this.config.idleTimeoutMs);
            });
        });
        this.sessions.set(session, () => {
            closing = true;
            if (open === 0) session.destroy();
            else session.close();
        });
        session.once("close", () => {
            clearTimeout(timer);
            this.sessions.delete(session);
        });
    }

    /** Hands a new connection to the HTTP/1 or the HTTP/2 server by its first bytes. */
    private route(socket: net.Socket): void {
        this.sockets.add(socket);
        this.undecided.add(socket);
        // Silent, or sending the preface byte by byte: either way it holds a file descriptor and says nothing.
        const deadline = setTimeout(() => socket.destroy(), this.config.headersTimeoutMs);
        socket.once("close", () => {
            clearTimeout(deadline);
            this.sockets.delete(socket);
            this.undecided.delete(socket);
        });
        socket.on("error", () => socket.destroy());
        let head = Buffer.alloc(0);
        const onData = (chunk: Buffer) => {
            head = Buffer.concat([head, chunk]);
            const n = Math.min(head.length, H2_PREFACE.length);
            const couldBeH2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
            if (couldBeH2 && head.length < H2_PREFACE.length) return;
            socket.off("data", onData);
            clearTimeout(deadline);
            this.undecided.delete(socket);
            if (couldBeH2) {
                this.h2.emit("connection", replaying(socket, head));
            } else {
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
        const started = performance.now();
        const url = req.url ?? "/";
        const query = url.indexOf("?");
        const path = query < 0 ? url : url.slice(0, query);
        const route = KNOWN_ROUTES.has(path) ? path : "unmatched";
        const answer = this.answer(req, route);
        if (answer instanceof Promise) answer.then((a) => this.respond(req, res, path, route, started, a));
        else this.respond(req, res, path, route, started, answer);
    }

    private answer(req: Request, route: string): Answer | Promise<Answer> {
        if (req.method !== "GET" && req.method !== "HEAD") return [405, json({ error: "method not allowed" })];
        switch (route) {
            case "/":
                return [200, this.root(req.httpVersion)];
            case "/healthz":
                return [200, json({ status: "ok" })];
            case "/readyz":
                return [this.ready ? 200 : 503, json({ ready: this.ready })];
            case "/metrics":
                return this.metrics.text().then(
                    (body): Answer => [200, { body, headers: { "content-type": this.metrics.contentType, "content-length": Buffer.byteLength(body) } }],
                    (err): Answer => [500, json({ error: String(err) })],
                );
            case "/debug/sleep": {
                if (!this.config.debugRoutes) return [404, json({ error: "not found" })];
                const ms = Math.min(Number(new URL(req.url ?? "/", "http://x").searchParams.get("ms")) || 0, MAX_DEBUG_SLEEP_MS);
                return new Promise((resolve) => setTimeout(() => resolve([200, json({ slept: ms })]), ms));
            }
            default:
                return [404, json({ error: "not found" })];
        }
    }

    /** Sends the answer and records it; the duration ends when the response is handed to the socket. */
    private respond(req: Request, res: Response, path: string, route: string, started: number, [status, { body, headers }]: Answer): void {
        // While draining, HTTP/1.1 clients are told to reconnect (to another pod); HTTP/2 clients get GOAWAY instead.
        res.writeHead(status, this.draining && !(res instanceof http2.Http2ServerResponse) ? { ...headers, connection: "close" } : headers);
        res.end(body);
        const seconds = (performance.now() - started) / 1000;
        const method = METHOD_LABELS.has(req.method!) ? req.method! : "other";
        this.metrics.requests.observe(method, route, status, seconds);
        if (this.logRequests) {
            this.log.debug("request", { method, route, status: String(status), path, protocol: req.httpVersion, durationMs: Math.round(seconds * 1e6) / 1e3 });
        }
    }

    /**
     * Closes the connections with no request in flight: the undecided ones, and HTTP/1 keep-alive connections between
     * requests (Node's closeIdleConnections skips a connection whose response is unfinished or whose next request has
     * begun; the headers timeout bounds the latter).
     */
    private closeIdle(): void {
        for (const socket of this.undecided) socket.destroy();
        this.h1.closeIdleConnections();
    }

    /** The same for every request but the protocol, so it is built once per protocol version, not per request. */
    private root(protocol: string): Reply {
        let reply = this.rootReplies.get(protocol);
        if (reply === undefined) {
            reply = json({ service: "platform-sample-app", version: this.config.version, protocol, message: "hello from the platform" });
            this.rootReplies.set(protocol, reply);
        }
        return reply;
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
        this.log.info("shutdown: not ready, draining", {
            drainDelayMs: this.config.drainDelayMs,
            graceMs: this.config.shutdownGraceMs,
            connections: this.sockets.size,
        });
        await new Promise((r) => setTimeout(r, this.config.drainDelayMs));

        const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
        // No request can be meant for this pod any more: heads still incomplete are answered 408 at Node's next check
        // instead of holding the exit until the headers timeout.
        this.h1.headersTimeout = 1;
        this.closeIdle();
        for (const close of this.sessions.values()) close();
        const deadline = Math.max(0, this.config.shutdownGraceMs - (Date.now() - started));
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), deadline);
        });
        // Connections that turned idle after the first sweep are swept until none are left.
        const sweeper = setInterval(() => this.closeIdle(), 250);
        const forced = await Promise.race([closed.then(() => false), timedOut]);
        clearInterval(sweeper);
        clearTimeout(timer);
        if (forced) {
            this.log.warn("shutdown: grace period over, closing remaining connections", { connections: this.sockets.size });
            for (const s of this.sockets) s.destroy();
            for (const s of this.sessions.keys()) s.destroy();
        }
        const durationMs = Date.now() - started;
        this.log.info("shutdown: done", { forced, durationMs });
        return { forced, durationMs };
    }
}
