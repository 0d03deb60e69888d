// Starts the real helpdesk server (in-memory store) for a test, with TLS and bearer tokens.
//
// The binary comes from $HELPDESK_BIN, by default ../../target/debug/helpdesk
// relative to clients/typescript. The server serves TLS with the test certificate
// (tests/fixtures/keys/server.crt, for localhost and 127.0.0.1) and takes its callers
// from a principals file; `createCredentials` makes the tokens with `helpdesk token create`
// and writes the principals files.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

// This file runs from dist/test/, three levels below clients/typescript.
const CLIENT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DEFAULT_BIN = resolve(CLIENT_ROOT, "..", "..", "target", "debug", "helpdesk");
/** tests/fixtures/keys of the repository: the test CA, server and client certificates. */
export const KEYS = resolve(CLIENT_ROOT, "..", "..", "tests", "fixtures", "keys");
/** The test CA, which signed server.crt and client-ops.crt. */
export const CA_FILE = join(KEYS, "ca.crt");
const LISTENING = /listening on (\S+)/;
const STARTUP_TIMEOUT_MS = 30_000;
const SHUTDOWN_TIMEOUT_MS = 15_000;

const MTLS_PRINCIPALS = `principals:
  - name: ops.internal.example.com
    client_cert: ops.internal.example.com
    scopes: [tickets.read]
`;

/** The tokens the test servers know, and their principals files. */
export interface Credentials {
  /** A token with the scope admin (every call). */
  admin: string;
  /** A token with the scope tickets.read only. */
  reader: string;
  /** The principals of the TLS server: both tokens. */
  principalsFile: string;
  /** The principals of the mTLS server: the client certificate ops.internal.example.com. */
  mtlsPrincipalsFile: string;
  /** Removes the files. */
  remove(): Promise<void>;
}

export interface ServerOptions {
  /** The principals file (HELPDESK_AUTH_PRINCIPALS_FILE). */
  principalsFile: string;
  /** Require client certificates signed by the test CA (HELPDESK_TLS_CLIENT_CA_FILE): mutual TLS. */
  mutualTls?: boolean;
}
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

/**
 * This process's environment without any HELPDESK_* variable, plus `helpdesk`. The server refuses
 * HELPDESK_* variables it does not know (HELPDESK_BIN is the tests' own), so it gets none but those
 * set here.
 */
function environment(helpdesk: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("HELPDESK_")),
  );
  return { ...env, ...helpdesk };
}

/** `helpdesk token create`: the token (its first line) and the principals entry after it. */
async function createToken(directory: string, name: string, scopes: string): Promise<[string, string]> {
  const { stdout } = await promisify(execFile)(
    serverBinary(),
    ["token", "create", "--name", name, "--scopes", scopes],
    { cwd: directory, env: environment(), timeout: 60_000 },
  );
  const newline = stdout.indexOf("\n");
  const token = stdout.slice(0, newline);
  const entry = stdout.slice(newline + 1);
  if (!token.startsWith("hdk_") || !entry.includes("token_sha256:")) {
    throw new Error(`unexpected output of helpdesk token create:\n${stdout}`);
  }
  return [token, entry];
}

/** Makes an admin and a tickets.read token and writes the principals files of both kinds of server. */
export async function createCredentials(): Promise<Credentials> {
  const directory = await mkdtemp(join(tmpdir(), "helpdesk-ts-principals-"));
  const [admin, adminEntry] = await createToken(directory, "typescript-client-admin", "admin");
  const [reader, readerEntry] = await createToken(directory, "typescript-client-reader", "tickets.read");
  const principalsFile = join(directory, "principals.yaml");
  await writeFile(principalsFile, `principals:\n${adminEntry}${readerEntry}`);
  const mtlsPrincipalsFile = join(directory, "mtls-principals.yaml");
  await writeFile(mtlsPrincipalsFile, MTLS_PRINCIPALS);
  return {
    admin,
    reader,
    principalsFile,
    mtlsPrincipalsFile,
    remove: () => rm(directory, { recursive: true, force: true }),
  };
}

/** Starts a server serving TLS (server.crt) to the callers of `options.principalsFile`. */
export async function startServer(options: ServerOptions): Promise<Server> {
  const env = environment({
    HELPDESK_STORE_TYPE: "memory",
    HELPDESK_LOG_LEVEL: "INFO",
    HELPDESK_TLS_CERT_FILE: join(KEYS, "server.crt"),
    HELPDESK_TLS_KEY_FILE: join(KEYS, "server.key"),
    HELPDESK_AUTH_PRINCIPALS_FILE: options.principalsFile,
    ...(options.mutualTls ? { HELPDESK_TLS_CLIENT_CA_FILE: CA_FILE } : {}),
  });
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
