// A strict TypeScript ES module under NodeNext: the types of @gojoser/client (index.d.ts) must resolve
// and catch mistakes, and the compiled file must run. Usage: node dist/main.js <api url> <username>.
import assert from "node:assert/strict";

import {
  ApiError,
  createGojoserClient,
  unwrap,
  type GojoserClient,
  type SchemaUser,
  type StoredAuth,
} from "@gojoser/client";
import type { UseAuth } from "@gojoser/client/react";

const [baseUrl, username] = process.argv.slice(2);
if (baseUrl === undefined || username === undefined) throw new Error("usage: main.js <api url> <username>");
const password = "Blue-Otter-Sings-42";
const client: GojoserClient = createGojoserClient({ baseUrl });

// @ts-expect-error: not a path of the API
void client.api.GET("/auth/users/mine/");
// @ts-expect-error: a username is a string
void client.api.POST("/auth/users/", { body: { username: 42, password } });

await unwrap(client.api.POST("/auth/users/", { body: { username, password } }));
const short = await unwrap(
  client.api.POST("/auth/users/", { body: { username: `${username}-2`, password: "short" } }),
).catch((e: unknown) => e);
assert.ok(short instanceof ApiError);
const firstProblem: string | undefined = short.fields.password?.[0];
assert.match(firstProblem ?? "", /too short/);

const auth: StoredAuth = await client.login({ username, password });
assert.equal(auth.scheme, "token");
const me: SchemaUser = await unwrap(client.api.GET("/auth/users/me/"));
const isAuthenticated: UseAuth["isAuthenticated"] = client.isAuthenticated();
assert.equal(isAuthenticated, true);
console.log(JSON.stringify({ me }));
