import { ChildProcess, spawn } from "child_process";
import * as http from "http";
import * as http2 from "http2";
import * as net from "net";
import * as path from "path";

export const MAIN = path.resolve(__dirname, "../src/main.js");

export interface RunningApp {
    port: number;
    proc: ChildProcess;
    logs: () => any[];
    exited: Promise<number | null>;
}

/** Starts the built app as it runs in its container, on a free loopback port. */
export function startApp(env: Record<string, string> = {}): Promise<RunningApp> {
    const proc = spawn(process.execPath, [MAIN], {
        env: { PATH: process.env.PATH, HOST: "127.0.0.1", PORT: "0", ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    let buffer = "";
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`app did not start:\n${lines.join("\n")}`)), 10000);
        proc.stdout!.on("data", (chunk: Buffer) => {
            buffer += chunk.toString();
            const parts = buffer.split("\n");
            buffer = parts.pop()!;
            for (const line of parts) {
                lines.push(line);
                const entry = JSON.parse(line);
                if (entry.msg === "listening") {
                    clearTimeout(timer);
                    resolve({ port: entry.port, proc, exited, logs: () => lines.map((l) => JSON.parse(l)) });
                }
            }
        });
        proc.stderr!.on("data", (chunk: Buffer) => lines.push(chunk.toString()));
        exited.then((code) => {
            clearTimeout(timer);
            reject(new Error(`app exited with ${code} before listening:\n${lines.join("\n")}`));
        });
    });
}

export interface Reply {
    status: number;
    body: string;
    headers: Record<string, unknown>;
}

export function get1(port: number, path: string, agent?: http.Agent): Promise<Reply> {
    return new Promise((resolve, reject) => {
        http.get({ host: "127.0.0.1", port, path, agent }, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => resolve({ status: res.statusCode!, body, headers: res.headers }));
            res.on("error", reject);
        }).on("error", reject);
    });
}

export function get2(session: http2.ClientHttp2Session, path: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
        const req = session.request({ ":path": path });
        let body = "";
        let headers: Record<string, unknown> = {};
        req.on("response", (h) => (headers = h));
        req.on("data", (d) => (body += d));
        req.on("end", () => resolve({ status: Number(headers[":status"]), body, headers }));
        req.on("error", reject);
        req.end();
    });
}

export function connect2(port: number): Promise<http2.ClientHttp2Session> {
    return new Promise((resolve, reject) => {
        const session = http2.connect(`http://127.0.0.1:${port}`);
        session.once("connect", () => resolve(session));
        session.once("error", reject);
    });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RawConnection {
    socket: net.Socket;
    /** Everything the server sent, as latin1 text. */
    received: () => string;
    /** Milliseconds from connect until the server closed the connection, or undefined if still open after `boundMs`. */
    closedWithin: (boundMs: number) => Promise<number | undefined>;
}

/** A client that writes only what a test tells it to, and never closes or answers a FIN on its own. */
export function openRaw(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
        const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
        const chunks: Buffer[] = [];
        let opened = 0;
        // The server's FIN ends the connection for this client: it does not answer with its own.
        const closed = new Promise<number>((r) => {
            socket.once("end", () => r(Date.now() - opened));
            socket.once("close", () => r(Date.now() - opened));
        });
        socket.on("data", (d) => chunks.push(d));
        socket.on("error", () => undefined);
        socket.once("connect", () => {
            opened = Date.now();
            resolve({
                socket,
                received: () => Buffer.concat(chunks).toString("latin1"),
                closedWithin: (boundMs) => Promise.race([closed, sleep(boundMs).then(() => undefined)]),
            });
        });
        socket.once("error", reject);
    });
}

/** One HTTP/2 frame (RFC 9113 §4.1). */
export function h2Frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
    const header = Buffer.alloc(9);
    header.writeUIntBE(payload.length, 0, 3);
    header.writeUInt8(type, 3);
    header.writeUInt8(flags, 4);
    header.writeUInt32BE(streamId, 5);
    return Buffer.concat([header, payload]);
}

export const H2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
