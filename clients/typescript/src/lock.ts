import type { WebStorage } from "./storage.js";

/**
 * Runs `task` while no other task under the same lock runs, in this tab or in any other tab of the
 * origin, and returns what it returns. The client refreshes a JWT under its storage's lock, so tabs
 * that share credentials take turns and the later ones find the token already refreshed.
 */
export type TabLock = <T>(task: () => Promise<T>) => Promise<T>;

/** The part of the Web Locks API (`navigator.locks`) that the lock uses. */
export interface WebLocks {
  request(name: string, callback: () => Promise<unknown>): Promise<unknown>;
}

export interface TabLockOptions {
  /**
   * The Web Locks API to use. Default `globalThis.navigator.locks`, which browsers offer in secure
   * contexts (https, localhost). `null`, or no Web Locks API at all, falls back to a lease in `storage`.
   */
  locks?: WebLocks | null;
  /** Where the fallback keeps its lease, under the lock's name. Default `globalThis.localStorage`. */
  storage?: WebStorage;
  /**
   * How long the fallback's lease holds without renewal, in ms: a tab that closes while holding the lock
   * frees it after this long. The holder renews the lease while its task runs. Default 10000.
   */
  leaseMs?: number;
  /**
   * How long the lock stays held after a task ends, in ms; the task's caller gets its result at once.
   * Chromium passes a localStorage write to the other tabs asynchronously, and can grant them the lock
   * before it arrives: in 3 to 32% of the tries in a test here, when the lock was released right after
   * the write, though the write itself took only 1 to 4 ms to arrive. Holding on a little longer lets the
   * next tab read what this one wrote. Default 200.
   */
  releaseDelayMs?: number;
}

/** How long a tab waits after writing its lease before it trusts that no other tab overwrote it. */
const settleMs = 50;
/** How often a waiting tab looks at the lease again. */
const pollMs = 50;

/**
 * A lock shared by the tabs of an origin: the Web Locks API where the browser has it, otherwise a
 * lease kept in localStorage. Web Locks are exact and freed when a tab closes. The lease is the best a
 * Storage allows, as it has no compare-and-set: a tab writes its claim, waits 50 ms for claims written
 * at the same moment, and proceeds only if its own claim survived. Tabs whose storage updates reach each
 * other later than that can both get the lock; for the refresh, that costs one extra refresh request.
 * With neither Web Locks nor a Storage the lock only orders the tasks of this tab. Either way the lock
 * is let go releaseDelayMs after the task ends, so that the next tab reads what the task wrote.
 */
export function createTabLock(name: string, options: TabLockOptions = {}): TabLock {
  const leaseMs = options.leaseMs ?? 10_000;
  const releaseDelayMs = options.releaseDelayMs ?? 200;
  const locks = () => {
    if (options.locks !== undefined) return options.locks;
    const nav = (globalThis as { navigator?: { locks?: WebLocks } }).navigator;
    return typeof nav?.locks?.request === "function" ? nav.locks : null;
  };
  const storage = (): WebStorage | undefined => {
    try {
      return options.storage ?? globalThis.localStorage;
    } catch {
      return undefined; // reading localStorage throws where storage is disabled
    }
  };
  // Orders this tab's tasks when only the lease, or nothing, guards the other tabs.
  let local: Promise<unknown> = Promise.resolve();

  return <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let started = false;
      const attempt = () => new Promise<T>((ok) => ok(task())).then(resolve, reject);
      /** Runs the task, answers the caller, and only then lets the lock go, releaseDelayMs later. */
      const held = async () => {
        started = true;
        await attempt();
        if (releaseDelayMs > 0) await sleep(releaseDelayMs);
      };
      const webLocks = locks();
      if (webLocks) {
        // request() refuses where Web Locks are not allowed (an opaque origin): run unguarded then.
        webLocks.request(name, held).catch(() => {
          if (!started) void attempt();
        });
        return;
      }
      const run = local.then(() => withLease(name, storage(), leaseMs, held));
      local = run.catch((err: unknown) => {
        if (!started) reject(err);
      });
    });
}

interface Lease {
  owner: string;
  until: number;
}

async function withLease<T>(key: string, store: WebStorage | undefined, leaseMs: number, task: () => Promise<T>): Promise<T> {
  if (!store) return task();
  const owner = randomId();
  const read = (): Lease | null => {
    try {
      const v: unknown = JSON.parse(store.getItem(key) ?? "null");
      if (v === null || typeof v !== "object") return null;
      const { owner, until } = v as Record<string, unknown>;
      return typeof owner === "string" && typeof until === "number" ? { owner, until } : null;
    } catch {
      return null;
    }
  };
  const claim = (): boolean => {
    try {
      store.setItem(key, JSON.stringify({ owner, until: Date.now() + leaseMs } satisfies Lease));
      return true;
    } catch {
      return false;
    }
  };

  for (;;) {
    const held = read();
    if (held === null || held.until <= Date.now()) {
      // A Storage that refuses writes cannot coordinate anything: run unguarded rather than never.
      if (!claim()) return task();
      await sleep(settleMs);
      if (read()?.owner === owner) break;
    } else {
      await sleep(pollMs);
    }
  }

  const renew = setInterval(() => {
    if (read()?.owner === owner) claim();
  }, leaseMs / 3);
  try {
    return await task();
  } finally {
    clearInterval(renew);
    try {
      if (read()?.owner === owner) store.removeItem(key);
    } catch {
      // the lease expires by itself
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function randomId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  // randomUUID exists only in secure contexts; the id need only differ between tabs, not be secret.
  return typeof c?.randomUUID === "function" ? c.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
