// The packed @gojoser/client bundled by Vite for the browser, calling a gojoser on another origin
// (CORS). Opened as index.html?api=<api url>&username=<name>; writes {"me": ...} or {"error": ...} into
// #result.
import { ApiError, createGojoserClient, createLocalStorage, unwrap } from "@gojoser/client";

const params = new URLSearchParams(window.location.search);
const out = document.getElementById("result")!;

async function main() {
  const baseUrl = params.get("api") ?? "";
  const username = params.get("username") ?? "";
  const password = "Blue-Otter-Sings-42";
  const client = createGojoserClient({ baseUrl, scheme: "jwt", storage: createLocalStorage() });

  await unwrap(client.api.POST("/auth/users/", { body: { username, password } }));
  await client.login({ username, password });
  const me = await unwrap(client.api.GET("/auth/users/me/"));
  const stored = JSON.parse(localStorage.getItem("gojoser.auth") ?? "null");
  if (stored?.scheme !== "jwt") throw new Error(`expected a JWT pair in localStorage, got ${JSON.stringify(stored)}`);
  return me;
}

main().then(
  (me) => {
    out.textContent = JSON.stringify({ me });
  },
  (err: unknown) => {
    const detail = err instanceof ApiError ? `${err.status} ${err.messages.join(" ")}` : String(err);
    out.textContent = JSON.stringify({ error: detail });
  },
);
