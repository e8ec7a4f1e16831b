// @vitest-environment happy-dom
import { act, renderHook } from "@testing-library/react";
import { createElement, type ReactNode } from "react";
import { describe, expect, it } from "vitest";

import { createGojoserClient, createMemoryStorage } from "../src/index.js";
import { GojoserProvider, useAuth } from "../src/react.js";
import { fakeServer, json, noContent } from "./fake-server.js";

function setup() {
  const server = fakeServer({
    "POST /auth/token/login/": () => json(200, { auth_token: "t1" }),
    "POST /auth/token/logout/": noContent,
  });
  const storage = createMemoryStorage();
  return { client: createGojoserClient({ baseUrl: "http://api.test", storage, fetch: server.fetch }), storage };
}

describe("useAuth", () => {
  it("follows login and logout", async () => {
    const { client } = setup();
    const { result } = renderHook(() => useAuth(client));
    expect(result.current).toMatchObject({ auth: null, isAuthenticated: false, scheme: null });

    await act(() => result.current.login({ username: "alice", password: "pw" }));
    expect(result.current).toMatchObject({
      auth: { scheme: "token", token: "t1" },
      isAuthenticated: true,
      scheme: "token",
    });

    await act(() => result.current.logout());
    expect(result.current.isAuthenticated).toBe(false);
  });

  it("takes the client from GojoserProvider", () => {
    const { client, storage } = setup();
    storage.set({ scheme: "jwt", access: "a", refresh: "r" });
    const wrapper = ({ children }: { children: ReactNode }) => createElement(GojoserProvider, { client }, children);
    const { result } = renderHook(() => useAuth(), { wrapper });
    expect(result.current.scheme).toBe("jwt");
  });

  it("keeps the same result between renders when nothing changed", () => {
    const { client } = setup();
    const { result, rerender } = renderHook(() => useAuth(client));
    const first = result.current;
    rerender();
    expect(result.current).toBe(first);
  });

  it("needs a client", () => {
    expect(() => renderHook(() => useAuth())).toThrow("GojoserProvider");
  });
});
