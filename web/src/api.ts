// The API client: typed by the generated OpenAPI types, with the page's key on every request.
import createClient from "openapi-fetch";
import type { paths } from "./generated/openapi";
import { t } from "./i18n";

export type Client = ReturnType<typeof createClient<paths>>;

export function client(key: string): Client {
  return createClient<paths>({
    baseUrl: location.origin,
    headers: { Authorization: `Bearer ${key}` },
  });
}

/** The server's error body: `{"error": {"code", "message"}}`. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}

/** A sentence for a failed request, from the server's error body when it has one. */
export function describeError(error: unknown, status: number): string {
  if (typeof error === "object" && error !== null && "error" in error) {
    const { code, message } = (error as ApiErrorBody).error;
    if (code === "unauthorized") {
      return t("This key is not valid: it is unknown or has been revoked.");
    }
    if (code === "key_expired") {
      return t("This key has expired ({message}). Ask whoever gave it to you for a new one.", {
        message,
      });
    }
    return `${message} (${code})`;
  }
  return t("The server answered {status}.", { status });
}
