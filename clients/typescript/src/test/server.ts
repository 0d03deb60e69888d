// Starts the real helpdesk server (in-memory store) for a test.
//
// The binary comes from $HELPDESK_BIN, by default ../../target/debug/helpdesk
// relative to clients/typescript.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

// This file runs from dist/test/, three levels below clients/typescript.
const CLIENT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DEFAULT_BIN = resolve(CLIENT_ROOT, "..", "..", "target", "debug", "helpdesk");
const LISTENING = /listening on (\S+)/;
const STARTUP_TIMEOUT_MS = 30_000;
const SHUTDOWN_TIMEOUT_MS = 15_000;

export interface Server {
  /** `host:port` the server listens on. */
  address: string;
  /** Stops the server with SIGTERM (SIGKILL if it does not exit in time). */
  stop(): Promise<void>;
}

function serverBinary(): string {
  const path = process.env.HELPDESK_BIN ? resolve(process.env.HELPDESK_BIN) : DEFAULT_BIN;
  if (!existsSync(path)) {
    throw new Error(`helpdesk binary not found at ${path}; set HELPDESK_BIN`);
  }
  return path;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((done) => child.once("exit", () => done()));
}

export async function startServer(): Promise<Server> {
  // The server refuses HELPDESK_* variables it does not know (HELPDESK_BIN is the tests' own), so it
  // gets none but those set here.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("HELPDESK_")),
  );
  env.HELPDESK_STORE_TYPE = "memory";
  env.HELPDESK_LOG_LEVEL = "INFO";
  const child = spawn(serverBinary(), ["serve", "--listen", "127.0.0.1:0"], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const log: string[] = [];
  const lines = createInterface({ input: child.stderr! });

  const address = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      fail(new Error(`server did not report its address:\n${log.join("\n")}`));
    }, STARTUP_TIMEOUT_MS);
    lines.on("line", (line) => {
      // Keep reading to the end, so the pipe never fills up.
      log.push(line);
      const match = LISTENING.exec(line);
      if (match) {
        clearTimeout(timer);
        done(match[1]!);
      }
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`server exited during start-up (${code ?? signal}):\n${log.join("\n")}`));
    });
  }).catch(async (error: unknown) => {
    child.kill("SIGKILL");
    await exited(child);
    throw error;
  });

  return {
    address,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), SHUTDOWN_TIMEOUT_MS);
        await exited(child);
        clearTimeout(timer);
      }
      lines.close();
    },
  };
}
