// @vitest-environment happy-dom
// Tabs of one origin share localStorage. Here each "tab" is its own client over the same Storage, as
// two tabs are, and a lock shared the way navigator.locks is shared by the tabs of an origin.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import {
  createGojoserClient,
  createLocalStorage,
  createTabLock,
  unwrap,
  type GojoserClient,
  type TabLock,
  type WebLocks,
} from "../src/index.js";
import { deferred, fakeServer, json, type Route } from "./fake-server.js";

const BASE = "http://api.test";
const KEY = "gojoser.auth";
const alice = { email: "alice@example.com", id: 1, username: "alice" };

/** A JWT-shaped token: what the client reads of it is the user_id claim. */
function jwt(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => btoa(JSON.stringify(v)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ token_type: "x", ...claims })}.c2lnbmF0dXJl`;
}

/**
 * The Web Locks API as browsers implement it for one origin: per name, one holder at a time, granted in
 * request order. `requests` counts the names asked for.
 */
function originLocks(): WebLocks & { requests: string[] } {
  const tails = new Map<string, Promise<unknown>>();
  const requests: string[] = [];
  return {
    requests,
    request(name, callback) {
      requests.push(name);
      const run = (tails.get(name) ?? Promise.resolve()).then(() => callback());
      tails.set(
        name,
        run.catch(() => undefined),
      );
      return run;
    },
  };
}

/** /auth/users/me/ that accepts only `Bearer <access>`. */
const meFor =
  (access: string): Route =>
  (request) =>
    request.headers.get("Authorization") === `Bearer ${access}`
      ? json(200, alice)
      : json(401, { detail: "Given token not valid for any token type", code: "token_not_valid" });

/** One tab: its own client over the origin's localStorage. */
function tab(server: ReturnType<typeof fakeServer>, lock: TabLock | false): GojoserClient {
  return createGojoserClient({ baseUrl: BASE, storage: createLocalStorage({ lock }), fetch: server.fetch });
}

/** Both tabs send GET /auth/users/me/ and see its 401 before the held refresh is answered. */
async function bothHitA401(server: ReturnType<typeof fakeServer>, tabs: GojoserClient[], release: () => void) {
  const results = tabs.map((t) => unwrap(t.api.GET("/auth/users/me/")));
  await vi.waitFor(() => expect(server.callsTo("/auth/users/me/")).toHaveLength(tabs.length));
  // The first refresh has started; every tab has had its 401.
  await vi.waitFor(() => expect(server.callsTo("/auth/jwt/refresh/").length).toBeGreaterThan(0));
  release();
  return Promise.all(results);
}

beforeEach(() => localStorage.clear());

describe("two tabs that hit a 401 at once", () => {
  const a1 = jwt({ user_id: 1, n: "a1" });
  const a2 = jwt({ user_id: 1, n: "a2" });
  const r1 = jwt({ user_id: 1, n: "r1" });
  const r2 = jwt({ user_id: 1, n: "r2" });

  function setup(refreshBody: Record<string, string>) {
    const held = deferred<void>();
    const server = fakeServer({
      "POST /auth/jwt/refresh/": async () => {
        await held.promise;
        return json(200, refreshBody);
      },
      "GET /auth/users/me/": meFor(refreshBody.access!),
    });
    localStorage.setItem(KEY, JSON.stringify({ scheme: "jwt", access: a1, refresh: r1 }));
    return { server, release: () => held.resolve() };
  }

  it.each([
    ["the Web Locks API", () => createTabLock(`${KEY}.refresh`, { locks: originLocks() })],
    ["a lease in localStorage (no Web Locks)", () => createTabLock(`${KEY}.refresh`, { locks: null })],
  ])("share one refresh through %s", async (_name, makeLock) => {
    const { server, release } = setup({ access: a2 });
    const lock = makeLock();
    const tabs = [tab(server, lock), tab(server, lock)];

    await expect(bothHitA401(server, tabs, release)).resolves.toEqual([alice, alice]);
    expect(server.callsTo("/auth/jwt/refresh/")).toHaveLength(1);
    // Each tab retried once, with the one new access token.
    expect(server.callsTo("/auth/users/me/").map((c) => c.authorization)).toEqual([
      `Bearer ${a1}`,
      `Bearer ${a1}`,
      `Bearer ${a2}`,
      `Bearer ${a2}`,
    ]);
    expect(JSON.parse(localStorage.getItem(KEY)!)).toEqual({ scheme: "jwt", access: a2, refresh: r1 });
    // The lease is released.
    await vi.waitFor(() => expect(localStorage.getItem(`${KEY}.refresh`)).toBeNull());
  });

  it("refresh once each without a lock (lock: false), as tabs did before", async () => {
    const { server, release } = setup({ access: a2 });
    const tabs = [tab(server, false), tab(server, false)];
    await expect(bothHitA401(server, tabs, release)).resolves.toEqual([alice, alice]);
    expect(server.callsTo("/auth/jwt/refresh/")).toHaveLength(2);
  });

  it("adopt a refresh token another tab rotated, and retry with its access token", async () => {
    const { server, release } = setup({ access: a2, refresh: r2 });
    const lock = createTabLock(`${KEY}.refresh`, { locks: originLocks() });
    const tabs = [tab(server, lock), tab(server, lock)];

    await expect(bothHitA401(server, tabs, release)).resolves.toEqual([alice, alice]);
    const refreshes = server.callsTo("/auth/jwt/refresh/");
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]?.body).toEqual({ refresh: r1 });
    expect(JSON.parse(localStorage.getItem(KEY)!)).toEqual({ scheme: "jwt", access: a2, refresh: r2 });
    // Both tabs go on with the rotated pair: the next refresh sends r2.
    for (const t of tabs) expect(t.getAuth()).toEqual({ scheme: "jwt", access: a2, refresh: r2 });
  });

  it("never retry with the token of someone who logged in in another tab meanwhile", async () => {
    const bob = { scheme: "jwt", access: jwt({ user_id: 2, n: "b" }), refresh: jwt({ user_id: 2, n: "br" }) } as const;
    const server = fakeServer({ "GET /auth/users/me/": meFor("nobody") });
    localStorage.setItem(KEY, JSON.stringify({ scheme: "jwt", access: a1, refresh: r1 }));
    const locks = originLocks();
    const lock = createTabLock(`${KEY}.refresh`, { locks });
    const client = tab(server, lock);

    // Another tab holds the lock and, meanwhile, bob logs in there.
    const otherTab = deferred<void>();
    const holding = lock(() => otherTab.promise);
    const pending = client.api.GET("/auth/users/me/");
    await vi.waitFor(() => expect(locks.requests).toHaveLength(2));
    localStorage.setItem(KEY, JSON.stringify(bob));
    otherTab.resolve();
    await holding;

    const { response } = await pending;
    expect(response.status).toBe(401);
    expect(server.calls).toHaveLength(1); // no refresh, no retry with bob's token
    expect(JSON.parse(localStorage.getItem(KEY)!)).toEqual(bob);
  });

  it("a manual refresh() that waited for another tab's refresh sends none", async () => {
    const server = fakeServer({});
    localStorage.setItem(KEY, JSON.stringify({ scheme: "jwt", access: a1, refresh: r1 }));
    const lock = createTabLock(`${KEY}.refresh`, { locks: originLocks() });
    const client = tab(server, lock);

    const otherTab = deferred<void>();
    const holding = lock(() => otherTab.promise);
    const refreshed = client.refresh();
    localStorage.setItem(KEY, JSON.stringify({ scheme: "jwt", access: a2, refresh: r1 }));
    otherTab.resolve();
    await holding;
    await expect(refreshed).resolves.toBe(a2);
    expect(server.calls).toHaveLength(0);
  });
});

describe("createTabLock with Web Locks", () => {
  afterEach(() => vi.useRealTimers());

  it("answers at once but holds the lock a little longer, for its writes to reach the other tabs", async () => {
    vi.useFakeTimers();
    const locks = originLocks();
    const tabA = createTabLock("L", { locks });
    const tabB = createTabLock("L", { locks, releaseDelayMs: 0 });
    let bRan = false;

    await expect(tabA(async () => "refreshed")).resolves.toBe("refreshed");
    const b = tabB(async () => {
      bRan = true;
    });
    await vi.advanceTimersByTimeAsync(150);
    expect(bRan).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    await b;
    expect(bRan).toBe(true);
  });

  it("passes a task's error on, even one thrown before it returns a promise", async () => {
    const lock = createTabLock("L", { locks: originLocks(), releaseDelayMs: 0 });
    await expect(lock(() => Promise.reject(new Error("refused")))).rejects.toThrow("refused");
    const throws = (): Promise<never> => {
      throw new Error("thrown");
    };
    await expect(lock(throws)).rejects.toThrow("thrown");
    await expect(lock(async () => "next")).resolves.toBe("next");
  });

  it("runs the task unguarded where the browser refuses Web Locks (an opaque origin)", async () => {
    const refusing: WebLocks = { request: () => Promise.reject(new DOMException("denied", "SecurityError")) };
    await expect(createTabLock("L", { locks: refusing })(async () => "ran")).resolves.toBe("ran");
  });
});

describe("createLocalStorage's lock", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("is navigator.locks, under <key>.refresh, where the browser has Web Locks", async () => {
    const locks = originLocks();
    vi.stubGlobal("navigator", { locks });
    const storage = createLocalStorage({ key: "app.auth" });
    await expect(storage.lock!(async () => "ran")).resolves.toBe("ran");
    expect(locks.requests).toEqual(["app.auth.refresh"]);
  });

  it("is not taken for sessionStorage, which no other tab sees", async () => {
    const locks = originLocks();
    vi.stubGlobal("navigator", { locks });
    const storage = createLocalStorage({ storage: sessionStorage });
    await expect(storage.lock!(async () => "ran")).resolves.toBe("ran");
    expect(locks.requests).toEqual([]);
  });

  it("is absent with lock: false", () => {
    expect(createLocalStorage({ lock: false }).lock).toBeUndefined();
  });
});

describe("createTabLock without Web Locks (a lease in localStorage)", () => {
  afterEach(() => vi.useRealTimers());

  const lease = () => JSON.parse(localStorage.getItem("L") ?? "null") as { owner: string; until: number } | null;

  it("runs one task at a time across tabs, in turn", async () => {
    vi.useFakeTimers();
    const tabA = createTabLock("L", { locks: null });
    const tabB = createTabLock("L", { locks: null });
    const events: string[] = [];
    const releaseA = deferred<void>();

    const a = tabA(async () => {
      events.push("A starts");
      await releaseA.promise;
      events.push("A ends");
      return "a";
    });
    const b = tabB(async () => {
      events.push("B starts");
      return "b";
    });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(events).toEqual(["A starts"]);
    expect(lease()?.owner).toEqual(expect.any(String));

    releaseA.resolve();
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(Promise.all([a, b])).resolves.toEqual(["a", "b"]);
    expect(events).toEqual(["A starts", "A ends", "B starts"]);
    expect(lease()).toBeNull();
  });

  it("keeps the lease while a long task runs, and takes over the lease of a tab that closed", async () => {
    vi.useFakeTimers();
    // A tab closed while holding the lock: its lease is left behind, unrenewed.
    localStorage.setItem("L", JSON.stringify({ owner: "closed-tab", until: Date.now() + 1_000 }));
    const lock = createTabLock("L", { locks: null, leaseMs: 1_000 });
    const other = createTabLock("L", { locks: null, leaseMs: 1_000 });
    const slow = deferred<void>();
    let otherRan = false;

    const first = lock(() => slow.promise);
    await vi.advanceTimersByTimeAsync(1_500);
    const mine = lease()?.owner;
    expect(mine).not.toBe("closed-tab");

    // Ten lease periods later the task still holds the lock: the lease was renewed.
    const second = other(async () => {
      otherRan = true;
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(otherRan).toBe(false);
    expect(lease()?.owner).toBe(mine);

    slow.resolve();
    await vi.advanceTimersByTimeAsync(1_000);
    await first;
    await second;
    expect(otherRan).toBe(true);
  });

  it("releases the lock when the task fails, and passes the error on", async () => {
    const lock = createTabLock("L", { locks: null });
    await expect(lock(() => Promise.reject(new Error("refresh failed")))).rejects.toThrow("refresh failed");
    await vi.waitFor(() => expect(lease()).toBeNull());
    await expect(lock(async () => "next")).resolves.toBe("next");
  });

  it("still runs the task where storage refuses writes", async () => {
    const refusing = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException("quota", "QuotaExceededError");
      },
      removeItem: () => {},
    } as unknown as Storage;
    const lock = createTabLock("L", { locks: null, storage: refusing });
    await expect(lock(async () => "ran")).resolves.toBe("ran");
  });

  it("orders the tasks of one tab", async () => {
    const lock = createTabLock("L", { locks: null });
    const events: string[] = [];
    const hold = deferred<void>();
    const first = lock(async () => {
      events.push("1 starts");
      await hold.promise;
      events.push("1 ends");
    });
    const second = lock(async () => {
      events.push("2 starts");
    });
    await vi.waitFor(() => expect(events).toEqual(["1 starts"]));
    hold.resolve();
    await Promise.all([first, second]);
    expect(events).toEqual(["1 starts", "1 ends", "2 starts"]);
  });
});
