// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";

import { createGojoserClient, createLocalStorage, createMemoryStorage, unwrap, type StoredAuth } from "../src/index.js";
import { decode } from "../src/storage.js";
import { deferred, fakeServer, json, noContent, type Route } from "./fake-server.js";

const BASE = "http://api.test";
const alice = { email: "alice@example.com", id: 1, username: "alice" };
const tokenMarker: StoredAuth = { scheme: "token", token: "", cookie: true };
const jwtMarker: StoredAuth = { scheme: "jwt", access: "", refresh: "", cookie: true };
const notProvided = () => json(401, { detail: "Authentication credentials were not provided." }, { "WWW-Authenticate": "Token" });

/**
 * A fake gojoser in cookie mode with the browser's cookie jar: `jar` is the access cookie the browser
 * holds (a number), stamped on each request as it leaves; a refresh sets a new one. /me accepts any
 * cookie not in `expired`. `hold` may delay a request after it is stamped, before it reaches the server.
 */
function cookieServer(extra: Record<string, Route> = {}, hold?: (request: Request) => Promise<void> | void) {
  const state = { jar: 0, expired: new Set<number>(), refreshes: 0, credentials: [] as string[] };
  const server = fakeServer({
    "POST /auth/token/login/": () => json(200, { auth_token: "key-in-the-body" }),
    "POST /auth/jwt/create/": () => json(200, { refresh: "r-in-the-body", access: "a-in-the-body" }),
    "POST /auth/jwt/refresh/": () => {
      state.refreshes++;
      state.jar++;
      return json(200, { access: "a" });
    },
    "GET /auth/users/me/": (request) =>
      state.expired.has(Number(request.headers.get("X-Cookie"))) ? notProvided() : json(200, alice),
    "POST /auth/token/logout/": noContent,
    "POST /auth/jwt/blacklist/": () => json(200, {}),
    ...extra,
  });
  const fetch = (async (request: Request, init?: RequestInit) => {
    state.credentials.push(request.credentials);
    request.headers.set("X-Cookie", String(state.jar));
    await hold?.(request);
    return server.fetch(request, init);
  }) as typeof server.fetch;
  return { ...server, fetch, state };
}

const isMe = (request: Request) => new URL(request.url).pathname === "/auth/users/me/";

describe("cookie mode", () => {
  it("keeps only a marker after a token login, and sends no Authorization header", async () => {
    localStorage.clear();
    const server = cookieServer();
    const client = createGojoserClient({ baseUrl: BASE, cookies: true, storage: createLocalStorage(), fetch: server.fetch });

    await expect(client.login({ username: "alice", password: "pw" })).resolves.toEqual(tokenMarker);
    expect(localStorage.getItem("gojoser.auth")).toBe('{"scheme":"token","token":"","cookie":true}');
    expect(localStorage.getItem("gojoser.auth")).not.toContain("key-in-the-body");
    await expect(unwrap(client.api.GET("/auth/users/me/"))).resolves.toEqual(alice);
    expect(server.calls.map((c) => c.authorization)).toEqual([null, null]);
    expect(server.state.credentials).toEqual(["include", "include"]);
    expect(client.isAuthenticated()).toBe(true);

    // A reload: the marker says there is a session, the cookie carries it.
    const after = createGojoserClient({ baseUrl: BASE, cookies: true, storage: createLocalStorage(), fetch: server.fetch });
    expect(after.getAuth()).toEqual(tokenMarker);
  });

  it("keeps no token of a JWT login either", async () => {
    const server = cookieServer();
    const storage = createMemoryStorage();
    const client = createGojoserClient({ baseUrl: BASE, cookies: true, scheme: "jwt", storage, fetch: server.fetch });
    await expect(client.login({ username: "alice", password: "pw" })).resolves.toEqual(jwtMarker);
    expect(JSON.stringify(storage.get())).not.toMatch(/in-the-body/);
  });

  it("lets credentials be set without cookie mode, and leaves fetch's default otherwise", async () => {
    const server = cookieServer();
    await createGojoserClient({ baseUrl: BASE, credentials: "include", fetch: server.fetch }).api.GET("/auth/users/me/");
    await createGojoserClient({ baseUrl: BASE, fetch: server.fetch }).api.GET("/auth/users/me/");
    expect(server.state.credentials).toEqual(["include", "same-origin"]);
  });

  it("forgets a token session whose cookie is refused", async () => {
    const server = cookieServer();
    server.state.expired.add(0);
    const storage = createMemoryStorage(tokenMarker);
    const client = createGojoserClient({ baseUrl: BASE, cookies: true, storage, fetch: server.fetch });
    const { response } = await client.api.GET("/auth/users/me/");
    expect(response.status).toBe(401);
    expect(storage.get()).toBeNull();
  });

  it("refreshes a JWT session by its refresh cookie, once for requests that fail together", async () => {
    // Both requests reach the server with the expired cookie before either is answered.
    const bothSent = deferred<void>();
    let sent = 0;
    const server = cookieServer({}, async (request) => {
      if (isMe(request) && request.headers.get("X-Cookie") === "0") {
        if (++sent === 2) bothSent.resolve();
        await bothSent.promise;
      }
    });
    server.state.expired.add(0);
    const storage = createMemoryStorage(jwtMarker);
    const client = createGojoserClient({ baseUrl: BASE, cookies: true, storage, fetch: server.fetch });
    const [a, b] = await Promise.all([client.api.GET("/auth/users/me/"), client.api.GET("/auth/users/me/")]);
    expect(a.data).toEqual(alice);
    expect(b.data).toEqual(alice);
    expect(server.state.refreshes).toBe(1);
    expect(server.callsTo("/auth/jwt/refresh/")).toEqual([{ method: "POST", path: "/auth/jwt/refresh/", authorization: null, body: {} }]);
    expect(storage.get()).toEqual(jwtMarker);
  });

  it("retries without another refresh a request that left before a refresh finished", async () => {
    const refreshed = deferred<void>();
    let mes = 0;
    const server = cookieServer({}, async (request) => {
      if (isMe(request) && ++mes === 2) await refreshed.promise; // the second /me arrives late
    });
    server.state.expired.add(0);
    const client = createGojoserClient({ baseUrl: BASE, cookies: true, storage: createMemoryStorage(jwtMarker), fetch: server.fetch });
    const first = client.api.GET("/auth/users/me/");
    const late = client.api.GET("/auth/users/me/");
    expect((await first).data).toEqual(alice);
    expect(server.state.refreshes).toBe(1);
    refreshed.resolve();
    expect((await late).data).toEqual(alice);
    expect(server.state.refreshes).toBe(1);
  });

  it("ends the session when the refresh cookie is refused", async () => {
    const server = cookieServer({
      "POST /auth/jwt/refresh/": () => json(401, { detail: "Token is blacklisted", code: "token_not_valid" }),
    });
    server.state.expired.add(0);
    const storage = createMemoryStorage(jwtMarker);
    const client = createGojoserClient({ baseUrl: BASE, cookies: true, storage, fetch: server.fetch });
    const { response } = await client.api.GET("/auth/users/me/");
    expect(response.status).toBe(401);
    expect(storage.get()).toBeNull();
  });

  it.each([
    ["token", tokenMarker, "/auth/token/logout/", undefined],
    ["JWT", jwtMarker, "/auth/jwt/blacklist/", {}],
  ])("logs a %s session out by its cookies", async (_name, marker, path, body) => {
    const server = cookieServer();
    const storage = createMemoryStorage(marker);
    const client = createGojoserClient({ baseUrl: BASE, cookies: true, storage, fetch: server.fetch });
    await client.logout();
    expect(server.calls).toEqual([{ method: "POST", path, authorization: null, body }]);
    expect(storage.get()).toBeNull();
  });

  it("takes a JWT logout without a refresh cookie left as done", async () => {
    const server = cookieServer({ "POST /auth/jwt/blacklist/": () => json(400, { refresh: ["This field is required."] }) });
    const storage = createMemoryStorage(jwtMarker);
    await createGojoserClient({ baseUrl: BASE, cookies: true, storage, fetch: server.fetch }).logout();
    expect(storage.get()).toBeNull();
  });

  it("reads the marker back, and nothing that only looks like one", () => {
    expect(decode('{"scheme":"jwt","cookie":true}')).toEqual(jwtMarker);
    expect(decode('{"scheme":"token","cookie":true,"token":"leaked"}')).toEqual(tokenMarker);
    expect(decode('{"scheme":"basic","cookie":true}')).toBeNull();
    expect(decode('{"scheme":"token","token":"","cookie":false}')).toBeNull();
  });
});

describe("social login", () => {
  const routes = {
    "GET /auth/o/google-oauth2/": (request: Request) =>
      new URL(request.url).searchParams.get("redirect_uri") === "https://app.test/cb"
        ? json(200, { authorization_url: "https://accounts.google.com/o/oauth2/v2/auth?state=s1" })
        : json(400, "redirect_uri must be in SOCIAL_AUTH_ALLOWED_REDIRECT_URIS"),
    "POST /auth/o/google-oauth2/": () => json(201, { access: "a1", refresh: "r1", user: "alice" }),
  };

  it("gets the authorization URL and finishes with the callback's code and state", async () => {
    const server = cookieServer(routes);
    const storage = createMemoryStorage({ scheme: "token", token: "stale" });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });
    await expect(client.socialAuthorizationUrl("google-oauth2", "https://app.test/cb")).resolves.toBe(
      "https://accounts.google.com/o/oauth2/v2/auth?state=s1",
    );
    await expect(client.socialAuthorizationUrl("google-oauth2", "https://evil.test/cb")).rejects.toMatchObject({
      status: 400,
      nonFieldErrors: ["redirect_uri must be in SOCIAL_AUTH_ALLOWED_REDIRECT_URIS"],
    });
    await expect(client.socialLogin("google-oauth2", new URLSearchParams("code=c1&state=s1"))).resolves.toEqual({
      scheme: "jwt",
      access: "a1",
      refresh: "r1",
    });
    const post = server.calls.at(-1);
    expect(post).toEqual({ method: "POST", path: "/auth/o/google-oauth2/", authorization: null, body: { code: "c1", state: "s1" } });
    // The flow's cookie binds it to the browser: both requests carry cookies, whatever the mode.
    expect(server.state.credentials).toEqual(["include", "include", "include"]);
  });

  it("keeps only the marker in cookie mode", async () => {
    const server = cookieServer(routes);
    const storage = createMemoryStorage();
    const client = createGojoserClient({ baseUrl: BASE, cookies: true, storage, fetch: server.fetch });
    await expect(client.socialLogin("google-oauth2", { code: "c1", state: "s1" })).resolves.toEqual(jwtMarker);
  });
});
