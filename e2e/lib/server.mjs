// Builds gojoser and examples/web, and runs gojoser on a fresh SQLite file, a free port and a temp mail
// folder, serving the built app from its root (or only the API).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const webDir = join(repoRoot, "examples/web");

const log = (msg) => process.stderr.write(`e2e: ${msg}\n`);

/** Runs a command with its output on stderr (stdout belongs to the test runner). */
function run(cmd, args, opts = {}) {
  log(`${opts.cwd ? `(in ${opts.cwd}) ` : ""}${cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { stdio: ["ignore", 2, 2], ...opts });
}

/** `npm ci` unless node_modules is already installed from the current package-lock.json. */
export function npmCiIfNeeded(dir) {
  const installed = join(dir, "node_modules/.package-lock.json");
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(join(dir, "package-lock.json")).mtimeMs) return;
  run("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir });
}

/** go build of the gojoser binary into dir. */
export function buildGojoser(dir) {
  const bin = join(dir, "gojoser");
  run("go", ["build", "-o", bin, "./cmd/gojoser"], { cwd: repoRoot });
  return bin;
}

/** npm ci (if needed) and npm run build of examples/web, which also builds @gojoser/client. */
export function buildWeb() {
  npmCiIfNeeded(webDir);
  run("npm", ["run", "build", "--silent"], { cwd: webDir });
  const dist = join(webDir, "dist");
  if (!existsSync(join(dist, "index.html"))) throw new Error(`${dist}/index.html was not built`);
  return dist;
}

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/**
 * Starts gojoser, serving staticDir at / when given, on `port` (default: a free one). Returns { url, mailDir, env, bin, logFile, stop() }.
 * Every GOJOSER_* variable of the calling environment is dropped so that a developer's settings cannot
 * change the run.
 */
export async function startGojoser({ bin, staticDir, extraEnv = {}, superuser, port: wantPort }) {
  const dir = mkdtempSync(join(tmpdir(), "gojoser-e2e-run-"));
  const mailDir = join(dir, "mail");
  mkdirSync(mailDir);
  const port = wantPort ?? (await freePort());
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("GOJOSER_")));
  Object.assign(env, {
    GOJOSER_ADDR: `127.0.0.1:${port}`,
    GOJOSER_DATABASE_URL: `sqlite:${join(dir, "gojoser.db")}`,
    ...(staticDir && { GOJOSER_STATIC_DIR: staticDir }),
    GOJOSER_EMAIL_BACKEND: "file",
    GOJOSER_EMAIL_FILE_PATH: mailDir,
    GOJOSER_SEND_ACTIVATION_EMAIL: "true",
    GOJOSER_SECRET_KEY: "e2e-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    GOJOSER_ARGON2_MEMORY_KIB: "1024",
    GOJOSER_ARGON2_TIME: "1",
    GOJOSER_LOG_LEVEL: "debug",
    // The browser tests log in and ask for mails many times from 127.0.0.1; throttling is tested in Go.
    GOJOSER_THROTTLE: "false",
    ...extraEnv,
  });
  const logFile = join(dir, "gojoser.log");

  if (superuser) {
    run(bin, ["createsuperuser", "--username", superuser.username, "--email", superuser.email], {
      env: { ...env, GOJOSER_SUPERUSER_PASSWORD: superuser.password },
    });
  }

  const out = openSync(logFile, "a");
  const child = spawn(bin, ["serve"], { env, stdio: ["ignore", out, out] });
  let exited = null;
  const exit = new Promise((ok) =>
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      ok(exited);
    }),
  );
  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exit;
      clearTimeout(timer);
    }
  };
  const cleanup = () => rmSync(dir, { recursive: true, force: true });

  // Ready once the built app answers at / (the API is up by then too), or the API without one.
  const ready = staticDir
    ? async () => {
        const res = await fetch(`${url}/`);
        return res.ok && (await res.text()).includes('id="root"');
      }
    : async () => (await fetch(`${url}/auth/users/me/`)).status === 401;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`gojoser exited (${JSON.stringify(exited)}) before answering:\n${readLog()}`);
    try {
      if (await ready()) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`gojoser did not answer at ${url}/ within 30 s:\n${readLog()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`gojoser is up at ${url} (data in ${dir})`);
  return { url, dir, mailDir, env, bin, logFile, readLog, stop, cleanup };
}
