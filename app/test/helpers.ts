import { ChildProcess, spawn } from "child_process";
import * as http from "http";
import * as http2 from "http2";
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
        exited.then((code) => { clearTimeout(timer); reject(new Error(`app exited with ${code} before listening:\n${lines.join("\n")}`)); });
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
