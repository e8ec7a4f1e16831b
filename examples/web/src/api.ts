import { createGojoserClient, createLocalStorage } from "@gojoser/client";

/**
 * The one client of the app. The API lives on the origin that serves the app (gojoser with
 * GOJOSER_STATIC_DIR, or the Vite dev server's proxy); VITE_GOJOSER_API points elsewhere (that server
 * then needs GOJOSER_CORS_ALLOWED_ORIGINS).
 */
export const client = createGojoserClient({
  baseUrl: import.meta.env.VITE_GOJOSER_API || window.location.origin,
  scheme: "token",
  // Survives reloads and the mail links opened in the same tab; memory storage would be safer against XSS.
  storage: createLocalStorage(),
});
