import { describe, expect, it, vi } from "vitest";

import {
  ApiError,
  createGojoserClient,
  createMemoryStorage,
  unwrap,
  type StoredAuth,
} from "../src/index.js";
import { deferred, fakeServer, json, noContent, unauthorized, type Route } from "./fake-server.js";

const BASE = "http://api.test";
const alice = { email: "alice@example.com", id: 1, username: "alice" };
const TOKEN = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b";

/** /auth/users/me/ that accepts exactly one Authorization value. */
const meAcceptingOnly =
  (authorization: string): Route =>
  (request) =>
    request.headers.get("Authorization") === authorization
      ? json(200, alice)
      : json(401, { detail: "Given token not valid for any token type", code: "token_not_valid" });

describe("token login", () => {
  it("saves the token and signs later requests with it", async () => {
    const server = fakeServer({
      "POST /auth/token/login/": () => json(200, { auth_token: TOKEN }),
      "GET /auth/users/me/": meAcceptingOnly(`Token ${TOKEN}`),
    });
    const storage = createMemoryStorage();
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });

    await expect(client.login({ username: "alice", password: "pw", label: "laptop" })).resolves.toEqual({
      scheme: "token",
      token: TOKEN,
    });
    expect(server.calls[0]).toEqual({
      method: "POST",
      path: "/auth/token/login/",
      authorization: null,
      body: { username: "alice", password: "pw", label: "laptop" },
    });
    expect(storage.get()).toEqual({ scheme: "token", token: TOKEN });

    await expect(unwrap(client.api.GET("/auth/users/me/"))).resolves.toEqual(alice);
    expect(server.calls[1]?.authorization).toBe(`Token ${TOKEN}`);
  });

  it("never sends a stale token to the login endpoint", async () => {
    const server = fakeServer({ "POST /auth/token/login/": () => json(200, { auth_token: TOKEN }) });
    const client = createGojoserClient({
      baseUrl: BASE,
      storage: createMemoryStorage({ scheme: "token", token: "revoked" }),
      fetch: server.fetch,
    });
    await client.login({ username: "alice", password: "pw" });
    expect(server.calls[0]?.authorization).toBeNull();
  });

  it("throws an ApiError and keeps the old session when login fails", async () => {
    const server = fakeServer({
      "POST /auth/token/login/": () =>
        json(400, { non_field_errors: ["Unable to log in with provided credentials."] }),
    });
    const before: StoredAuth = { scheme: "token", token: "old" };
    const storage = createMemoryStorage(before);
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });

    const err = await client.login({ username: "alice", password: "wrong" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).nonFieldErrors).toEqual(["Unable to log in with provided credentials."]);
    expect(storage.get()).toBe(before);
  });

  it("forgets a token the server refuses", async () => {
    const server = fakeServer({ "GET /auth/users/me/": () => unauthorized("Invalid token.") });
    const storage = createMemoryStorage({ scheme: "token", token: "revoked" });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });
    const changed = vi.fn();
    client.subscribe(changed);

    const { error, response } = await client.api.GET("/auth/users/me/");
    expect(response.status).toBe(401);
    expect(error).toEqual({ detail: "Invalid token." });
    expect(storage.get()).toBeNull();
    expect(changed).toHaveBeenCalledOnce();
    expect(server.calls).toHaveLength(1);
  });

  it("logs out on the server, then forgets the token", async () => {
    const server = fakeServer({ "POST /auth/token/logout/": noContent });
    const storage = createMemoryStorage({ scheme: "token", token: TOKEN });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });

    await client.logout();
    expect(server.calls).toEqual([
      { method: "POST", path: "/auth/token/logout/", authorization: `Token ${TOKEN}`, body: undefined },
    ]);
    expect(storage.get()).toBeNull();
  });

  it("treats a token already revoked on the server as logged out", async () => {
    const server = fakeServer({ "POST /auth/token/logout/": () => unauthorized() });
    const storage = createMemoryStorage({ scheme: "token", token: TOKEN });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });
    await expect(client.logout()).resolves.toBeUndefined();
    expect(storage.get()).toBeNull();
  });

  it("forgets the token locally even when the server cannot be reached, and says so", async () => {
    const storage = createMemoryStorage({ scheme: "token", token: TOKEN });
    const fetch = vi.fn(() => Promise.reject(new TypeError("Failed to fetch")));
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch });
    await expect(client.logout()).rejects.toThrow("Failed to fetch");
    expect(storage.get()).toBeNull();
  });
});

describe("header injection", () => {
  it("sends no Authorization header without a session", async () => {
    const server = fakeServer({ "POST /auth/users/": () => json(201, alice) });
    const client = createGojoserClient({ baseUrl: BASE, fetch: server.fetch });
    await unwrap(client.api.POST("/auth/users/", { body: { username: "alice", password: "pw" } }));
    expect(server.calls[0]?.authorization).toBeNull();
  });

  it("leaves an Authorization header set by the caller alone", async () => {
    const server = fakeServer({ "GET /auth/users/me/": () => unauthorized() });
    const storage = createMemoryStorage({ scheme: "token", token: TOKEN });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });

    await client.api.GET("/auth/users/me/", { headers: { Authorization: "Token someone-else" } });
    expect(server.calls[0]?.authorization).toBe("Token someone-else");
    // The 401 was for someone else's token: the session stays.
    expect(storage.get()).toEqual({ scheme: "token", token: TOKEN });
  });

  it("reads the storage on every request", async () => {
    const server = fakeServer({ "GET /auth/users/me/": () => json(200, alice) });
    const storage = createMemoryStorage();
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });

    await client.api.GET("/auth/users/me/");
    storage.set({ scheme: "jwt", access: "a1", refresh: "r1" });
    await client.api.GET("/auth/users/me/");
    expect(server.calls.map((c) => c.authorization)).toEqual([null, "Bearer a1"]);
  });

  it("joins a base URL that has a path and a trailing slash", async () => {
    const server = fakeServer({ "GET /api/auth/users/me/": () => json(200, alice) });
    const client = createGojoserClient({ baseUrl: `${BASE}/api/`, fetch: server.fetch });
    await expect(unwrap(client.api.GET("/auth/users/me/"))).resolves.toEqual(alice);
  });

  it("uses globalThis.fetch when none is given", async () => {
    const server = fakeServer({ "GET /auth/users/me/": () => json(200, alice) });
    vi.stubGlobal("fetch", server.fetch);
    try {
      const client = createGojoserClient({ baseUrl: BASE });
      await expect(unwrap(client.api.GET("/auth/users/me/"))).resolves.toEqual(alice);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe("JWT", () => {
  it("logs in with /auth/jwt/create/ and signs requests with the access token", async () => {
    const server = fakeServer({
      "POST /auth/jwt/create/": () => json(200, { refresh: "r1", access: "a1" }),
      "GET /auth/users/me/": meAcceptingOnly("Bearer a1"),
    });
    const storage = createMemoryStorage({ scheme: "token", token: "stale" });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch, scheme: "jwt" });

    await client.login({ username: "alice", password: "pw", label: "ignored by SimpleJWT" });
    expect(server.calls[0]).toMatchObject({
      path: "/auth/jwt/create/",
      authorization: null,
      body: { username: "alice", password: "pw" },
    });
    expect(storage.get()).toEqual({ scheme: "jwt", access: "a1", refresh: "r1" });
    await expect(unwrap(client.api.GET("/auth/users/me/"))).resolves.toEqual(alice);
    expect(server.calls[1]?.authorization).toBe("Bearer a1");
  });

  it("can log in with JWT from a client whose default is Token", async () => {
    const server = fakeServer({ "POST /auth/jwt/create/": () => json(200, { refresh: "r1", access: "a1" }) });
    const client = createGojoserClient({ baseUrl: BASE, fetch: server.fetch });
    await expect(client.login({ username: "alice", password: "pw" }, { scheme: "jwt" })).resolves.toEqual({
      scheme: "jwt",
      access: "a1",
      refresh: "r1",
    });
  });

  it("reports a refused JWT login as an ApiError with the detail", async () => {
    const server = fakeServer({
      "POST /auth/jwt/create/": () =>
        json(401, { detail: "No active account found with the given credentials" }, {
          "WWW-Authenticate": 'Bearer realm="api"',
        }),
    });
    const client = createGojoserClient({ baseUrl: BASE, fetch: server.fetch, scheme: "jwt" });
    await expect(client.login({ username: "alice", password: "wrong" })).rejects.toMatchObject({
      status: 401,
      detail: "No active account found with the given credentials",
    });
    expect(server.calls).toHaveLength(1); // no refresh attempt for a failed login
  });

  it("shares one refresh among concurrent 401s and retries each request once", async () => {
    const release = deferred<void>();
    const server = fakeServer({
      "POST /auth/jwt/refresh/": async () => {
        await release.promise;
        return json(200, { access: "a2" });
      },
      "GET /auth/users/me/": meAcceptingOnly("Bearer a2"),
      "PATCH /auth/users/me/": (request, body) =>
        request.headers.get("Authorization") === "Bearer a2"
          ? json(200, { ...alice, ...(body as object) })
          : json(401, { detail: "Given token not valid for any token type", code: "token_not_valid" }),
    });
    const storage = createMemoryStorage({ scheme: "jwt", access: "a1", refresh: "r1" });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });

    const requests = Promise.all([
      unwrap(client.api.GET("/auth/users/me/")),
      unwrap(client.api.GET("/auth/users/me/")),
      unwrap(client.api.PATCH("/auth/users/me/", { body: { email: "new@example.com" } })),
    ]);
    // Let all three fail with 401 before the refresh answers.
    await vi.waitFor(() => expect(server.callsTo("/auth/users/me/")).toHaveLength(3));
    release.resolve();

    const [me1, me2, patched] = await requests;
    expect(me1).toEqual(alice);
    expect(me2).toEqual(alice);
    expect(patched).toEqual({ ...alice, email: "new@example.com" });

    const refreshes = server.callsTo("/auth/jwt/refresh/");
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]).toMatchObject({ authorization: null, body: { refresh: "r1" } });
    const retries = server.callsTo("/auth/users/me/").slice(3);
    expect(retries.map((c) => c.authorization)).toEqual(["Bearer a2", "Bearer a2", "Bearer a2"]);
    // The retried PATCH carries its body again.
    expect(retries.find((c) => c.method === "PATCH")?.body).toEqual({ email: "new@example.com" });
    expect(storage.get()).toEqual({ scheme: "jwt", access: "a2", refresh: "r1" });
  });

  it("retries with a token another request already refreshed, without refreshing again", async () => {
    const server = fakeServer({
      "POST /auth/jwt/refresh/": () => json(200, { access: "a3" }),
      "GET /auth/users/me/": meAcceptingOnly("Bearer a2"),
    });
    const storage = createMemoryStorage({ scheme: "jwt", access: "a1", refresh: "r1" });
    const slow = deferred<void>();
    // The first request is answered only after the session moved on to a2.
    const fetch = vi.fn(async (request: Request) => {
      if (request.headers.get("Authorization") === "Bearer a1") await slow.promise;
      return server.fetch(request);
    });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch });

    const pending = unwrap(client.api.GET("/auth/users/me/"));
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledOnce());
    storage.set({ scheme: "jwt", access: "a2", refresh: "r1" });
    slow.resolve();

    await expect(pending).resolves.toEqual(alice);
    expect(server.callsTo("/auth/jwt/refresh/")).toHaveLength(0);
    expect(server.calls.map((c) => c.authorization)).toEqual(["Bearer a1", "Bearer a2"]);
  });

  it("ends the session when the refresh token is refused", async () => {
    const server = fakeServer({
      "POST /auth/jwt/refresh/": () =>
        json(401, { detail: "Token is invalid or expired", code: "token_not_valid" }),
      "GET /auth/users/me/": meAcceptingOnly("Bearer never"),
    });
    const storage = createMemoryStorage({ scheme: "jwt", access: "a1", refresh: "expired" });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });
    const changed = vi.fn();
    client.subscribe(changed);

    const [first, second] = await Promise.all([
      unwrap(client.api.GET("/auth/users/me/")).catch((e: unknown) => e),
      unwrap(client.api.GET("/auth/users/me/")).catch((e: unknown) => e),
    ]);
    for (const err of [first, second]) {
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ status: 401, code: "token_not_valid" });
    }
    expect(server.callsTo("/auth/jwt/refresh/")).toHaveLength(1);
    expect(server.callsTo("/auth/users/me/")).toHaveLength(2); // no retries
    expect(storage.get()).toBeNull();
    expect(changed).toHaveBeenCalledOnce();
  });

  it("keeps the session when the refresh fails for lack of network", async () => {
    const server = fakeServer({ "GET /auth/users/me/": meAcceptingOnly("Bearer never") });
    const fetch = vi.fn(async (request: Request) => {
      if (new URL(request.url).pathname === "/auth/jwt/refresh/") throw new TypeError("Failed to fetch");
      return server.fetch(request);
    });
    const storage = createMemoryStorage({ scheme: "jwt", access: "a1", refresh: "r1" });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch });

    const { response } = await client.api.GET("/auth/users/me/");
    expect(response.status).toBe(401);
    expect(storage.get()).toEqual({ scheme: "jwt", access: "a1", refresh: "r1" });
  });

  it("retries only once, and ends the session when the fresh token is refused too", async () => {
    const server = fakeServer({
      "POST /auth/jwt/refresh/": () => json(200, { access: "a2" }),
      "GET /auth/users/me/": () => json(401, { detail: "User not found", code: "user_not_found" }),
    });
    const storage = createMemoryStorage({ scheme: "jwt", access: "a1", refresh: "r1" });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });

    const err = await unwrap(client.api.GET("/auth/users/me/")).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 401, detail: "User not found", code: "user_not_found" });
    expect(server.calls.map((c) => `${c.path} ${c.authorization}`)).toEqual([
      "/auth/users/me/ Bearer a1",
      "/auth/jwt/refresh/ null",
      "/auth/users/me/ Bearer a2",
    ]);
    expect(storage.get()).toBeNull();
  });

  it("does not retry a request whose session was replaced by another login meanwhile", async () => {
    const storage = createMemoryStorage({ scheme: "jwt", access: "a1", refresh: "r1" });
    const server = fakeServer({
      "POST /auth/jwt/refresh/": () => json(200, { access: "x" }),
      "GET /auth/users/me/": () => json(401, { detail: "Given token not valid for any token type" }),
    });
    const fetch = vi.fn(async (request: Request) => {
      const response = await server.fetch(request);
      // Someone else logs in while the request is under way.
      storage.set({ scheme: "jwt", access: "bob-access", refresh: "bob-refresh" });
      return response;
    });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch });

    const { response } = await client.api.GET("/auth/users/me/");
    expect(response.status).toBe(401);
    expect(server.calls).toHaveLength(1);
    expect(storage.get()).toEqual({ scheme: "jwt", access: "bob-access", refresh: "bob-refresh" });
  });

  it("shares one request between concurrent refresh() calls and keeps a rotated refresh token", async () => {
    const server = fakeServer({ "POST /auth/jwt/refresh/": () => json(200, { access: "a2", refresh: "r2" }) });
    const storage = createMemoryStorage({ scheme: "jwt", access: "a1", refresh: "r1" });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });

    await expect(Promise.all([client.refresh(), client.refresh()])).resolves.toEqual(["a2", "a2"]);
    expect(server.calls).toHaveLength(1);
    expect(storage.get()).toEqual({ scheme: "jwt", access: "a2", refresh: "r2" });
    // The next refresh is a new request with the rotated token.
    await client.refresh();
    expect(server.calls[1]?.body).toEqual({ refresh: "r2" });
  });

  it("retries after a refresh that rotated the refresh token", async () => {
    const server = fakeServer({
      "POST /auth/jwt/refresh/": () => json(200, { access: "a2", refresh: "r2" }),
      "GET /auth/users/me/": meAcceptingOnly("Bearer a2"),
    });
    const storage = createMemoryStorage({ scheme: "jwt", access: "a1", refresh: "r1" });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });

    const results = await Promise.all([
      unwrap(client.api.GET("/auth/users/me/")),
      unwrap(client.api.GET("/auth/users/me/")),
    ]);
    expect(results).toEqual([alice, alice]);
    expect(server.callsTo("/auth/jwt/refresh/")).toHaveLength(1);
  });

  it("logs out by blacklisting the refresh token", async () => {
    const server = fakeServer({ "POST /auth/jwt/blacklist/": () => json(200, {}) });
    const storage = createMemoryStorage({ scheme: "jwt", access: "a1", refresh: "r1" });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });
    await client.logout();
    expect(server.calls).toEqual([
      { method: "POST", path: "/auth/jwt/blacklist/", authorization: null, body: { refresh: "r1" } },
    ]);
    expect(storage.get()).toBeNull();
  });

  it.each([
    ["an already revoked refresh token (401)", () => json(401, { detail: "Token is blacklisted", code: "token_not_valid" })],
    ["a Djoser server without the blacklist app (404)", () => json(404, { detail: "Not found." })],
  ])("logs out quietly with %s", async (_name, route) => {
    const server = fakeServer({ "POST /auth/jwt/blacklist/": route });
    const storage = createMemoryStorage({ scheme: "jwt", access: "a1", refresh: "r1" });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });
    await expect(client.logout()).resolves.toBeUndefined();
    expect(storage.get()).toBeNull();
  });

  it("forgets the pair but reports a server error on logout", async () => {
    const server = fakeServer({ "POST /auth/jwt/blacklist/": () => json(500, { detail: "A server error occurred." }) });
    const storage = createMemoryStorage({ scheme: "jwt", access: "a1", refresh: "r1" });
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: server.fetch });
    await expect(client.logout()).rejects.toMatchObject({ status: 500, detail: "A server error occurred." });
    expect(storage.get()).toBeNull();
  });

  it("refuses to refresh without a JWT session", async () => {
    const client = createGojoserClient({ baseUrl: BASE, fetch: fakeServer({}).fetch });
    await expect(client.refresh()).rejects.toThrow("needs a JWT session");
  });
});

describe("state", () => {
  it("returns the same auth object until the credentials change", () => {
    const storage = createMemoryStorage();
    const client = createGojoserClient({ baseUrl: BASE, storage, fetch: fakeServer({}).fetch });
    expect(client.getAuth()).toBeNull();
    expect(client.isAuthenticated()).toBe(false);

    storage.set({ scheme: "token", token: "t" });
    const first = client.getAuth();
    storage.set({ scheme: "token", token: "t" }); // equal, but a new object
    expect(client.getAuth()).toBe(first);
    expect(client.isAuthenticated()).toBe(true);
  });

  it("notifies subscribers on login and logout until they unsubscribe", async () => {
    const server = fakeServer({
      "POST /auth/token/login/": () => json(200, { auth_token: TOKEN }),
      "POST /auth/token/logout/": noContent,
    });
    const client = createGojoserClient({ baseUrl: BASE, fetch: server.fetch });
    const seen: (StoredAuth | null)[] = [];
    const stop = client.subscribe(() => seen.push(client.getAuth()));

    await client.login({ username: "alice", password: "pw" });
    await client.logout();
    stop();
    await client.login({ username: "alice", password: "pw" });
    expect(seen).toEqual([{ scheme: "token", token: TOKEN }, null]);
  });
});
