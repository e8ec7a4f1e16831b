import { createContext, createElement, useContext, useMemo, useSyncExternalStore, type ReactNode } from "react";

import type { AuthScheme, Credentials, GojoserClient } from "./client.js";
import type { StoredAuth } from "./storage.js";

const ClientContext = createContext<GojoserClient | null>(null);

/** Makes `client` the one useAuth() uses below it. */
export function GojoserProvider(props: { client: GojoserClient; children?: ReactNode }) {
  return createElement(ClientContext.Provider, { value: props.client }, props.children);
}

export interface UseAuth {
  /** The current credentials, or null. */
  auth: StoredAuth | null;
  isAuthenticated: boolean;
  scheme: AuthScheme | null;
  login(credentials: Credentials, options?: { scheme?: AuthScheme }): Promise<StoredAuth>;
  logout(): Promise<void>;
}

/**
 * The session of `client` (or of the GojoserProvider's client), re-rendering on login, logout, refresh
 * and logins or logouts in other tabs.
 */
export function useAuth(client?: GojoserClient): UseAuth {
  const fromContext = useContext(ClientContext);
  const c = client ?? fromContext;
  if (!c) throw new Error("useAuth: pass a client or render inside <GojoserProvider>");
  const auth = useSyncExternalStore(c.subscribe, c.getAuth, c.getAuth);
  return useMemo(
    () => ({
      auth,
      isAuthenticated: auth !== null,
      scheme: auth?.scheme ?? null,
      login: c.login,
      logout: c.logout,
    }),
    [auth, c],
  );
}
