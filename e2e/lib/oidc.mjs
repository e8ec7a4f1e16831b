// A real OpenID Provider for the social login suite: zitadel/oidc's example OP server, built with
// `go install` from the Go module proxy at the version internal/apitest pins (OIDCProviderModule), and
// run on a free port with its login page, discovery, PKCE and UserInfo.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { freePort, repoRoot } from "./server.mjs";

/** The module and version, read from internal/apitest/oidc.go so the two suites use the same OP. */
function opModule() {
  const src = readFileSync(join(repoRoot, "internal/apitest/oidc.go"), "utf8");
  const m = /OIDCProviderModule = "([^"]+)"/.exec(src);
  if (!m) throw new Error("OIDCProviderModule not found in internal/apitest/oidc.go");
  return m[1];
}

/** go install of the OP into dir; returns the binary's path. */
export function buildOIDCProvider(dir) {
  const module = opModule();
  process.stderr.write(`e2e: go install ${module}\n`);
  execFileSync("go", ["install", module], {
    cwd: dir,
    env: { ...process.env, GOBIN: dir, GOWORK: "off", GOFLAGS: "" },
    stdio: ["ignore", 2, 2],
  });
  return join(dir, "server");
}

/**
 * Starts the OP with users ({ id, username, password, email, emailVerified }) and its client "web"
 * (secret "secret") allowed to redirect to redirectURIs. Returns { issuer, clientId, clientSecret, stop }.
 */
export async function startOIDCProvider(bin, { users, redirectURIs }) {
  const dir = mkdtempSync(join(tmpdir(), "gojoser-e2e-op-"));
  const usersFile = join(dir, "users.json");
  const file = {};
  for (const u of users) {
    file[u.id] = {
      ID: u.id, Username: u.username, Password: u.password, FirstName: u.username, LastName: "E2E",
      Email: u.email, EmailVerified: u.emailVerified, PreferredLanguage: "en",
    };
  }
  writeFileSync(usersFile, JSON.stringify(file));
  const port = await freePort();
  const logFile = join(dir, "op.log");
  const out = openSync(logFile, "a");
  const child = spawn(bin, [], {
    env: { ...process.env, PORT: String(port), USERS_FILE: usersFile, REDIRECT_URI: redirectURIs.join(",") },
    stdio: ["ignore", out, out],
  });
  let exited = false;
  child.on("exit", () => (exited = true));
  const issuer = `http://localhost:${port}/`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`the OpenID Provider exited:\n${readFileSync(logFile, "utf8")}`);
    try {
      if ((await fetch(`${issuer}.well-known/openid-configuration`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the OpenID Provider did not answer at ${issuer}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    issuer,
    clientId: "web",
    clientSecret: "secret",
    logFile,
    stop: async () => {
      if (!exited) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
