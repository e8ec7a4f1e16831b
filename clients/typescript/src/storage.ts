import { createTabLock, type TabLock } from "./lock.js";

/**
 * The credentials of a session: a DRF token, or a SimpleJWT pair. In cookie mode (`cookies: true`) the
 * server keeps the credentials in httpOnly cookies that no script can read, and the session is only a
 * marker: `cookie: true`, the scheme, and empty strings where the credentials would be.
 */
export type StoredAuth =
  | { scheme: "token"; token: string; cookie?: true }
  | { scheme: "jwt"; access: string; refresh: string; cookie?: true };

/**
 * Where the client keeps its credentials. Reads are synchronous so that a request can be signed and a UI
 * rendered without waiting; wrap an asynchronous store (React Native's AsyncStorage, IndexedDB) in a
 * memory cache that you fill before creating the client and write through on set.
 */
export interface TokenStorage {
  get(): StoredAuth | null;
  /** Saves the credentials, or forgets them when given null. */
  set(auth: StoredAuth | null): void;
  /**
   * Optional: calls listener when the stored credentials change behind the client's back (a login or
   * logout in another tab). Returns a function that stops listening.
   */
  subscribe?(listener: () => void): () => void;
  /**
   * Optional, for storages that tabs share: runs a task while no other tab runs one under this storage's
   * lock. The client refreshes a JWT under it, and first re-reads the credentials, so tabs that hit a
   * 401 at once send one refresh request between them. See createTabLock.
   */
  lock?: TabLock;
}

/**
 * Keeps credentials in memory only: they are gone on reload, and no other script can read them from
 * storage. The safest choice against XSS; pair it with a short session.
 */
export function createMemoryStorage(initial: StoredAuth | null = null): TokenStorage {
  let current = initial;
  return {
    get: () => current,
    set: (auth) => {
      current = auth;
    },
  };
}

/**
 * The part of the Web Storage API that is used: localStorage and sessionStorage fit, and so does any
 * object with these methods. (Its own type, so that the declarations need no DOM library.)
 */
export interface WebStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface LocalStorageOptions {
  /** The key the credentials are saved under. Default `"gojoser.auth"`. */
  key?: string;
  /** The Web Storage to use. Default `globalThis.localStorage`; pass `sessionStorage` for one tab. */
  storage?: WebStorage;
  /** Where `storage` events arrive. Default `globalThis` (the window). */
  events?: Pick<EventTarget, "addEventListener" | "removeEventListener">;
  /**
   * How the tabs that share this storage take turns to refresh a JWT. Default: a createTabLock named
   * `<key>.refresh` (Web Locks, else a lease in `storage`); none for sessionStorage, which no other tab
   * sees. `false`: no coordination, as before version 0.2.
   */
  lock?: TabLock | false;
}

/**
 * Keeps credentials in Web Storage (localStorage by default) as JSON, so they survive a reload and are
 * shared by the tabs of an origin; a login or logout in one tab reaches the others through `storage`
 * events. Anything that runs script on your origin can read them: keep XSS out.
 */
export function createLocalStorage(options: LocalStorageOptions = {}): TokenStorage {
  const key = options.key ?? "gojoser.auth";
  const store = (): WebStorage => options.storage ?? globalThis.localStorage;
  const tabLock = options.lock ?? createTabLock(`${key}.refresh`, options.storage ? { storage: options.storage } : {});
  const perTab = () => {
    try {
      return store() === globalThis.sessionStorage;
    } catch {
      return false;
    }
  };
  return {
    get() {
      let raw: string | null;
      try {
        raw = store().getItem(key);
      } catch {
        return null; // storage disabled (private mode, sandboxed iframe)
      }
      return raw === null ? null : decode(raw);
    },
    set(auth) {
      try {
        if (auth === null) store().removeItem(key);
        else store().setItem(key, JSON.stringify(auth));
      } catch {
        // Quota or disabled storage: the session lives on in no storage, as with a memory store.
      }
    },
    subscribe(listener) {
      const target = options.events ?? (globalThis as Partial<EventTarget>);
      if (typeof target.addEventListener !== "function" || typeof target.removeEventListener !== "function") {
        return () => {};
      }
      const onStorage = (event: Event) => {
        const e = event as StorageEvent;
        // key null means storage.clear().
        if ((e.key === key || e.key === null) && (!e.storageArea || e.storageArea === store())) listener();
      };
      target.addEventListener("storage", onStorage);
      return () => target.removeEventListener!("storage", onStorage);
    },
    ...(tabLock && { lock: <T>(task: () => Promise<T>) => (perTab() ? task() : tabLock(task)) }),
  };
}

/** Parses stored JSON, refusing anything that is not a well-formed StoredAuth. */
export function decode(raw: string): StoredAuth | null {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null;
  }
  if (v === null || typeof v !== "object") return null;
  const o = v as Record<string, unknown>;
  if (o.cookie === true) {
    if (o.scheme === "token") return cookieSession("token");
    if (o.scheme === "jwt") return cookieSession("jwt");
    return null;
  }
  if (o.scheme === "token" && typeof o.token === "string" && o.token !== "") {
    return { scheme: "token", token: o.token };
  }
  if (o.scheme === "jwt" && typeof o.access === "string" && typeof o.refresh === "string" && o.refresh !== "") {
    return { scheme: "jwt", access: o.access, refresh: o.refresh };
  }
  return null;
}

/** The marker of a cookie-mode session: the scheme, and no credential. */
export function cookieSession(scheme: StoredAuth["scheme"]): StoredAuth {
  return scheme === "token" ? { scheme, token: "", cookie: true } : { scheme, access: "", refresh: "", cookie: true };
}

/** True when a and b hold the same credentials. */
export function sameAuth(a: StoredAuth | null, b: StoredAuth | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.scheme !== b.scheme || a.cookie !== b.cookie) return false;
  if (a.scheme === "token") return a.token === (b as typeof a).token;
  return a.access === (b as typeof a).access && a.refresh === (b as typeof a).refresh;
}
