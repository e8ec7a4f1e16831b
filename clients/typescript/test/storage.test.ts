// @vitest-environment happy-dom
import { describe, expect, it, vi } from "vitest";

import { createGojoserClient, createLocalStorage, createMemoryStorage, type StoredAuth } from "../src/index.js";
import { fakeServer, json } from "./fake-server.js";

const jwt: StoredAuth = { scheme: "jwt", access: "a1", refresh: "r1" };

describe("createMemoryStorage", () => {
  it("keeps what it is given", () => {
    const storage = createMemoryStorage(jwt);
    expect(storage.get()).toBe(jwt);
    storage.set(null);
    expect(storage.get()).toBeNull();
  });
});

describe("createLocalStorage", () => {
  it("saves JSON under its key and removes it on logout", () => {
    localStorage.clear();
    const storage = createLocalStorage();
    storage.set(jwt);
    expect(JSON.parse(localStorage.getItem("gojoser.auth")!)).toEqual(jwt);
    expect(storage.get()).toEqual(jwt);
    storage.set(null);
    expect(localStorage.getItem("gojoser.auth")).toBeNull();
    expect(storage.get()).toBeNull();
  });

  it("survives a reload: a new client finds the session", async () => {
    localStorage.clear();
    const server = fakeServer({
      "POST /auth/token/login/": () => json(200, { auth_token: "t1" }),
      "GET /auth/users/me/": () => json(200, { email: "", id: 1, username: "alice" }),
    });
    const before = createGojoserClient({ baseUrl: "http://api.test", storage: createLocalStorage(), fetch: server.fetch });
    await before.login({ username: "alice", password: "pw" });

    const after = createGojoserClient({ baseUrl: "http://api.test", storage: createLocalStorage(), fetch: server.fetch });
    expect(after.getAuth()).toEqual({ scheme: "token", token: "t1" });
    await after.api.GET("/auth/users/me/");
    expect(server.calls.at(-1)?.authorization).toBe("Token t1");
  });

  it("uses the key and Storage it is given", () => {
    sessionStorage.clear();
    const storage = createLocalStorage({ key: "my-app", storage: sessionStorage });
    storage.set({ scheme: "token", token: "t" });
    expect(sessionStorage.getItem("my-app")).toBe('{"scheme":"token","token":"t"}');
    expect(localStorage.getItem("my-app")).toBeNull();
  });

  it.each([
    ["not JSON", "{"],
    ["JSON null", "null"],
    ["an unknown scheme", '{"scheme":"basic","token":"t"}'],
    ["a token without its key", '{"scheme":"token"}'],
    ["a JWT without a refresh token", '{"scheme":"jwt","access":"a"}'],
  ])("reads %s as no session", (_name, raw) => {
    localStorage.setItem("gojoser.auth", raw);
    expect(createLocalStorage().get()).toBeNull();
  });

  it("works without storage (disabled cookies, private mode)", () => {
    const broken = {
      getItem: () => {
        throw new DOMException("denied", "SecurityError");
      },
      setItem: () => {
        throw new DOMException("quota", "QuotaExceededError");
      },
      removeItem: () => {},
    } as unknown as Storage;
    const storage = createLocalStorage({ storage: broken });
    expect(() => storage.set(jwt)).not.toThrow();
    expect(storage.get()).toBeNull();
  });

  it("tells the client about logins and logouts in other tabs", () => {
    localStorage.clear();
    const client = createGojoserClient({ baseUrl: "http://api.test", storage: createLocalStorage(), fetch: fakeServer({}).fetch });
    const changed = vi.fn();
    const stop = client.subscribe(changed);

    // What the browser does when another tab writes the key.
    localStorage.setItem("gojoser.auth", JSON.stringify(jwt));
    window.dispatchEvent(new StorageEvent("storage", { key: "gojoser.auth", storageArea: localStorage }));
    expect(changed).toHaveBeenCalledOnce();
    expect(client.getAuth()).toEqual(jwt);

    // Other keys are not ours.
    window.dispatchEvent(new StorageEvent("storage", { key: "something-else", storageArea: localStorage }));
    expect(changed).toHaveBeenCalledOnce();

    stop();
    window.dispatchEvent(new StorageEvent("storage", { key: "gojoser.auth", storageArea: localStorage }));
    expect(changed).toHaveBeenCalledOnce();
  });
});
