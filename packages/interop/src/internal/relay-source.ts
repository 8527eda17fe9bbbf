/**
 * Source of the TCP→Unix-socket relay, run as `node -e RELAY_SOURCE` (CommonJS).
 *
 * Why a string: the relay must start inside a fresh network namespace (`unshare -n`), so it
 * runs in its own Node process. Node 20 cannot execute TypeScript, and the tests run from
 * `src/` unbuilt, so the relay cannot be a module of this package; a dozen lines of plain
 * JavaScript passed with `-e` work in both the built and the unbuilt package.
 *
 * Protocol: listens on 127.0.0.1 (ephemeral port) in whatever namespace it runs in, proves
 * loopback works by connecting to itself, prints `{"port":N}` on stdout, and pipes every
 * connection to the Unix socket named by `SKEIN_RELAY_SOCKET`. It exits when its stdin
 * closes, so it never outlives the test process that started it.
 */
export const RELAY_SOURCE = String.raw`
const net = require("node:net");
const target = process.env.SKEIN_RELAY_SOCKET;
const server = net.createServer((client) => {
  const upstream = net.connect(target);
  const close = () => { client.destroy(); upstream.destroy(); };
  client.on("error", close);
  upstream.on("error", close);
  client.pipe(upstream);
  upstream.pipe(client);
});
server.listen(0, "127.0.0.1", () => {
  const port = server.address().port;
  const probe = net.connect(port, "127.0.0.1", () => {
    probe.destroy();
    process.stdout.write(JSON.stringify({ port }) + "\n");
  });
  probe.on("error", (err) => {
    process.stderr.write("loopback probe failed: " + err.message + "\n");
    process.exit(3);
  });
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
`;
