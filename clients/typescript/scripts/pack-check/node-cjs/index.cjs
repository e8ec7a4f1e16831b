// A CommonJS consumer: require() of @gojoser/client and @gojoser/client/react from the packed tarball.
// Usage: node index.cjs <api url> <username>; prints {"me": ...} on success.
const assert = require("node:assert/strict");

const { ApiError, createGojoserClient, unwrap } = require("@gojoser/client");
const { GojoserProvider, useAuth } = require("@gojoser/client/react");

async function main() {
  const [baseUrl, username] = process.argv.slice(2);
  const password = "Blue-Otter-Sings-42";
  const client = createGojoserClient({ baseUrl });

  await unwrap(client.api.POST("/auth/users/", { body: { username, password } }));
  const taken = await unwrap(client.api.POST("/auth/users/", { body: { username, password } })).catch((e) => e);
  assert.ok(taken instanceof ApiError, `a refused registration is an ApiError: ${taken}`);
  assert.deepEqual(taken.fields.username, ["A user with that username already exists."]);

  await client.login({ username, password });
  const me = await unwrap(client.api.GET("/auth/users/me/"));
  assert.equal(client.getAuth().scheme, "token");
  assert.equal(typeof useAuth, "function");
  assert.equal(typeof GojoserProvider, "function");
  console.log(JSON.stringify({ me }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
