import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { NetworkSandboxError } from "./errors.js";
import { RELAY_SOURCE } from "./internal/relay-source.js";

/** A command line, ready for `spawn`. */
export interface CommandLine {
  readonly command: string;
  readonly args: readonly string[];
}

/** Options of {@link NetworkSandbox.open}. */
export interface NetworkSandboxOptions {
  /** The Unix socket every TCP connection to `127.0.0.1:<port>` is piped to (the mock). */
  readonly socketPath: string;
  /**
   * Skip the namespace and relay on the host's loopback (config-only isolation). Defaults to
   * the `SKEIN_INTEROP_NO_NETNS=1` environment variable.
   */
  readonly disableNamespace?: boolean;
  /** How long the relay may take to report its port. Default 10 s. */
  readonly startTimeoutMs?: number;
}

/**
 * A loopback-only network namespace in which Codex runs, with a relay that makes the mock
 * model server reachable at `127.0.0.1:<port>` inside it.
 *
 * The relay process is started under `unshare -n` (root, as here and in CI) and brings `lo`
 * up; each Codex process then joins that namespace through `nsenter --net=/proc/<relay>/ns/net`,
 * so it can reach nothing but 127.0.0.1, and 127.0.0.1:<port> leads to the mock's Unix socket.
 * When no namespace can be made, the relay runs on the host loopback instead, `isolated` is
 * false and `reason` says why (the Codex config then is the only isolation).
 */
export class NetworkSandbox {
  readonly #relay: ChildProcess;
  /** The TCP port on 127.0.0.1 (inside the namespace when `isolated`) that leads to the mock. */
  readonly port: number;
  /** True when Codex runs in a private network namespace that has only loopback. */
  readonly isolated: boolean;
  /** Why the sandbox is not isolated; undefined when it is. */
  readonly reason: string | undefined;

  private constructor(relay: ChildProcess, port: number, isolated: boolean, reason: string | undefined) {
    this.#relay = relay;
    this.port = port;
    this.isolated = isolated;
    this.reason = reason;
  }

  /**
   * Starts the relay, inside a new network namespace when possible.
   * @throws NetworkSandboxError when even the unisolated relay cannot start.
   */
  static async open(options: NetworkSandboxOptions): Promise<NetworkSandbox> {
    const disabled = options.disableNamespace ?? process.env["SKEIN_INTEROP_NO_NETNS"] === "1";
    const timeoutMs = options.startTimeoutMs ?? 10_000;
    let reason = disabled ? "disabled by SKEIN_INTEROP_NO_NETNS=1" : namespaceUnavailableReason();
    if (reason === undefined) {
      try {
        const { relay, port } = await startRelay(options.socketPath, true, timeoutMs);
        return new NetworkSandbox(relay, port, true, undefined);
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    console.warn(`[interop] no private network namespace (${reason}); relying on config-only isolation (127.0.0.1)`);
    const { relay, port } = await startRelay(options.socketPath, false, timeoutMs);
    return new NetworkSandbox(relay, port, false, reason);
  }

  /** Wraps a command so that it runs inside the namespace (unchanged when not isolated). */
  wrap(command: string, args: readonly string[]): CommandLine {
    if (!this.isolated) return { command, args };
    return { command: "nsenter", args: [`--net=/proc/${this.#relay.pid}/ns/net`, "--", command, ...args] };
  }

  /** Stops the relay (and with it the namespace). Idempotent. */
  async close(): Promise<void> {
    const relay = this.#relay;
    if (relay.exitCode !== null || relay.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => relay.once("exit", () => resolve()));
    relay.stdin?.end();
    const timer = setTimeout(() => relay.kill("SIGKILL"), 2000);
    await exited;
    clearTimeout(timer);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

// Probing with `unshare -n true` first gives a clear reason instead of a relay start failure.
function namespaceUnavailableReason(): string | undefined {
  if (process.platform !== "linux") return `platform ${process.platform} has no network namespaces`;
  const probe = spawnSync("unshare", ["-n", "--", "sh", "-c", "ip link set lo up && command -v nsenter"], {
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 5000,
  });
  if (probe.error) return `unshare: ${probe.error.message}`;
  if (probe.status !== 0) return `unshare -n failed: ${probe.stderr.toString().trim() || `status ${probe.status}`}`;
  return undefined;
}

async function startRelay(
  socketPath: string,
  isolated: boolean,
  timeoutMs: number,
): Promise<{ relay: ChildProcess; port: number }> {
  const node = [process.execPath, "-e", RELAY_SOURCE];
  // `exec` keeps one process, so the relay's pid names the namespace for nsenter.
  const [command, ...args] = isolated
    ? ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", ...node]
    : node;
  const relay = spawn(command as string, args, {
    stdio: ["pipe", "pipe", "pipe"],
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", SKEIN_RELAY_SOCKET: socketPath },
  });
  let stderr = "";
  relay.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      relay.kill("SIGKILL");
      reject(new NetworkSandboxError(`relay did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    const lines = createInterface({ input: relay.stdout! });
    lines.once("line", (line) => {
      clearTimeout(timer);
      lines.close();
      resolve((JSON.parse(line) as { port: number }).port);
    });
    relay.once("error", (error) => {
      clearTimeout(timer);
      reject(new NetworkSandboxError(`relay failed to spawn: ${error.message}`, { cause: error }));
    });
    relay.once("exit", (code) => {
      clearTimeout(timer);
      reject(new NetworkSandboxError(`relay exited with ${code}: ${stderr.trim()}`));
    });
  });
  relay.removeAllListeners("exit");
  return { relay, port };
}
