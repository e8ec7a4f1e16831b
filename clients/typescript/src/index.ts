export {
  createGojoserClient,
  type AuthScheme,
  type Credentials,
  type FetchLike,
  type GojoserClient,
  type GojoserClientOptions,
  type SocialCallback,
} from "./client.js";
export { ApiError, isApiError, unwrap, type FetchResult } from "./errors.js";
export { createTabLock, type TabLock, type TabLockOptions, type WebLocks } from "./lock.js";
export {
  createLocalStorage,
  createMemoryStorage,
  type LocalStorageOptions,
  type StoredAuth,
  type TokenStorage,
  type WebStorage,
} from "./storage.js";
/** The types generated from openapi.yaml: `paths`, `components`, `operations` and `Schema*` aliases. */
export type * from "./generated/openapi.js";
