/**
 * DRF error bodies come in four shapes, and ApiError reads them all:
 *
 * - exceptions: `{"detail": "Invalid token."}` (SimpleJWT adds `code` and sometimes `messages`);
 * - field errors: `{"password": ["This password is too common.", ...], ...}`, in field order;
 * - object-level errors: `{"non_field_errors": ["Unable to log in with provided credentials."]}`;
 * - a bare list: `["User with given email does not exist."]`, which Djoser sends for an unknown email;
 * - a bare JSON string: `"redirect_uri must be in SOCIAL_AUTH_ALLOWED_REDIRECT_URIS"` (social login).
 *
 * Bodies that are empty or not JSON (a proxy's HTML error page) leave every part empty.
 */
export class ApiError extends Error {
  override readonly name = "ApiError";
  /** The HTTP status. */
  readonly status: number;
  /** `detail` of an exception body, such as `"Invalid token."`. */
  readonly detail: string | undefined;
  /** SimpleJWT's machine-readable `code`, such as `"token_not_valid"`. */
  readonly code: string | undefined;
  /** `non_field_errors`, or the messages of a bare-list or bare-string JSON body. */
  readonly nonFieldErrors: string[];
  /**
   * Messages by field, in the order the server sent them: `err.fields.password?.[0]`. Nested serializer
   * errors are flattened to dotted keys (`"profile.phone"`, `"items.0.name"`).
   */
  readonly fields: Record<string, string[]>;
  /**
   * Seconds to wait before trying again, from `Retry-After` (a throttled request's 429, a 503): the same
   * number DRF puts in the detail, "Request was throttled. Expected available in 12 seconds.".
   */
  readonly retryAfter: number | undefined;
  /** The parsed body (or its text when it is not JSON). */
  readonly body: unknown;
  /** The response, when there was one. */
  readonly response: Response | undefined;

  constructor(status: number, body: unknown, response?: Response) {
    const parsed = parseBody(body, /json/i.test(response?.headers.get("Content-Type") ?? ""));
    super(firstMessage(parsed) ?? `HTTP ${status}`);
    this.status = status;
    this.detail = parsed.detail;
    this.code = parsed.code;
    this.nonFieldErrors = parsed.nonFieldErrors;
    this.fields = parsed.fields;
    this.retryAfter = retryAfterSeconds(response?.headers.get("Retry-After") ?? null);
    this.body = body;
    this.response = response;
  }

  /** Reads the body of a failed response. The response body is consumed. */
  static async fromResponse(response: Response): Promise<ApiError> {
    let body: unknown = await response.text().catch(() => "");
    try {
      body = JSON.parse(body as string);
    } catch {
      // Not JSON: keep the text.
    }
    return new ApiError(response.status, body, response);
  }

  /** Every message: the detail, then non-field errors, then each field's messages. */
  get messages(): string[] {
    const out: string[] = [];
    if (this.detail !== undefined) out.push(this.detail);
    out.push(...this.nonFieldErrors);
    for (const messages of Object.values(this.fields)) out.push(...messages);
    return out;
  }

  /** The first message for a field, or undefined. */
  fieldError(field: string): string | undefined {
    return this.fields[field]?.[0];
  }
}

/** Retry-After as whole seconds: delay-seconds, or an HTTP date from now; undefined without a usable one. */
function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number.parseInt(value, 10);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** True for an ApiError, also one thrown by another copy of this package. */
export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError || (err instanceof Error && err.name === "ApiError" && "status" in err);
}

interface ParsedBody {
  detail: string | undefined;
  code: string | undefined;
  nonFieldErrors: string[];
  fields: Record<string, string[]>;
}

function parseBody(body: unknown, json: boolean): ParsedBody {
  const parsed: ParsedBody = { detail: undefined, code: undefined, nonFieldErrors: [], fields: {} };
  if (typeof body === "string" && json) {
    // A bare JSON string, as Djoser's social view answers a redirect_uri it does not allow.
    parsed.nonFieldErrors = [body];
    return parsed;
  }
  if (Array.isArray(body)) {
    parsed.nonFieldErrors = messagesOf(body);
    return parsed;
  }
  if (body === null || typeof body !== "object") return parsed;
  const obj = body as Record<string, unknown>;
  if (typeof obj.detail === "string") {
    // An exception: its other keys (code, messages) describe the detail; they are not fields.
    parsed.detail = obj.detail;
    if (typeof obj.code === "string") parsed.code = obj.code;
    return parsed;
  }
  for (const [key, value] of Object.entries(obj)) {
    if (key === "non_field_errors") parsed.nonFieldErrors = messagesOf(value);
    else flatten(key, value, parsed.fields);
  }
  return parsed;
}

function flatten(key: string, value: unknown, into: Record<string, string[]>): void {
  if (typeof value === "string") {
    (into[key] ??= []).push(value);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (item !== null && typeof item === "object") flatten(`${key}.${i}`, item, into);
      else if (item !== null && item !== undefined) (into[key] ??= []).push(String(item));
    });
  } else if (value !== null && typeof value === "object") {
    for (const [sub, subValue] of Object.entries(value)) flatten(`${key}.${sub}`, subValue, into);
  }
}

function messagesOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) return [];
  return value.filter((m) => m !== null && typeof m !== "object").map(String);
}

function firstMessage(p: ParsedBody): string | undefined {
  if (p.detail !== undefined) return p.detail;
  if (p.nonFieldErrors.length > 0) return p.nonFieldErrors[0];
  for (const [field, messages] of Object.entries(p.fields)) {
    if (messages.length > 0) return `${field}: ${messages[0]}`;
  }
  return undefined;
}

/** What openapi-fetch resolves to: data on success, error (the parsed body) otherwise. */
export interface FetchResult<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/**
 * Returns the data of a successful openapi-fetch call, or throws an ApiError built from its error body:
 *
 * ```ts
 * const me = await unwrap(client.api.GET("/auth/users/me/"));
 * ```
 */
export async function unwrap<D>(result: FetchResult<D> | Promise<FetchResult<D>>): Promise<D> {
  const { data, error, response } = await result;
  if (!response.ok) throw new ApiError(response.status, error ?? "", response);
  return data as D;
}
