// Typechecked by .ci/recipe.sh against the TypeScript client regenerated from the recipe's spec: the
// new fields are in the client's types, first_name and last_name required at registration.
import type { components } from "./generated/openapi.js";

type Schemas = components["schemas"];

export const user: Schemas["User"] = {
  email: "ann@example.com", first_name: "Ann", last_name: "Lee", phone: null, id: 1, username: "ann",
};
export const registration: Schemas["UserCreateRequest"] = {
  username: "ann", email: "ann@example.com", password: "s3cure-Passw0rd!", first_name: "Ann", last_name: "Lee",
};
// @ts-expect-error last_name is required at registration (UserCreateRequest.required)
export const incomplete: Schemas["UserCreateRequest"] = { username: "ann", first_name: "Ann" };
export const patch: Schemas["UserUpdateRequest"] = { phone: "+1 555 0100" };
export const login: Schemas["TokenCreateRequest"] = { email: "ann@example.com", password: "s3cure-Passw0rd!" };
