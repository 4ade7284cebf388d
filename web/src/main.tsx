import "./app.css";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { EngineClock } from "./clock";
import { t, useLanguage, type Lang } from "./i18n";
import { AgentDesktop } from "./pages/AgentDesktop";
import { Reports } from "./pages/Reports";
import { Supervisor } from "./pages/Supervisor";
import { checkKey, pageTitle, SignIn } from "./pages/SignIn";
import {
  storeCredentials,
  storedCredentials,
  type Credentials,
  type Page,
  type Session,
} from "./session";

function pageOf(path: string): Page | null {
  switch (path.replace(/\/+$/, "")) {
    case "/agent":
      return "agent";
    case "/supervisor":
      return "supervisor";
    case "/reports":
      return "reports";
    default:
      return null;
  }
}

function credentialsFromFragment(page: Page): Credentials | null {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const key = fragment.get("key");
  if (key === null || key === "") return null;
  const station = fragment.get("station");
  return page === "agent" && station !== null ? { key, station } : { key };
}

type State =
  | { kind: "checking" }
  | { kind: "signed-out"; problem: string | null }
  | {
      kind: "signed-in";
      credentials: Credentials;
      session: Session;
      clock: EngineClock;
    };

function signedIn(credentials: Credentials, session: Session): State {
  return {
    kind: "signed-in",
    credentials,
    session,
    clock: new EngineClock(session.now_ms, session.speed),
  };
}

function App({ page }: { page: Page }) {
  const [state, setState] = useState<State>({ kind: "checking" });
  const [language, setLanguage] = useLanguage();

  // A stored key is checked again on load: it may have been revoked since. A key in the
  // address's fragment (the demo's links: `#key=…&station=…`) is taken instead, and removed
  // from the address at once, so it stays out of the history and of shared screenshots.
  useEffect(() => {
    const linked = credentialsFromFragment(page);
    if (linked !== null) {
      storeCredentials(page, linked);
      history.replaceState(null, "", location.pathname + location.search);
    }
    const stored = storedCredentials(page);
    if (stored === null) {
      setState({ kind: "signed-out", problem: null });
      return;
    }
    void checkKey(page, stored.key).then((result) => {
      if ("problem" in result) {
        storeCredentials(page, null);
        setState({ kind: "signed-out", problem: result.problem });
      } else {
        setState(signedIn(stored, result.session));
      }
    });
  }, [page]);

  useEffect(() => {
    document.title = `${pageTitle(page)} · Switchboard`;
  }, [page, language]);

  const picker = <LanguagePicker value={language} onChange={setLanguage} />;

  const signOut = (problem: string | null) => {
    storeCredentials(page, null);
    setState({ kind: "signed-out", problem });
  };

  switch (state.kind) {
    case "checking":
      return <p aria-live="polite">{t("Checking the key…")}</p>;
    case "signed-out":
      return (
        <SignIn
          languagePicker={picker}
          page={page}
          problem={state.problem}
          onSignedIn={(credentials, session) => {
            storeCredentials(page, credentials);
            setState(signedIn(credentials, session));
          }}
        />
      );
    case "signed-in":
      return (
        <>
          <header class="top">
            <h1>Switchboard · {pageTitle(page)}</h1>
            <p>
              {t("Signed in as {who} (key {key})", {
                who: state.session.agent ?? state.session.role,
                key: state.session.key_id,
              })}
            </p>
            {picker}
            <button type="button" onClick={() => signOut(null)}>
              {t("Sign out")}
            </button>
          </header>
          {page === "agent" ? (
            <AgentDesktop
              credentials={state.credentials}
              session={state.session}
              clock={state.clock}
              onKeyRefused={signOut}
            />
          ) : page === "reports" ? (
            <Reports credentials={state.credentials} />
          ) : (
            <Supervisor
              credentials={state.credentials}
              session={state.session}
              clock={state.clock}
              onKeyRefused={signOut}
            />
          )}
        </>
      );
  }
}

/** The page's language, on every page (its own name in each language, as pickers do). */
function LanguagePicker({ value, onChange }: { value: Lang; onChange: (lang: Lang) => void }) {
  return (
    <span class="language">
      <label for="page-language">{t("Page language")}</label>
      <select
        id="page-language"
        value={value}
        onChange={(e) => onChange(e.currentTarget.value as Lang)}
      >
        <option value="en" lang="en">
          English
        </option>
        <option value="hu" lang="hu">
          Magyar
        </option>
      </select>
    </span>
  );
}

const root = document.getElementById("app");
const page = pageOf(location.pathname);
if (root !== null) {
  root.replaceChildren();
  render(page === null ? <p>{t("No such page.")}</p> : <App page={page} />, root);
}
