// A signed-in page's key and what the server said about it. The key is kept in
// sessionStorage: for this browser tab only, gone when the tab closes.
import type { components } from "./generated/openapi";
import { t } from "./i18n";

export type Session = components["schemas"]["Session"];
export type Page = "agent" | "supervisor" | "reports";

export interface Credentials {
  key: string;
  /** The agent desktop's station. */
  station?: string;
}

const storageKey = (page: Page) => `switchboard.${page}`;

export function storedCredentials(page: Page): Credentials | null {
  const text = sessionStorage.getItem(storageKey(page));
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && "key" in value) {
      return value as Credentials;
    }
  } catch {
    // A damaged entry is as good as none.
  }
  return null;
}

export function storeCredentials(page: Page, credentials: Credentials | null) {
  if (credentials === null) sessionStorage.removeItem(storageKey(page));
  else sessionStorage.setItem(storageKey(page), JSON.stringify(credentials));
}

/** What a page needs of a key; `null` when the key will do. */
export function refusal(page: Page, session: Session): string | null {
  switch (page) {
    case "agent":
      return session.role === "agent"
        ? null
        : t("This is a {role} key; the agent desktop needs an agent's key.", {
            role: session.role,
          });
    case "supervisor":
      return session.role === "supervisor" || session.role === "admin"
        ? null
        : t("This is a {role} key; the supervisor console needs a supervisor or admin key.", {
            role: session.role,
          });
    case "reports":
      return session.data_download
        ? null
        : t("This key does not have the Data Download View permission, which the reports need.");
  }
}
