// The demo app (examples/web) served by gojoser (GOJOSER_STATIC_DIR), driven through every account flow
// in headless Chromium. gojoser and the app are built once; each suite gets its own server, SQLite file
// and mail folder. A suite's steps build on each other, so they run in order and a failed step skips the
// rest of its suite; screenshots of every open page and the server log go to e2e/artifacts/.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { expectCount, expectHidden, expectVisible, launchBrowser, newTab, newUser, screenshotAll } from "../lib/browser.mjs";
import { Mailbox } from "../lib/mail.mjs";
import { buildOIDCProvider, startOIDCProvider } from "../lib/oidc.mjs";
import { buildGojoser, buildWeb, freePort, startGojoser } from "../lib/server.mjs";

const artifacts = join(dirname(fileURLToPath(import.meta.url)), "../artifacts");

const ROOT = { username: "root", email: "root@example.com", password: "Root-Admin-Pass-91" };
const ALICE = {
  username: "alice",
  email: "alice@example.com",
  newEmail: "alice.new@example.com",
  password: "Blue-Otter-Sings-42",
  changedPassword: "Green-Falcon-Runs-77",
  resetPassword: "Red-Panda-Sleeps-13",
  newUsername: "alice2",
};

let buildDir;
let bin;
let dist;
let browser;

const tid = (page, id) => page.getByTestId(id);

/** The demo app runs in cookie mode, so every suite's server has it on (GOJOSER_AUTH_COOKIE). */
const AUTH_COOKIE = "gojoser_auth";

/**
 * A suite's server and browser pages. Its steps run in order and build on each other, so after a failure
 * the remaining ones are skipped; the failure leaves screenshots of every open page and the server log.
 * extraEnv and port may be functions, called when the server starts (after the describe's own before hooks).
 */
function suite(name, extraEnv, { port } = {}) {
  const s = { name, server: undefined, mailbox: undefined, pages: {}, failed: false };
  const value = (v) => (typeof v === "function" ? v() : v);
  before(
    async () => {
      s.server = await startGojoser({
        bin,
        staticDir: dist,
        superuser: ROOT,
        port: value(port),
        extraEnv: { GOJOSER_AUTH_COOKIE: AUTH_COOKIE, ...value(extraEnv) },
      });
      s.mailbox = new Mailbox(s.server.mailDir);
    },
    { timeout: 60_000 },
  );
  after(async () => {
    for (const page of Object.values(s.pages)) await page?.context().close();
    await s.server?.stop();
    if (s.server && s.failed) copyFileSync(s.server.logFile, join(artifacts, `${s.name}-gojoser.log`));
    s.server?.cleanup();
  });
  s.step = (title, fn) =>
    test(title, { timeout: 120_000 }, async (t) => {
      if (s.failed) {
        t.skip("an earlier step failed");
        return;
      }
      try {
        await fn();
      } catch (err) {
        s.failed = true;
        const pages = Object.values(s.pages).filter(Boolean);
        const prefix = `${s.name}-${title}`;
        const shots = await screenshotAll(pages, artifacts, prefix);
        const notes = pages.map((p) => `${p.userName} at ${p.url()}; console errors: ${JSON.stringify(p.consoleErrors)}`);
        if (s.server) copyFileSync(s.server.logFile, join(artifacts, `${s.name}-gojoser.log`));
        writeFileSync(join(artifacts, `${prefix}.txt`.replace(/[^\w.-]+/g, "_")), `${err.stack}\n\n${notes.join("\n")}\n`);
        t.diagnostic(`screenshots: ${shots.join(", ") || "(none)"}; server log: ${join(artifacts, `${s.name}-gojoser.log`)}`);
        throw err;
      }
    });
  return s;
}

/** Logs in through the form: a token named `label`, or with `jwt` a JWT pair. */
async function login(page, username, password, label, { jwt = false } = {}) {
  await page.goto("/#/login");
  await tid(page, "login-username").fill(username);
  await tid(page, "login-password").fill(password);
  if (label) await tid(page, "login-label").fill(label);
  if (jwt) await tid(page, "login-jwt").check();
  await tid(page, "login-submit").click();
}

async function logout(page) {
  await tid(page, "logout-button").click();
  await expectVisible(tid(page, "flash"), "You are logged out.");
  await expectVisible(tid(page, "login-form"));
}

before(
  async () => {
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    buildDir = mkdtempSync(join(tmpdir(), "gojoser-e2e-build-"));
    bin = buildGojoser(buildDir);
    dist = buildWeb();
    browser = await launchBrowser();
  },
  { timeout: 900_000 },
);

after(async () => {
  await browser?.close();
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

describe("every flow of the demo app", () => {
  // The email change waits for a link to the new address: the #/email/confirm/ route.
  const s = suite("flows", { GOJOSER_EMAIL_CHANGE_CONFIRM: "true" });
  const step = s.step;
  /** alice's browser, alice's second device, and the admin's browser. */
  let alice;
  let second;
  let root;
  let server;
  let mailbox;

  step("01 the app is served from gojoser's root and the API beside it", async () => {
    ({ server, mailbox } = s);
    alice = s.pages.alice = await newUser(browser, server.url, "alice");
    await alice.goto("/");
    await expectVisible(tid(alice, "home"));
    await expectVisible(tid(alice, "nav-login"));
    const res = await fetch(`${server.url}/auth/users/me/`);
    assert.equal(res.status, 401);
  });

  step("02 register: field errors next to their fields, then an inactive account", async () => {
    await tid(alice, "nav-register").click();
    await tid(alice, "register-username").fill(ALICE.username);
    await tid(alice, "register-email").fill("not-an-address");
    await tid(alice, "register-password").fill("short");
    await tid(alice, "register-submit").click();
    await expectVisible(tid(alice, "register-email-error"), "Enter a valid email address.");
    assert.equal(await tid(alice, "register-username-error").count(), 0);

    // As in Django, the password validators run once the fields themselves are valid.
    await tid(alice, "register-email").fill(ALICE.email);
    await tid(alice, "register-submit").click();
    await expectVisible(tid(alice, "register-password-error"), "This password is too short.");
    await expectHidden(tid(alice, "register-email-error"));

    await tid(alice, "register-password").fill(ALICE.password);
    await tid(alice, "register-submit").click();
    await expectVisible(tid(alice, "register-done"), `Welcome, ${ALICE.username}!`);

    // Not active yet: the login is refused.
    await login(alice, ALICE.username, ALICE.password);
    await expectVisible(tid(alice, "login-error"), "Unable to log in with provided credentials.");
  });

  step("03 ask for the activation mail again, then activate from the emailed link", async () => {
    await tid(alice, "nav-login").click();
    await tid(alice, "login-resend").click();
    await tid(alice, "resend-activation-email").fill(ALICE.email);
    await tid(alice, "resend-activation-submit").click();
    await expectVisible(tid(alice, "resend-activation-done"), "we sent it a new link");
    const first = await mailbox.waitForLink({ to: ALICE.email, route: "activate" });
    const mail = await mailbox.waitForLink({ to: ALICE.email, route: "activate" });
    assert.notEqual(mail.file, first.file);
    assert.ok(mail.link.startsWith(`${server.url}/#/activate/`), mail.link);
    await alice.goto(mail.link);
    await tid(alice, "activate-submit").click();
    await expectVisible(tid(alice, "activate-done"), "Your account is active.");

    // Links are single-use: the same link again shows the server's error.
    await alice.reload();
    await tid(alice, "activate-submit").click();
    await expectVisible(tid(alice, "activate-error"));
  });

  step("04 log in with a token and see the profile", async () => {
    await login(alice, ALICE.username, "Wrong-Password-00");
    await expectVisible(tid(alice, "login-error"), "Unable to log in with provided credentials.");
    await login(alice, ALICE.username, ALICE.password, "e2e main");
    await expectVisible(tid(alice, "me-username"), ALICE.username);
    await expectVisible(tid(alice, "me-email"), ALICE.email);
    await expectVisible(tid(alice, "whoami"), ALICE.username);

    // Not an admin: no user list.
    assert.equal(await tid(alice, "nav-users").count(), 0);
    await alice.goto("/#/users");
    await expectVisible(tid(alice, "users-forbidden"));

    // The session survives a reload (createLocalStorage).
    await alice.goto("/#/profile");
    await alice.reload();
    await expectVisible(tid(alice, "me-username"), ALICE.username);
  });

  step("04b log in with a JWT instead: the profile works, it is no session, and logout ends it", async () => {
    const page = (s.pages.jwt = await newUser(browser, server.url, "alice-jwt"));
    await login(page, ALICE.username, ALICE.password, undefined, { jwt: true });
    await expectVisible(tid(page, "me-username"), ALICE.username);
    // Cookie mode: the pair is in httpOnly cookies; localStorage only says a JWT session exists.
    const saved = JSON.parse(await page.evaluate(() => localStorage.getItem("gojoser.auth")));
    assert.deepEqual(saved, { scheme: "jwt", access: "", refresh: "", cookie: true });
    const refresh = (await page.context().cookies()).find((c) => c.name === `${AUTH_COOKIE}_refresh`);
    assert.ok(refresh?.httpOnly && refresh.path === "/auth/jwt/", JSON.stringify(refresh));

    // Sessions are DRF tokens: the JWT login added none, so only the main device is listed.
    await tid(page, "nav-sessions").click();
    await expectVisible(tid(page, "sessions-table"));
    assert.equal(await tid(page, "session-row").count(), 1);
    assert.equal(await tid(page, "session-current").count(), 0);

    await logout(page);
    assert.equal(await page.evaluate(() => localStorage.getItem("gojoser.auth")), null);
    assert.deepEqual((await page.context().cookies()).filter((c) => c.name.startsWith(AUTH_COOKIE)), [], "logout clears the cookies");
    // The refresh token was blacklisted on logout, so a copy of it is worth nothing.
    const res = await fetch(`${server.url}/auth/jwt/refresh/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh: refresh.value }),
    });
    assert.equal(res.status, 401);
    await page.context().close();
    s.pages.jwt = undefined;
  });

  step("05 edit the email: a field error, then a confirmation link to the new address", async () => {
    await alice.goto("/#/profile");
    await tid(alice, "profile-email").fill("not-an-address");
    await tid(alice, "profile-submit").click();
    await expectVisible(tid(alice, "profile-email-error"), "Enter a valid email address.");

    await tid(alice, "profile-email").fill(ALICE.newEmail);
    await tid(alice, "profile-submit").click();
    await expectVisible(tid(alice, "profile-done"), `We sent a confirmation link to ${ALICE.newEmail}`);
    await expectVisible(tid(alice, "me-email"), ALICE.email);
    await expectHidden(tid(alice, "profile-email-error"));

    const mail = await mailbox.waitForLink({ to: ALICE.newEmail, route: "email/confirm" });
    await alice.goto(mail.link);
    await tid(alice, "email-confirm-submit").click();
    await expectVisible(tid(alice, "email-confirm-done"), "Your email address is changed.");
    await alice.goto("/#/profile");
    await expectVisible(tid(alice, "me-email"), ALICE.newEmail);
  });

  step("05b change the username: the current password is checked, then the new name shows", async () => {
    await alice.goto("/#/profile");
    const rename = async (to, password) => {
      await tid(alice, "set-username-new_username").fill(to);
      await tid(alice, "set-username-current_password").fill(password);
      await tid(alice, "set-username-submit").click();
    };
    await rename("alice-renamed", "Wrong-Password-00");
    await expectVisible(tid(alice, "set-username-current_password-error"), "Invalid password.");
    await expectVisible(tid(alice, "me-username"), ALICE.username);

    await rename("alice-renamed", ALICE.password);
    await expectVisible(tid(alice, "set-username-done"), "Your username is now alice-renamed.");
    await expectVisible(tid(alice, "me-username"), "alice-renamed");
    await expectVisible(tid(alice, "whoami"), "alice-renamed");

    // And back, for the steps that follow.
    await rename(ALICE.username, ALICE.password);
    await expectVisible(tid(alice, "me-username"), ALICE.username);
  });

  step("06 list my sessions and revoke another device's", async () => {
    second = s.pages.second = await newUser(browser, server.url, "alice-second-device");
    await login(second, ALICE.username, ALICE.password, "second device");
    await expectVisible(tid(second, "me-username"), ALICE.username);

    await tid(alice, "nav-sessions").click();
    const rows = tid(alice, "session-row");
    await expectCount(rows, 2);
    const current = alice.locator('[data-testid="session-row"][data-current="true"]');
    await expectVisible(current, "e2e main");
    await expectVisible(current.getByTestId("session-current"), "this device");
    assert.equal(await current.getByTestId("session-revoke").count(), 0);

    const other = alice.locator('[data-testid="session-row"][data-label="second device"]');
    await other.getByTestId("session-revoke").click();
    await expectCount(rows, 1);
    await expectVisible(rows.first(), "e2e main");

    // The other device's token is dead: its next request fails and the app asks it to log in.
    await second.reload();
    await expectVisible(tid(second, "login-form"));
    assert.equal(await second.evaluate(() => localStorage.getItem("gojoser.auth")), null);
    await second.context().close();
    s.pages.second = second = undefined;
  });

  step("07 change the password", async () => {
    await tid(alice, "nav-profile").click();
    await tid(alice, "password-current_password").fill("Wrong-Password-00");
    await tid(alice, "password-new_password").fill(ALICE.changedPassword);
    await tid(alice, "password-submit").click();
    await expectVisible(tid(alice, "password-current_password-error"), "Invalid password.");

    await tid(alice, "password-current_password").fill(ALICE.password);
    await tid(alice, "password-new_password").fill("12345678");
    await tid(alice, "password-submit").click();
    await expectVisible(tid(alice, "password-new_password-error"), "This password is too common.");

    await tid(alice, "password-current_password").fill(ALICE.password);
    await tid(alice, "password-new_password").fill(ALICE.changedPassword);
    await tid(alice, "password-submit").click();
    await expectVisible(tid(alice, "password-done"), "Your password is changed.");
    await expectHidden(tid(alice, "password-new_password-error"));
  });

  step("08 log out, and log in again only with the new password", async () => {
    await logout(alice);
    assert.equal(await alice.evaluate(() => localStorage.getItem("gojoser.auth")), null);
    await alice.reload();
    await expectVisible(tid(alice, "nav-login"));

    await login(alice, ALICE.username, ALICE.password);
    await expectVisible(tid(alice, "login-error"), "Unable to log in with provided credentials.");
    await login(alice, ALICE.username, ALICE.changedPassword);
    await expectVisible(tid(alice, "me-username"), ALICE.username);
    await logout(alice);
  });

  step("09 forgotten password: request a link, reset from the emailed link", async () => {
    await tid(alice, "login-forgot").click();
    await tid(alice, "forgot-email").fill(ALICE.newEmail);
    await tid(alice, "forgot-submit").click();
    await expectVisible(tid(alice, "forgot-done"), "we sent it a link");

    const mail = await mailbox.waitForLink({ to: ALICE.newEmail, route: "password/reset/confirm" });
    await alice.goto(mail.link);
    await tid(alice, "reset-new_password").fill("alice.new");
    await tid(alice, "reset-submit").click();
    await expectVisible(tid(alice, "reset-new_password-error"), "too similar");
    await tid(alice, "reset-new_password").fill(ALICE.resetPassword);
    await tid(alice, "reset-submit").click();
    await expectVisible(tid(alice, "reset-done"), "Your password is changed.");

    await login(alice, ALICE.username, ALICE.changedPassword);
    await expectVisible(tid(alice, "login-error"));
    await login(alice, ALICE.username, ALICE.resetPassword);
    await expectVisible(tid(alice, "me-username"), ALICE.username);
    await logout(alice);
  });

  step("10 forgotten username: request a link, choose a new username", async () => {
    await alice.goto("/#/forgot");
    await tid(alice, "forgot-username-email").fill(ALICE.newEmail);
    await tid(alice, "forgot-username-submit").click();
    await expectVisible(tid(alice, "forgot-username-done"));

    const mail = await mailbox.waitForLink({ to: ALICE.newEmail, route: "username/reset/confirm" });
    await alice.goto(mail.link);
    await tid(alice, "username-reset-new_username").fill("no spaces allowed");
    await tid(alice, "username-reset-submit").click();
    await expectVisible(tid(alice, "username-reset-new_username-error"));
    await tid(alice, "username-reset-new_username").fill(ALICE.newUsername);
    await tid(alice, "username-reset-submit").click();
    await expectVisible(tid(alice, "username-reset-done"), "Your username is changed.");

    await login(alice, ALICE.newUsername, ALICE.resetPassword, "e2e main");
    await expectVisible(tid(alice, "me-username"), ALICE.newUsername);
  });

  step("11 an admin sees the user list", async () => {
    root = s.pages.root = await newUser(browser, server.url, "root");
    await login(root, ROOT.username, ROOT.password);
    await expectVisible(tid(root, "me-username"), ROOT.username);
    await tid(root, "nav-users").click();
    await expectCount(tid(root, "user-row"), 2);
    await expectVisible(root.locator(`[data-testid="user-row"][data-username="${ROOT.username}"]`), ROOT.email);
    await expectVisible(root.locator(`[data-testid="user-row"][data-username="${ALICE.newUsername}"]`), ALICE.newEmail);
  });

  step("12 delete the account with the current password", async () => {
    await alice.goto("/#/profile");
    await tid(alice, "delete-current_password").fill("Wrong-Password-00");
    await tid(alice, "delete-submit").click();
    await expectVisible(tid(alice, "delete-current_password-error"), "Invalid password.");

    await tid(alice, "delete-current_password").fill(ALICE.resetPassword);
    await tid(alice, "delete-submit").click();
    await expectVisible(tid(alice, "flash"), "Your account is deleted.");
    await expectVisible(tid(alice, "login-form"));
    assert.equal(await alice.evaluate(() => localStorage.getItem("gojoser.auth")), null);

    await login(alice, ALICE.newUsername, ALICE.resetPassword);
    await expectVisible(tid(alice, "login-error"), "Unable to log in with provided credentials.");

    await root.reload();
    await expectCount(tid(root, "user-row"), 1);
    await logout(root);
  });

  step("13 no errors in the browser consoles", async () => {
    for (const page of [alice, root]) {
      // Failed API calls (400, 401) are logged by Chromium as resource errors; anything else is a bug.
      const unexpected = page.consoleErrors.filter((m) => !/Failed to load resource/.test(m));
      assert.deepEqual(unexpected, [], `${page.userName}'s console`);
    }
  });
});

describe("an email change without GOJOSER_EMAIL_CHANGE_CONFIRM (Djoser's behaviour)", () => {
  // With GOJOSER_SEND_ACTIVATION_EMAIL alone, a new address deactivates the account until it is activated.
  const s = suite("reactivation", {});
  const BOB = { username: "bob", email: "bob@example.com", newEmail: "bob.new@example.com", password: "Quiet-Heron-Waits-58" };

  s.step("01 a new address logs the user out until its activation link is followed", async () => {
    const { server, mailbox } = s;
    const bob = (s.pages.bob = await newUser(browser, server.url, "bob"));
    const res = await fetch(`${server.url}/auth/users/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: BOB.username, email: BOB.email, password: BOB.password }),
    });
    assert.equal(res.status, 201, await res.text());
    await bob.goto((await mailbox.waitForLink({ to: BOB.email, route: "activate" })).link);
    await tid(bob, "activate-submit").click();
    await expectVisible(tid(bob, "activate-done"));

    await login(bob, BOB.username, BOB.password);
    await expectVisible(tid(bob, "me-email"), BOB.email);
    await tid(bob, "profile-email").fill(BOB.newEmail);
    await tid(bob, "profile-submit").click();
    await expectVisible(tid(bob, "flash"), `Follow the activation link we sent to ${BOB.newEmail}`);
    await expectVisible(tid(bob, "login-form"));

    await bob.goto((await mailbox.waitForLink({ to: BOB.newEmail, route: "activate" })).link);
    await tid(bob, "activate-submit").click();
    await expectVisible(tid(bob, "activate-done"));
    await login(bob, BOB.username, BOB.password);
    await expectVisible(tid(bob, "me-email"), BOB.newEmail);
  });
});

describe("two tabs whose access token expired share one JWT refresh", () => {
  // Access tokens live 2 s. Refresh tokens rotate with no grace: a second refresh with the old token
  // counts as reuse and revokes the session, the way SPAs log their users out (supabase auth-js #650).
  const s = suite("tabs", {
    GOJOSER_SEND_ACTIVATION_EMAIL: "false",
    GOJOSER_JWT_ACCESS_TOKEN_LIFETIME: "2s",
    GOJOSER_JWT_ROTATE_REFRESH_TOKENS: "true",
    GOJOSER_JWT_ROTATION_GRACE: "0s",
  });
  const CAROL = { username: "carol", password: "Amber-Lynx-Climbs-64" };
  const stored = (page) => page.evaluate(() => JSON.parse(localStorage.getItem("gojoser.auth")));
  const isRefresh = (r) => r.method() === "POST" && new URL(r.url()).pathname === "/auth/jwt/refresh/";
  const isMe = (r) => new URL(r.url()).pathname.startsWith("/auth/users/me/");
  const serverRefreshes = () => s.server.readLog().match(/method=POST path=\/auth\/jwt\/refresh\/ /g)?.length ?? 0;

  /**
   * Logs carol in with a JWT in one tab, opens a second tab, lets the access token expire, and reloads
   * both tabs at once. The refresh request is held until both tabs have had their 401, so they really
   * need a refresh at the same time.
   */
  async function bothTabsAfterExpiry(name, { webLocks }) {
    const one = (s.pages[`${name}-1`] = await newUser(browser, s.server.url, `${name}-1`));
    // This suite is about the pair in localStorage: the demo app's header mode.
    await one.context().addInitScript(() => localStorage.setItem("gojoser.demo.mode", "header"));
    if (!webLocks) {
      await one.context().addInitScript(() => {
        delete Navigator.prototype.locks;
      });
    }
    await login(one, CAROL.username, CAROL.password, undefined, { jwt: true });
    await expectVisible(tid(one, "me-username"), CAROL.username);
    const two = (s.pages[`${name}-2`] = await newTab(one, `${name}-2`));
    await two.goto("/#/profile");
    await expectVisible(tid(two, "me-username"), CAROL.username);
    for (const page of [one, two]) assert.equal(await page.evaluate(() => typeof navigator.locks), webLocks ? "object" : "undefined");

    const before = await stored(one);
    const exp = JSON.parse(Buffer.from(before.access.split(".")[1], "base64url")).exp;
    while (Date.now() < exp * 1000 + 500) await new Promise((r) => setTimeout(r, 100));

    const refreshes = [];
    const refused = new Set();
    let bothRefused;
    const bothHadA401 = new Promise((ok) => (bothRefused = ok));
    for (const page of [one, two]) {
      page.on("request", (r) => isRefresh(r) && refreshes.push(page.userName));
      page.on("response", (r) => {
        if (isMe(r.request()) && r.status() === 401) refused.add(page.userName);
        if (refused.size === 2) bothRefused();
      });
    }
    await one.context().route("**/auth/jwt/refresh/", async (route) => {
      await Promise.race([bothHadA401, new Promise((r) => setTimeout(r, 10_000))]);
      await route.continue();
    });
    const logged = serverRefreshes();

    await Promise.all([one.reload(), two.reload()]);
    for (const page of [one, two]) await expectVisible(tid(page, "me-username"), CAROL.username);
    await one.context().unroute("**/auth/jwt/refresh/");

    assert.deepEqual([...refused].sort(), [one.userName, two.userName], "both tabs had a 401 first");
    assert.equal(refreshes.length, 1, `refresh requests from ${JSON.stringify(refreshes)}`);
    // gojoser's access log holds an info line for up to 200 ms (internal/logging.FlushEvery): wait for
    // the refresh's line, then one more flush, so that a second refresh would be counted too.
    for (const deadline = Date.now() + 5_000; serverRefreshes() - logged < 1 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(serverRefreshes() - logged, 1, "POST /auth/jwt/refresh/ lines in gojoser's access log");
    const after = await stored(two);
    assert.notEqual(after.access, before.access);
    assert.notEqual(after.refresh, before.refresh, "the rotated refresh token is kept");
    // Both tabs stay logged in with the one rotated pair: the session was not revoked.
    for (const page of [one, two]) {
      await page.reload();
      await expectVisible(tid(page, "me-username"), CAROL.username);
      // The 401s are logged by Chromium as resource errors; anything else is a bug.
      assert.deepEqual(page.consoleErrors.filter((m) => !/Failed to load resource/.test(m)), [], `${page.userName}'s console`);
    }
    await one.context().close();
    s.pages[`${name}-1`] = s.pages[`${name}-2`] = undefined;
  }

  s.step("01 with the Web Locks API", async () => {
    const res = await fetch(`${s.server.url}/auth/users/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(CAROL),
    });
    assert.equal(res.status, 201, await res.text());
    await bothTabsAfterExpiry("locks", { webLocks: true });
  });

  s.step("02 without it (older browsers, plain http): a lease in localStorage", async () => {
    await bothTabsAfterExpiry("lease", { webLocks: false });
  });
});

/** gojoser's credential cookies in the browser context of page. */
const authCookies = async (page) => (await page.context().cookies()).filter((c) => c.name.startsWith(AUTH_COOKIE));

describe("cookie mode: httpOnly credentials, and cross-origin writes refused", () => {
  const s = suite("cookies", { GOJOSER_SEND_ACTIVATION_EMAIL: "false" });
  const DAN = { username: "dan", password: "Silver-Moose-Hums-27" };
  let dan;
  let other; // a second origin: same site as the app (127.0.0.1), another port, so SameSite=Lax sends the cookies

  before(async () => {
    other = createServer((req, res) => {
      // A page that posts a form to the API as soon as it loads: the classic forged request.
      const target = new URL(req.url, "http://x").searchParams.get("target");
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end(`<!doctype html><form method="POST" action="${target}"><input name="x" value="1"></form>
<script>document.forms[0].submit()</script>`);
    });
    await new Promise((ok) => other.listen(0, "127.0.0.1", ok));
  });
  after(() => other?.close());

  s.step("01 log in: the credential is in an httpOnly cookie, nowhere a script can read it", async () => {
    const res = await fetch(`${s.server.url}/auth/users/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(DAN),
    });
    assert.equal(res.status, 201, await res.text());
    dan = s.pages.dan = await newUser(browser, s.server.url, "dan");
    const loginAnswer = dan.waitForResponse((r) => new URL(r.url()).pathname === "/auth/token/login/");
    await login(dan, DAN.username, DAN.password, "cookie device");
    const { auth_token: key } = await (await loginAnswer).json();
    await expectVisible(tid(dan, "me-username"), DAN.username);

    const [cookie, ...more] = await authCookies(dan);
    assert.equal(more.length, 0);
    assert.deepEqual(
      { name: cookie.name, value: cookie.value, httpOnly: cookie.httpOnly, secure: cookie.secure, sameSite: cookie.sameSite, path: cookie.path },
      { name: AUTH_COOKIE, value: key, httpOnly: true, secure: true, sameSite: "Lax", path: "/" },
    );
    assert.equal(await dan.evaluate(() => document.cookie), "", "document.cookie shows no credential");
    const storage = await dan.evaluate(() => JSON.stringify({ ...localStorage }));
    assert.ok(!storage.includes(key), `localStorage holds the key: ${storage}`);
    assert.deepEqual(JSON.parse(await dan.evaluate(() => localStorage.getItem("gojoser.auth"))), { scheme: "token", token: "", cookie: true });
  });

  s.step("02 a reload stays logged in", async () => {
    await dan.reload();
    await expectVisible(tid(dan, "me-username"), DAN.username);
    await tid(dan, "nav-sessions").click();
    await expectVisible(dan.locator('[data-testid="session-row"][data-current="true"]'), "cookie device");
  });

  s.step("03 a forged POST from another origin of the same site carries the cookie and is refused", async () => {
    const evilOrigin = `http://127.0.0.1:${other.address().port}`;
    const target = `${s.server.url}/auth/token/logoutall/`;
    const answer = dan.waitForResponse((r) => r.url() === target);
    await dan.goto(`${evilOrigin}/?target=${encodeURIComponent(target)}`);
    const res = await answer;
    const sent = await res.request().allHeaders();
    assert.match(sent.cookie ?? "", new RegExp(`${AUTH_COOKIE}=`), "SameSite=Lax let the cookie through: only the origin check stops it");
    assert.equal(sent.origin, evilOrigin);
    assert.equal(res.status(), 403);
    assert.deepEqual(await res.json(), {
      detail: `CSRF Failed: Origin checking failed - ${evilOrigin} does not match any trusted origins.`,
    });
    // Nothing happened: the session is alive.
    await dan.goto(`${s.server.url}/#/profile`);
    await expectVisible(tid(dan, "me-username"), DAN.username);
  });

  s.step("04 logout clears the cookies", async () => {
    await logout(dan);
    assert.deepEqual(await authCookies(dan), []);
    assert.equal(await dan.evaluate(() => localStorage.getItem("gojoser.auth")), null);
    await dan.reload();
    await expectVisible(tid(dan, "nav-login"));
  });

  s.step("05 a JWT in cookie mode: both cookies, a reload refreshes by cookie, logout clears both", async () => {
    await login(dan, DAN.username, DAN.password, undefined, { jwt: true });
    await expectVisible(tid(dan, "me-username"), DAN.username);
    const names = (await authCookies(dan)).map((c) => `${c.name} ${c.path} ${c.httpOnly}`).sort();
    assert.deepEqual(names, [`${AUTH_COOKIE} / true`, `${AUTH_COOKIE}_refresh /auth/jwt/ true`]);
    assert.equal(await dan.evaluate(() => document.cookie), "");
    // Without the access cookie (as once it expires), the app refreshes by the refresh cookie.
    await dan.context().clearCookies({ name: AUTH_COOKIE });
    const refreshed = dan.waitForResponse((r) => new URL(r.url()).pathname === "/auth/jwt/refresh/");
    await dan.reload();
    assert.equal((await refreshed).status(), 200);
    await expectVisible(tid(dan, "me-username"), DAN.username);
    await logout(dan);
    assert.deepEqual(await authCookies(dan), []);
  });

  s.step("06 no errors in the browser console", async () => {
    const unexpected = dan.consoleErrors.filter((m) => !/Failed to load resource/.test(m));
    assert.deepEqual(unexpected, [], "dan's console");
  });
});

describe("social login through a real OpenID Provider", () => {
  let opBin;
  let op;
  let port;
  const OP_USERS = [
    { id: "sub-erin", username: "erin", password: "op-pass-erin", email: "erin@example.com", emailVerified: true },
    { id: "sub-fay", username: "fay-at-op", password: "op-pass-fay", email: "fay@example.com", emailVerified: true },
    { id: "sub-gus", username: "gus-at-op", password: "op-pass-gus", email: "gus@example.com", emailVerified: false },
  ];
  before(
    async () => {
      opBin = buildOIDCProvider(buildDir);
      port = await freePort();
      op = await startOIDCProvider(opBin, { users: OP_USERS, redirectURIs: [`http://127.0.0.1:${port}/`] });
    },
    { timeout: 300_000 },
  );
  after(async () => op?.stop());
  const s = suite(
    "social",
    () => ({
      GOJOSER_SEND_ACTIVATION_EMAIL: "false",
      GOJOSER_SOCIAL_AUTH_OIDC_ISSUER: op.issuer,
      GOJOSER_SOCIAL_AUTH_OIDC_KEY: op.clientId,
      GOJOSER_SOCIAL_AUTH_OIDC_SECRET: op.clientSecret,
      GOJOSER_SOCIAL_AUTH_ALLOWED_REDIRECT_URIS: `http://127.0.0.1:${port}/`,
    }),
    { port: () => port },
  );

  /** Clicks "Sign in with OpenID Connect" and signs in on the provider's own login page. */
  async function signInAtProvider(page, username, password) {
    await page.goto("/#/login");
    await tid(page, "social-oidc").click();
    await page.waitForURL((u) => u.href.startsWith(op.issuer));
    await page.locator("#username").fill(username);
    await page.locator("#password").fill(password);
    await page.getByRole("button", { name: "Login" }).click();
    await page.waitForURL((u) => u.href.startsWith(s.server.url));
  }

  s.step("01 a new identity: sign in at the provider, come back with a new account", async () => {
    const erin = (s.pages.erin = await newUser(browser, s.server.url, "erin"));
    await signInAtProvider(erin, "erin", "op-pass-erin");
    await expectVisible(tid(erin, "me-username"), "erin");
    await expectVisible(tid(erin, "me-email"), "erin@example.com");
    await expectVisible(erin.locator('[data-testid="identity-row"][data-provider="oidc"]'), "erin@example.com");
    assert.equal(new URL(erin.url()).search, "", "code and state are gone from the address bar");
    assert.equal(await erin.evaluate(() => document.cookie), "");
    await erin.reload();
    await expectVisible(tid(erin, "me-username"), "erin");
    // Her only way in: unlinking is refused.
    await tid(erin, "identity-unlink").click();
    await expectVisible(tid(erin, "identities-error"), "You cannot unlink the only way you can log in");
    await logout(erin);
  });

  s.step("02 an existing account with the verified address is linked", async () => {
    const res = await fetch(`${s.server.url}/auth/users/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "fay", email: "fay@example.com", password: "Quick-Wren-Dives-35" }),
    });
    assert.equal(res.status, 201, await res.text());
    const fay = (s.pages.fay = await newUser(browser, s.server.url, "fay"));
    await signInAtProvider(fay, "fay-at-op", "op-pass-fay");
    await expectVisible(tid(fay, "me-username"), "fay");
    await expectVisible(fay.locator('[data-testid="identity-row"][data-provider="oidc"]'));
  });

  s.step("03 an unverified address is refused, and nothing is created", async () => {
    const gus = (s.pages.gus = await newUser(browser, s.server.url, "gus"));
    await signInAtProvider(gus, "gus-at-op", "op-pass-gus");
    await expectVisible(tid(gus, "flash"), "the provider has not verified an email address");
    await expectVisible(tid(gus, "login-form"));
    assert.deepEqual(await authCookies(gus), []);
  });
});
