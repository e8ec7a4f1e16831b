import openapiFetch, { type Client, type Middleware } from "openapi-fetch";

import { ApiError, unwrap } from "./errors.js";
import type { paths } from "./generated/openapi.js";
import { cookieSession, createMemoryStorage, sameAuth, type StoredAuth, type TokenStorage } from "./storage.js";

/**
 * openapi-fetch's createClient, its default export. In this package's CommonJS build the import follows
 * Node's rule for a default import of CommonJS code and yields openapi-fetch's whole exports object
 * (dist/index.cjs), whose `default` is createClient.
 */
const createClient: typeof openapiFetch =
  typeof openapiFetch === "function" ? openapiFetch : (openapiFetch as { default: typeof openapiFetch }).default;

/** A fetch that takes a Request, as openapi-fetch calls it. `globalThis.fetch` fits. */
export type FetchLike = (input: Request, init?: RequestInit) => Promise<Response>;

export type AuthScheme = StoredAuth["scheme"];

type JwtAuth = Extract<StoredAuth, { scheme: "jwt" }>;

export interface GojoserClientOptions {
  /** Where the API lives, without the `/auth/...` part: `"https://api.example.com"`. */
  baseUrl: string;
  /** Where credentials are kept. Default: in memory (see createLocalStorage to survive reloads). */
  storage?: TokenStorage;
  /** The fetch to use. Default: `globalThis.fetch`, looked up at call time. */
  fetch?: FetchLike;
  /**
   * What login() asks for: `"token"` (DRF token, `Authorization: Token <key>`) or `"jwt"` (SimpleJWT
   * pair, `Authorization: Bearer <access>`, refreshed on 401). Default `"token"`.
   */
  scheme?: AuthScheme;
  /**
   * Cookie mode, for a server with `GOJOSER_AUTH_COOKIE`: the server sets the credentials in httpOnly
   * cookies on login, which no script can read, and the browser sends them. The client sends no
   * `Authorization` header and keeps only a marker (the scheme, `cookie: true`) in `storage`; a JWT is
   * refreshed with the refresh cookie. Requests go with `credentials: "include"` unless `credentials`
   * says otherwise. Default false.
   */
  cookies?: boolean;
  /** fetch's credentials mode for every request. Default `"include"` in cookie mode, else fetch's own. */
  credentials?: RequestInit["credentials"];
}

/** What the provider added to the redirect URI: Djoser's social login takes both back. */
export interface SocialCallback {
  code: string;
  state: string;
}

/** Login fields: `username` (or whatever LOGIN_FIELD the server uses) and `password`. */
export interface Credentials {
  username?: string;
  email?: string;
  password: string;
  /** gojoser extension for token logins: a device name shown in the token list. */
  label?: string;
  [field: string]: string | undefined;
}

export interface GojoserClient {
  /**
   * The typed openapi-fetch client for every operation in openapi.yaml. Requests carry the session's
   * Authorization header unless they set one themselves.
   */
  readonly api: Client<paths>;
  /** Logs in with the client's scheme (or `scheme`), saves the credentials and returns them. */
  login(credentials: Credentials, options?: { scheme?: AuthScheme }): Promise<StoredAuth>;
  /**
   * Ends the session. Token: revokes the token (`POST /auth/token/logout/`). JWT: blacklists the refresh
   * token (`POST /auth/jwt/blacklist/`); access tokens already issued stay valid until they expire, and a
   * server without the blacklist (404) just forgets the pair. The credentials are forgotten locally even
   * if the server call fails; the failure is then rethrown.
   */
  logout(): Promise<void>;
  /**
   * JWT: exchanges the refresh token for a new access token and saves it. Concurrent calls, including the
   * automatic ones after a 401, share one request; with a storage that tabs share (createLocalStorage),
   * tabs take turns under its lock, and a tab that finds the access token already replaced by another
   * uses it without a request. A refused refresh token ends the session. In cookie mode the refresh
   * cookie is used, the new access token goes into its cookie, and this resolves to "".
   */
  refresh(): Promise<string>;
  /**
   * Social login, step 1: the provider's authorization URL (`GET /auth/o/{provider}/`) for
   * `redirectUri`, one of the server's `GOJOSER_SOCIAL_AUTH_ALLOWED_REDIRECT_URIS`. Send the browser
   * there. The request carries the browser's cookies, which bind the flow to this browser.
   */
  socialAuthorizationUrl(provider: string, redirectUri: string): Promise<string>;
  /**
   * Social login, step 2, on the page at `redirectUri`: takes the `code` and `state` the provider sent
   * back (`POST /auth/o/{provider}/`) and saves the JWT session it answers. Pass
   * `new URLSearchParams(location.search)` or `{ code, state }`.
   */
  socialLogin(provider: string, callback: SocialCallback | URLSearchParams): Promise<StoredAuth>;
  /** The current credentials, or null. Returns the same object until they change. */
  getAuth(): StoredAuth | null;
  isAuthenticated(): boolean;
  /** Calls listener whenever the credentials change (login, logout, refresh, another tab). */
  subscribe(listener: () => void): () => void;
}

/** Auth endpoints send no Authorization header: DRF rejects a stale one with 401 even on login. */
const credentialFree = new Set([
  "/auth/token/login/",
  "/auth/jwt/create/",
  "/auth/jwt/refresh/",
  "/auth/jwt/verify/",
  "/auth/jwt/blacklist/",
  "/auth/o/{provider}/",
]);

/**
 * Creates a client for a gojoser (or Djoser) server:
 *
 * ```ts
 * const client = createGojoserClient({ baseUrl: "https://api.example.com", scheme: "jwt",
 *   storage: createLocalStorage() });
 * await client.login({ username: "alice", password: "correct-horse-battery" });
 * const me = await unwrap(client.api.GET("/auth/users/me/"));
 * ```
 */
export function createGojoserClient(options: GojoserClientOptions): GojoserClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const storage = options.storage ?? createMemoryStorage();
  const defaultScheme: AuthScheme = options.scheme ?? "token";
  const cookieMode = options.cookies ?? false;
  const credentials = options.credentials ?? (cookieMode ? "include" : undefined);
  const baseFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  // sessionFetch is defined below; openapi-fetch calls it only once a request is made.
  const api = createClient<paths>({
    baseUrl,
    fetch: (request) => sessionFetch(request),
    ...(credentials !== undefined && { credentials }),
  });

  // --- State and change notification ------------------------------------------------------------
  const listeners = new Set<() => void>();
  let unsubscribeStorage: (() => void) | undefined;
  let snapshot: StoredAuth | null = null;

  const getAuth = (): StoredAuth | null => {
    const current = storage.get();
    if (!sameAuth(current, snapshot)) snapshot = current;
    return snapshot;
  };
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  const save = (auth: StoredAuth | null) => {
    storage.set(auth);
    getAuth();
    notify();
  };
  /** Forgets the credentials if they are still `used`: a newer login must survive an old failure. */
  const forgetIfCurrent = (used: StoredAuth) => {
    if (sameAuth(storage.get(), used)) save(null);
  };
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    if (listeners.size === 1 && storage.subscribe) unsubscribeStorage = storage.subscribe(notify);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) {
        unsubscribeStorage?.();
        unsubscribeStorage = undefined;
      }
    };
  };

  // The refresh tokens of this client's current session, newest last: more than one only when the
  // server rotates them. A 401 is retried only within one user's session, never with another user's
  // token: tokens of the same lineage, or JWTs whose user_id claims agree (a rotation by another tab).
  let lineage: string[] = [];
  const sameSession = (a: string, b: string) =>
    a === b || (lineage.includes(a) && lineage.includes(b)) || sameUser(a, b);

  // --- Login and logout ------------------------------------------------------------------------
  // The auth endpoints go through the typed client too; the middleware sends them no credentials.
  const login = async (credentials: Credentials, opts?: { scheme?: AuthScheme }): Promise<StoredAuth> => {
    const scheme = opts?.scheme ?? defaultScheme;
    let auth: StoredAuth;
    if (scheme === "jwt") {
      const { label: _label, ...fields } = credentials;
      const pair = await unwrap(api.POST("/auth/jwt/create/", { body: fields }));
      auth = jwtSession(pair);
    } else {
      const { auth_token } = await unwrap(api.POST("/auth/token/login/", { body: credentials }));
      // In cookie mode the body's token is not kept: the server set it in an httpOnly cookie.
      auth = cookieMode ? cookieSession("token") : { scheme: "token", token: auth_token };
    }
    save(auth);
    return getAuth() ?? auth;
  };

  /** The session of a JWT pair the server answered: the pair, or in cookie mode only the marker. */
  const jwtSession = (pair: { access: string; refresh: string }): StoredAuth => {
    lineage = cookieMode ? [] : [pair.refresh];
    return cookieMode ? cookieSession("jwt") : { scheme: "jwt", access: pair.access, refresh: pair.refresh };
  };

  const socialAuthorizationUrl = async (provider: string, redirectUri: string): Promise<string> => {
    const { authorization_url } = await unwrap(
      api.GET("/auth/o/{provider}/", {
        params: { path: { provider }, query: { redirect_uri: redirectUri } },
        credentials: "include",
      }),
    );
    return authorization_url;
  };

  const socialLogin = async (provider: string, callback: SocialCallback | URLSearchParams): Promise<StoredAuth> => {
    const code = callback instanceof URLSearchParams ? (callback.get("code") ?? "") : callback.code;
    const state = callback instanceof URLSearchParams ? (callback.get("state") ?? "") : callback.state;
    const pair = await unwrap(
      api.POST("/auth/o/{provider}/", { params: { path: { provider } }, body: { code, state }, credentials: "include" }),
    );
    const auth = jwtSession(pair);
    save(auth);
    return getAuth() ?? auth;
  };

  const logout = async (): Promise<void> => {
    const auth = storage.get();
    if (auth === null) return;
    try {
      // In cookie mode the server takes the credentials from the cookies, and clears them.
      const { response, error } =
        auth.scheme === "jwt"
          ? await api.POST("/auth/jwt/blacklist/", { body: auth.cookie ? {} : { refresh: auth.refresh } })
          : await api.POST("/auth/token/logout/", auth.cookie ? {} : { headers: { Authorization: `Token ${auth.token}` } });
      // 401: already revoked or expired, which is what we wanted. 404: a Djoser server without
      // SimpleJWT's blacklist app, where a JWT cannot be revoked. 400 by cookie: no refresh cookie left.
      const done =
        response.ok ||
        response.status === 401 ||
        (auth.scheme === "jwt" && (response.status === 404 || (auth.cookie === true && response.status === 400)));
      if (!done) throw new ApiError(response.status, error ?? "", response);
    } finally {
      forgetIfCurrent(auth);
    }
  };

  // --- Refresh, one at a time --------------------------------------------------------------------
  // One refresh at a time in this client, and, under the storage's lock, one at a time among the tabs
  // that share the storage.
  let refreshing: Promise<JwtAuth> | null = null;

  /**
   * Refreshes the session unless its access token is no longer `stale`: then another request, or
   * another tab, already replaced it while this one waited for the lock, and the stored pair is used.
   */
  const refreshFrom = (stale: string | undefined): Promise<JwtAuth> => {
    refreshing ??= (async () => {
      const run = async (): Promise<JwtAuth> => {
        const auth = storage.get();
        if (auth?.scheme !== "jwt") throw new Error("gojoser: refresh needs a JWT session");
        if (auth.cookie) {
          // The refresh cookie goes with the request, and the answer sets new cookies.
          const { data, error, response } = await api.POST("/auth/jwt/refresh/", { body: {} });
          if (!data) {
            if (response.status === 400 || response.status === 401) forgetIfCurrent(auth);
            throw new ApiError(response.status, error ?? "", response);
          }
          generation++;
          return auth;
        }
        if (stale !== undefined && auth.access !== stale) return auth;
        const { data: body, error, response } = await api.POST("/auth/jwt/refresh/", {
          body: { refresh: auth.refresh },
        });
        if (!body) {
          // The refresh token is invalid, expired, revoked or of the wrong type: the session is over.
          if (response.status === 400 || response.status === 401) forgetIfCurrent(auth);
          throw new ApiError(response.status, error ?? "", response);
        }
        // With ROTATE_REFRESH_TOKENS the server sends a new refresh token too.
        const next: JwtAuth = { scheme: "jwt", access: body.access, refresh: body.refresh ?? auth.refresh };
        // Save only if nobody logged out or in meanwhile.
        if (sameAuth(storage.get(), auth)) {
          if (next.refresh !== auth.refresh) {
            if (!lineage.includes(auth.refresh)) lineage = [auth.refresh];
            lineage = [...lineage, next.refresh].slice(-8);
          }
          save(next);
        }
        return next;
      };
      return storage.lock ? storage.lock(run) : run();
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  };

  const refresh = async (): Promise<string> => {
    const auth = storage.get();
    return (await refreshFrom(auth?.scheme === "jwt" ? auth.access : undefined)).access;
  };

  // --- Signing requests and retrying after a 401 ------------------------------------------------
  /** Requests this client signed, with the credentials it signed them with. */
  const signed = new WeakMap<Request, StoredAuth>();
  /** Cookie mode: how many refreshes this client made, and how many had been made when a request left. */
  let generation = 0;
  const sentAt = new WeakMap<Request, number>();

  const authMiddleware: Middleware = {
    onRequest({ request, schemaPath }) {
      if (credentialFree.has(schemaPath) || request.headers.has("Authorization")) return undefined;
      const auth = storage.get();
      if (auth === null) return undefined;
      if (auth.cookie) {
        // The browser adds the cookie; the request is remembered to handle its 401.
        signed.set(request, auth);
        sentAt.set(request, generation);
        return undefined;
      }
      request.headers.set("Authorization", authorization(auth));
      signed.set(request, auth);
      return request;
    },
  };

  /**
   * The fetch openapi-fetch calls, after every middleware has run. A 401 to a request this client
   * signed means its credentials failed. Token: they are forgotten. JWT: the access token is refreshed
   * (once, shared by every request that failed meanwhile) and the request is sent again, once; if the
   * refresh is refused, or the fresh token is refused too, the session is forgotten.
   */
  const sessionFetch: FetchLike = async (request, init) => {
    const used = signed.get(request);
    if (!used) return baseFetch(request, init);
    const retry = used.scheme === "jwt" ? request.clone() : undefined;
    const response = await baseFetch(request, init);
    if (response.status !== 401) return response;
    if (used.scheme === "token" || !retry) {
      forgetIfCurrent(used);
      return response;
    }
    if (used.cookie) {
      if (!sameAuth(storage.get(), used)) return response; // logged out, or in, meanwhile
      // A refresh that finished after this request left already replaced its cookie: just retry.
      if (sentAt.get(request) === generation) {
        try {
          await refreshFrom(undefined);
        } catch {
          return response;
        }
      }
      const second = await baseFetch(retry, init);
      if (second.status === 401) forgetIfCurrent(used);
      return second;
    }
    const current = storage.get();
    let access: string;
    if (current?.scheme !== "jwt" || !sameSession(current.refresh, used.refresh)) {
      return response; // logged out, or another session began, while the request was under way
    } else if (current.access !== used.access) {
      access = current.access; // another request already refreshed
    } else {
      try {
        const next = await refreshFrom(used.access);
        // Waiting for the lock, another tab may have logged in as someone else.
        if (!sameSession(next.refresh, used.refresh)) return response;
        access = next.access;
      } catch {
        return response;
      }
    }
    retry.headers.set("Authorization", `Bearer ${access}`);
    const second = await baseFetch(retry, init);
    if (second.status === 401) {
      const now = storage.get();
      if (now?.scheme === "jwt" && now.access === access) forgetIfCurrent(now);
    }
    return second;
  };

  api.use(authMiddleware);

  return {
    api,
    login,
    logout,
    refresh,
    socialAuthorizationUrl,
    socialLogin,
    getAuth,
    isAuthenticated: () => getAuth() !== null,
    subscribe,
  };
}

function authorization(auth: StoredAuth): string {
  return auth.scheme === "token" ? `Token ${auth.token}` : `Bearer ${auth.access}`;
}

/**
 * True when both are JWTs of the same user by their user_id claim (SimpleJWT's default USER_ID_CLAIM).
 * The payload is read without verifying the signature: it only decides whether a request may be sent
 * again with a token the server itself issued to this origin, and the server still checks that token.
 */
function sameUser(a: string, b: string): boolean {
  const ua = userId(a);
  return ua !== undefined && ua === userId(b);
}

function userId(token: string): string | number | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
    const id = (claims as { user_id?: unknown } | null)?.user_id;
    return typeof id === "string" || typeof id === "number" ? id : undefined;
  } catch {
    return undefined;
  }
}
