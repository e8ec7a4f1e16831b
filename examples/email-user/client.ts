// Typechecked by .ci/recipe.sh against the TypeScript client regenerated from the recipe's spec: a user
// without a username, set_email/ in place of set_username/.
import type { components, paths } from "./generated/openapi.js";

type Schemas = components["schemas"];

export const user: Schemas["User"] = { first_name: "Ann", last_name: "Lee", phone: "", age: null, id: 1, email: "ann@example.com" };
// @ts-expect-error the user has no username
export const withUsername: Schemas["User"] = { ...user, username: "ann" };
export const setEmail: paths["/auth/users/set_email/"]["post"]["requestBody"]["content"]["application/json"] = {
  current_password: "s3cure-Passw0rd!", new_email: "ann2@example.com", re_new_email: "ann2@example.com",
};
// @ts-expect-error there is no set_username/
export type NoSetUsername = paths["/auth/users/set_username/"];
