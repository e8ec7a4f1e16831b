// Typechecked by .ci/recipe.sh against the TypeScript client regenerated from the recipe's spec.
import type { components } from "./generated/openapi.js";

type Schemas = components["schemas"];

export const user: Schemas["User"] = {
  email: "", id: 2, username: "ann", role: "staff", birthday: null, website: "https://ann.example.com/",
  newsletter: true, score: 12, badge: "",
};
// @ts-expect-error role is one of the enum's values
export const badRole: Schemas["UserUpdateRequest"] = { role: "god" };
export const registration: Schemas["UserCreateRequest"] = { username: "ann", newsletter: true, birthday: "1990-07-04" };
