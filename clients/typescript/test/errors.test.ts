import { describe, expect, it } from "vitest";

import { ApiError, isApiError, unwrap } from "../src/index.js";

describe("ApiError", () => {
  const cases: {
    name: string;
    status: number;
    body: unknown;
    detail?: string;
    code?: string;
    nonFieldErrors?: string[];
    fields?: Record<string, string[]>;
    message: string;
  }[] = [
    {
      name: "field errors, in the server's order",
      status: 400,
      body: {
        username: ["A user with that username already exists."],
        password: ["This password is too short. It must contain at least 8 characters.", "This password is too common."],
      },
      fields: {
        username: ["A user with that username already exists."],
        password: ["This password is too short. It must contain at least 8 characters.", "This password is too common."],
      },
      message: "username: A user with that username already exists.",
    },
    {
      name: "object-level errors",
      status: 400,
      body: { non_field_errors: ["Unable to log in with provided credentials."] },
      nonFieldErrors: ["Unable to log in with provided credentials."],
      message: "Unable to log in with provided credentials.",
    },
    {
      name: "the bare list Djoser sends for an unknown email",
      status: 400,
      body: ["User with given email does not exist."],
      nonFieldErrors: ["User with given email does not exist."],
      message: "User with given email does not exist.",
    },
    {
      name: "an exception",
      status: 401,
      body: { detail: "Invalid token." },
      detail: "Invalid token.",
      message: "Invalid token.",
    },
    {
      name: "a SimpleJWT exception: code and messages are not fields",
      status: 401,
      body: {
        detail: "Given token not valid for any token type",
        code: "token_not_valid",
        messages: [{ token_class: "AccessToken", token_type: "access", message: "Token is invalid or expired" }],
      },
      detail: "Given token not valid for any token type",
      code: "token_not_valid",
      message: "Given token not valid for any token type",
    },
    {
      name: "nested serializer and list errors, flattened",
      status: 400,
      body: { profile: { phone: ["Enter a valid phone number."] }, items: [{}, { name: ["This field is required."] }] },
      fields: { "profile.phone": ["Enter a valid phone number."], "items.1.name": ["This field is required."] },
      message: "profile.phone: Enter a valid phone number.",
    },
    {
      name: "a field error given as a plain string",
      status: 400,
      body: { email: "Enter a valid email address." },
      fields: { email: ["Enter a valid email address."] },
      message: "email: Enter a valid email address.",
    },
    { name: "an empty body", status: 400, body: "", message: "HTTP 400" },
    { name: "a proxy's HTML page", status: 502, body: "<html>Bad Gateway</html>", message: "HTTP 502" },
    { name: "null", status: 500, body: null, message: "HTTP 500" },
  ];

  for (const c of cases) {
    it(`reads ${c.name}`, () => {
      const err = new ApiError(c.status, c.body);
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe("ApiError");
      expect(err.status).toBe(c.status);
      expect(err.detail).toBe(c.detail);
      expect(err.code).toBe(c.code);
      expect(err.nonFieldErrors).toEqual(c.nonFieldErrors ?? []);
      expect(err.fields).toEqual(c.fields ?? {});
      expect(err.message).toBe(c.message);
      expect(err.body).toBe(c.body);
    });
  }

  it("lets callers index field errors directly", () => {
    const err = new ApiError(400, { password: ["This password is too common."], re_password: ["x"] });
    expect(err.fields.password?.[0]).toBe("This password is too common.");
    expect(err.fieldError("password")).toBe("This password is too common.");
    expect(err.fieldError("email")).toBeUndefined();
    expect(err.messages).toEqual(["This password is too common.", "x"]);
  });

  it("is built from a response", async () => {
    const response = new Response('{"current_password":["Invalid password."]}', {
      status: 400,
      headers: { "Content-Type": "application/json" },
    });
    const err = await ApiError.fromResponse(response);
    expect(err.fields).toEqual({ current_password: ["Invalid password."] });
    expect(err.response).toBe(response);
  });

  it("is built from a 400 with no body", async () => {
    const err = await ApiError.fromResponse(new Response(null, { status: 400 }));
    expect(err.status).toBe(400);
    expect(err.messages).toEqual([]);
  });

  it("reads a throttled answer's Retry-After", async () => {
    const err = await ApiError.fromResponse(
      new Response('{"detail":"Request was throttled. Expected available in 12 seconds."}', {
        status: 429,
        headers: { "Content-Type": "application/json", "Retry-After": "12" },
      }),
    );
    expect(err.status).toBe(429);
    expect(err.detail).toBe("Request was throttled. Expected available in 12 seconds.");
    expect(err.retryAfter).toBe(12);
    expect(new ApiError(400, {}).retryAfter).toBeUndefined();
    const soon = new Date(Date.now() + 90_000).toUTCString();
    const dated = new ApiError(503, {}, new Response(null, { status: 503, headers: { "Retry-After": soon } }));
    expect(dated.retryAfter).toBeGreaterThanOrEqual(88);
    expect(dated.retryAfter).toBeLessThanOrEqual(90);
  });

  it("is recognised across package copies", () => {
    const foreign = Object.assign(new Error("x"), { name: "ApiError", status: 400 });
    expect(isApiError(foreign)).toBe(true);
    expect(isApiError(new ApiError(400, {}))).toBe(true);
    expect(isApiError(new Error("x"))).toBe(false);
  });
});

describe("unwrap", () => {
  it("returns the data of a success", async () => {
    const response = new Response("{}", { status: 200 });
    await expect(unwrap({ data: { id: 1 }, response })).resolves.toEqual({ id: 1 });
  });

  it("returns undefined for a 204", async () => {
    await expect(unwrap(Promise.resolve({ response: new Response(null, { status: 204 }) }))).resolves.toBeUndefined();
  });

  it("throws an ApiError for a failure", async () => {
    const response = new Response("", { status: 403 });
    const err = await unwrap({ error: { detail: "You do not have permission to perform this action." }, response }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 403, detail: "You do not have permission to perform this action." });
  });
});
