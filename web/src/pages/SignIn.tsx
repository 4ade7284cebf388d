import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { client, describeError } from "../api";
import { t } from "../i18n";
import { refusal, type Credentials, type Page, type Session } from "../session";

const titles = {
  agent: "Agent desktop",
  supervisor: "Supervisor console",
  reports: "Reports",
} as const;

export function pageTitle(page: Page): string {
  return t(titles[page]);
}

/** Checks a key against the server: the session, or a sentence saying why not. */
export async function checkKey(
  page: Page,
  key: string,
): Promise<{ session: Session } | { problem: string }> {
  try {
    const { data, error, response } = await client(key).GET("/v1/session");
    if (data === undefined) return { problem: describeError(error, response.status) };
    const refused = refusal(page, data);
    return refused === null ? { session: data } : { problem: refused };
  } catch {
    return { problem: t("The server cannot be reached. Is switchboard running?") };
  }
}

interface Props {
  /** The page's language picker, above the form. */
  languagePicker: ComponentChildren;
  page: Page;
  problem: string | null;
  onSignedIn: (credentials: Credentials, session: Session) => void;
}

export function SignIn({ languagePicker, page, problem: initialProblem, onSignedIn }: Props) {
  const [key, setKey] = useState("");
  const [station, setStation] = useState("");
  const [problem, setProblem] = useState<string | null>(initialProblem);
  const [busy, setBusy] = useState(false);
  // The key field has the focus when the form appears: sign-in is type, Tab, type, Enter.
  const keyField = useRef<HTMLInputElement>(null);
  useEffect(() => keyField.current?.focus(), []);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    const result = await checkKey(page, key.trim());
    setBusy(false);
    if ("problem" in result) {
      setProblem(result.problem);
      return;
    }
    const credentials: Credentials =
      page === "agent" ? { key: key.trim(), station: station.trim() } : { key: key.trim() };
    onSignedIn(credentials, result.session);
  }

  return (
    <section class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Switchboard · {pageTitle(page)}</h1>
      {languagePicker}
      <form onSubmit={submit}>
        <label for="sign-in-key">{t("API key")}</label>
        <input
          id="sign-in-key"
          ref={keyField}
          type="password"
          name="key"
          autocomplete="off"
          required
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
        />
        {page === "agent" && (
          <>
            <label for="sign-in-station">{t("Station")}</label>
            <input
              id="sign-in-station"
              type="text"
              name="station"
              autocomplete="off"
              required
              value={station}
              onInput={(e) => setStation(e.currentTarget.value)}
            />
          </>
        )}
        {problem !== null && (
          <p class="problem" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t("Sign in")}
        </button>
      </form>
    </section>
  );
}
