/**
 * The baseline the app is measured against: a bare `node:http` server answering every request with a fixed JSON body of
 * the app's size, with Node's defaults. Run as its own process, like the app, so both compete equally with autocannon.
 */
import * as http from "http";
import * as net from "net";

const body = JSON.stringify({ service: "platform-sample-app", version: "dev", protocol: "1.1", message: "hello from the platform" });
const headers = { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) };

const server = http.createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
});
server.listen(0, "127.0.0.1", () => {
    process.stdout.write(JSON.stringify({ msg: "listening", port: (server.address() as net.AddressInfo).port }) + "\n");
});
