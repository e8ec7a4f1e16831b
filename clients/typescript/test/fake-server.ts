import { vi } from "vitest";

import type { FetchLike } from "../src/index.js";

export interface Call {
  method: string;
  path: string;
  authorization: string | null;
  body: unknown;
}

export type Route = (request: Request, body: unknown) => Response | Promise<Response>;

/** JSON the way DRF writes it. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export const noContent = () => new Response(null, { status: 204 });

export const unauthorized = (detail = "Invalid token.") =>
  json(401, { detail }, { "WWW-Authenticate": "Token" });

/**
 * A fetch that answers from `routes` ("METHOD /path/") and records every call, so tests can assert
 * what the client sent. Unknown routes get 404.
 */
export function fakeServer(routes: Record<string, Route>) {
  const calls: Call[] = [];
  const fetch = vi.fn<FetchLike>(async (request) => {
    const url = new URL(request.url);
    const text = await request.text();
    const body = text === "" ? undefined : JSON.parse(text);
    calls.push({
      method: request.method,
      path: url.pathname,
      authorization: request.headers.get("Authorization"),
      body,
    });
    const route = routes[`${request.method} ${url.pathname}`];
    return route ? route(request, body) : json(404, { detail: "Not found." });
  });
  return { fetch, calls, callsTo: (path: string) => calls.filter((c) => c.path === path) };
}

/** A promise with its resolve function outside, to hold a response until the test releases it. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
