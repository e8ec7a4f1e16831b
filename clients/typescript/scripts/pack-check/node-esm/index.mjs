// An ES module consumer: import of @gojoser/client and @gojoser/client/react from the packed tarball,
// logging in with a JWT. Usage: node index.mjs <api url> <username>; prints {"me": ...} on success.
import assert from "node:assert/strict";

import { ApiError, createGojoserClient, createMemoryStorage, unwrap } from "@gojoser/client";
import { useAuth } from "@gojoser/client/react";

const [baseUrl, username] = process.argv.slice(2);
const password = "Blue-Otter-Sings-42";
const client = createGojoserClient({ baseUrl, scheme: "jwt", storage: createMemoryStorage() });

await unwrap(client.api.POST("/auth/users/", { body: { username, password } }));
const wrong = await client.login({ username, password: "not-the-password" }).catch((e) => e);
assert.ok(wrong instanceof ApiError, `a refused login is an ApiError: ${wrong}`);
assert.equal(wrong.status, 401);

await client.login({ username, password });
const me = await unwrap(client.api.GET("/auth/users/me/"));
assert.equal(client.getAuth().scheme, "jwt");
assert.equal(typeof (await client.refresh()), "string");
assert.equal(typeof useAuth, "function");
console.log(JSON.stringify({ me }));
