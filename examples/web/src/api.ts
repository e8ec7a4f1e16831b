import { createGojoserClient, createLocalStorage } from "@gojoser/client";

/**
 * Cookie mode (the server runs with GOJOSER_AUTH_COOKIE): the credentials live in httpOnly cookies that
 * no script can read, and localStorage keeps only a marker that a session exists. A browser can switch
 * this app to header mode (the credentials in localStorage, sent as Authorization) with
 * localStorage["gojoser.demo.mode"] = "header", or a build with VITE_GOJOSER_MODE=header.
 */
export const cookieMode =
  import.meta.env.VITE_GOJOSER_MODE !== "header" && localStorage.getItem("gojoser.demo.mode") !== "header";

/**
 * The one client of the app. The API lives on the origin that serves the app (gojoser with
 * GOJOSER_STATIC_DIR, or the Vite dev server's proxy); VITE_GOJOSER_API points elsewhere (that server
 * then needs GOJOSER_CORS_ALLOWED_ORIGINS, with GOJOSER_CORS_ALLOW_CREDENTIALS in cookie mode).
 */
export const client = createGojoserClient({
  baseUrl: import.meta.env.VITE_GOJOSER_API || window.location.origin,
  scheme: "token",
  cookies: cookieMode,
  // Survives reloads and the mail links opened in the same tab, and tells the other tabs of logins and
  // logouts. In cookie mode it holds no credential.
  storage: createLocalStorage(),
});

/** The social login providers this app offers, when the server has them configured. */
export const socialProviders: { name: string; label: string }[] = [
  { name: "oidc", label: "OpenID Connect" },
  { name: "google-oauth2", label: "Google" },
  { name: "github", label: "GitHub" },
];

/** Where providers send the browser back: the app's root, listed in GOJOSER_SOCIAL_AUTH_ALLOWED_REDIRECT_URIS. */
export const socialRedirectUri = () => `${window.location.origin}/`;

/** Which provider the flow under way is with, between leaving for it and coming back. */
export const pendingSocialKey = "gojoser.demo.social";
