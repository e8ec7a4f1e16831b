// The same package from a CommonJS TypeScript file under NodeNext: import here compiles to require(),
// so its types come from index.d.cts. Usage: node dist/legacy.cjs <api url> <username>.
import assert = require("node:assert/strict");

import { createGojoserClient, unwrap, type SchemaUser } from "@gojoser/client";
import { useAuth } from "@gojoser/client/react";

async function main(baseUrl: string, username: string): Promise<SchemaUser> {
  const password = "Blue-Otter-Sings-42";
  const client = createGojoserClient({ baseUrl, scheme: "jwt" });
  await unwrap(client.api.POST("/auth/users/", { body: { username, password } }));
  await client.login({ username, password });
  const auth = client.getAuth();
  // The union narrows: only a JWT session has a refresh token.
  assert.ok(auth?.scheme === "jwt" && auth.refresh.length > 0);
  assert.equal(typeof useAuth, "function");
  return unwrap(client.api.GET("/auth/users/me/"));
}

const [baseUrl, username] = process.argv.slice(2);
main(baseUrl ?? "", username ?? "").then(
  (me) => console.log(JSON.stringify({ me })),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
