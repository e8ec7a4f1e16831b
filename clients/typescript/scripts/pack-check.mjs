// Installs @gojoser/client the way a frontend team would, from its `npm pack` tarball, and uses it:
//   1. npm run build, npm pack, and @arethetypeswrong/cli on the tarball (types under NodeNext, both
//      require and import, and under Bundler);
//   2. the tarball installed into four scratch projects copied from scripts/pack-check/: Node CommonJS,
//      Node ESM, strict TypeScript with NodeNext (typechecked, then run), and a Vite browser build;
//   3. each one registers, logs in and reads /auth/users/me/ against a real gojoser (go build, serve on
//      a temporary SQLite file); the Vite bundle runs in headless Chromium (Debian's, through e2e's
//      playwright-core) from another origin, through CORS.
// Needs Go, Node 20+, the npm registry for the scratch projects' dependencies, and /usr/bin/chromium
// (bash e2e/install-chromium.sh). Run from anywhere: node clients/typescript/scripts/pack-check.mjs.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, createReadStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { buildGojoser, freePort, npmCiIfNeeded, repoRoot, startGojoser } from "../../../e2e/lib/server.mjs";

const clientDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const templates = join(clientDir, "scripts/pack-check");
const e2eDir = join(repoRoot, "e2e");

const log = (msg) => process.stderr.write(`pack-check: ${msg}\n`);
/** Runs a command with its output on stderr; stdout is kept for the results. */
function run(cmd, args, cwd) {
  log(`(in ${cwd}) ${cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { cwd, stdio: ["ignore", 2, 2] });
}
function output(cmd, args, cwd) {
  log(`(in ${cwd}) ${cmd} ${args.join(" ")}`);
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", 2] });
}
/** The {"me": ...} line a scratch project prints last. */
function meFrom(stdout) {
  const last = stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(last).me;
}

const work = mkdtempSync(join(tmpdir(), "gojoser-pack-check-"));
const results = [];
let server;
let site;
let browser;

/** One check: failures are collected so that every project gets its say. */
async function check(name, fn) {
  try {
    await fn();
    results.push({ name, ok: true });
    log(`ok: ${name}`);
  } catch (err) {
    results.push({ name, ok: false, err });
    log(`FAILED: ${name}\n${err?.stack ?? err}`);
  }
}

/** Serves dir over HTTP on a free port of 127.0.0.1: the Vite app's own origin. */
async function serveStatic(dir) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".map": "application/json" };
  const port = await freePort();
  const srv = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    const file = join(dir, path.endsWith("/") ? `${path}index.html` : path);
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok) => srv.listen(port, "127.0.0.1", ok));
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => srv.close(ok)) };
}

try {
  // --- The tarball ------------------------------------------------------------------------------------
  run("npm", ["run", "build", "--silent"], clientDir);
  const [packed] = JSON.parse(output("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], clientDir));
  const tarball = join(work, packed.filename);
  const files = packed.files.map((f) => f.path);
  log(`${packed.filename}: ${files.length} files, ${packed.size} bytes`);

  await check("the tarball holds both builds and their types", () => {
    for (const entry of ["index", "react"]) {
      for (const ext of [".js", ".cjs", ".d.ts", ".d.cts"]) assert.ok(files.includes(`dist/${entry}${ext}`), `dist/${entry}${ext}`);
    }
  });
  await check("types resolve for require and import under NodeNext, and under Bundler (attw)", () => {
    run(join(clientDir, "node_modules/.bin/attw"), [tarball, "--profile", "node16"], clientDir);
  });

  // --- Scratch projects -------------------------------------------------------------------------------
  const project = (name) => {
    const dir = join(work, name);
    cpSync(join(templates, name), dir, { recursive: true });
    // As a team would: npm install ./gojoser-client-<version>.tgz, next to the project's own dependencies.
    run("npm", ["install", "--no-audit", "--no-fund", tarball], dir);
    return dir;
  };
  const cjs = project("node-cjs");
  const esm = project("node-esm");
  const ts = project("ts-nodenext");
  const vite = project("vite");

  const bin = buildGojoser(work);
  site = await serveStatic(join(vite, "dist"));
  server = await startGojoser({
    bin,
    extraEnv: { GOJOSER_SEND_ACTIVATION_EMAIL: "false", GOJOSER_CORS_ALLOWED_ORIGINS: site.origin },
  });

  await check("Node CommonJS: require()", () => {
    assert.equal(meFrom(output("node", ["index.cjs", server.url, "node-cjs"], cjs)).username, "node-cjs");
  });
  await check("Node ESM: import", () => {
    assert.equal(meFrom(output("node", ["index.mjs", server.url, "node-esm"], esm)).username, "node-esm");
  });
  await check("TypeScript --strict, NodeNext: typecheck, then run the ESM and the CommonJS file", () => {
    run("npm", ["run", "build", "--silent"], ts);
    assert.equal(meFrom(output("node", ["dist/main.js", server.url, "ts-esm"], ts)).username, "ts-esm");
    assert.equal(meFrom(output("node", ["dist/legacy.cjs", server.url, "ts-cjs"], ts)).username, "ts-cjs");
  });
  await check("Vite: a browser bundle, run in headless Chromium against another origin", async () => {
    run("npm", ["run", "build", "--silent"], vite);
    npmCiIfNeeded(e2eDir);
    const { launchBrowser } = await import("../../../e2e/lib/browser.mjs");
    browser = await launchBrowser();
    const page = await browser.newPage();
    const problems = [];
    page.on("pageerror", (err) => problems.push(String(err)));
    const query = new URLSearchParams({ api: server.url, username: "vite-browser" });
    await page.goto(`${site.origin}/index.html?${query}`);
    await page.waitForFunction(() => document.getElementById("result")?.textContent !== "running", null, { timeout: 15_000 });
    const result = JSON.parse(await page.locator("#result").textContent());
    assert.deepEqual(problems, []);
    assert.equal(result.error, undefined, `the page says: ${result.error}`);
    assert.equal(result.me.username, "vite-browser");
  });
} catch (err) {
  results.push({ name: "setup", ok: false, err });
  log(`FAILED: setup\n${err?.stack ?? err}`);
} finally {
  await browser?.close();
  await site?.close();
  await server?.stop();
}

const failed = results.filter((r) => !r.ok);
if (failed.length === 0) {
  server?.cleanup();
  rmSync(work, { recursive: true, force: true });
} else {
  if (server) log(`gojoser's log:\n${server.readLog()}`);
  log(`kept ${work} for a look`);
}
console.log(`pack-check: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exitCode = failed.length === 0 ? 0 : 1;
