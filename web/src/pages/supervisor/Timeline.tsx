import { useEffect, useState } from "preact/hooks";
import { type Client, describeError } from "../../api";
import { lang, t, type Lang } from "../../i18n";
import {
  type AgentState,
  agentStateName,
  agentStates,
  type Channel,
  channelName,
  channels as channelText,
  contactStateName,
} from "../../names";

type Fields = { type: string; [field: string]: unknown };
interface Entry {
  seq: number;
  at: number;
  event: Fields;
}

/** Closure-code names from the catalog: majors by internal name, minors by report name. */
type Names = { major: Map<number, string>; minor: Map<number, string> };

const text = (value: unknown): string =>
  value === null || value === undefined ? "" : typeof value === "string" ? value : String(value);

function code(value: unknown, names: Names): string {
  const c = value as { major?: number; minor?: number } | null | undefined;
  if (!c || c.major === undefined) return "";
  const major = names.major.get(c.major) ?? "";
  const minor = c.minor === undefined ? "" : (names.minor.get(c.minor) ?? "");
  return `(${c.major} ${major}, ${c.minor ?? ""} ${minor})`;
}

const channelOf = (value: unknown) =>
  typeof value === "string" && value in channelText ? channelName(value as Channel) : text(value);
const agentStateOf = (value: unknown) =>
  typeof value === "string" && (agentStates as string[]).includes(value)
    ? agentStateName(value as AgentState)
    : text(value);
/** " (cause 486)", or nothing. */
const cause = (value: unknown) =>
  text(value) ? t(" (cause {cause})", { cause: text(value) }) : "";
/** ", disposition sale", or nothing. */
const disposition = (value: unknown) =>
  text(value) ? t(", disposition {disposition}", { disposition: text(value) }) : "";

/** One journal entry as a supervisor reads it, in the page's language. */
export function describe(e: Fields, names: Names): string {
  const agent = text(e["agent_full_name"]) || text(e["agent"]);
  switch (e.type) {
    case "contact_arrived":
      return t("Arrived: {channel} for {queue} from {from}", {
        channel: channelOf(e["channel"]),
        queue: text(e["queue"]),
        from: text(e["from"]),
      });
    case "contact_queued":
      return t("Queued in {queue}", { queue: text(e["queue"]) });
    case "offer_created":
      return t("Offered to {agent} at {station} (offer {offer})", {
        agent,
        station: text(e["station"]),
        offer: text(e["offer"]),
      });
    case "offer_refused": {
      const why = text(e["decline_reason"]);
      return (
        t("Refused by {agent}: {reason}", { agent, reason: text(e["reason"]) }) +
        cause(e["cause_code"]) +
        (why ? t(" (reason: {reason})", { reason: why }) : "")
      );
    }
    case "offer_rescinded":
      return `${t("Offer to {agent} withdrawn", { agent })} ${code(e["code"], names)}`.trim();
    case "exclusion_ended":
      return t("{agent} may be offered it again", { agent });
    case "contact_connected":
      return t("Connected to {agent}: {state}", {
        agent,
        state: contactStateName(text(e["state"])),
      });
    case "contact_state_changed": {
      const by = text(e["answered_by"]);
      return (
        `${contactStateName(text(e["state"]))} (${agent})` +
        (by ? t(", answered by {by}", { by }) : "")
      );
    }
    case "wrap_up_started":
      return t("Wrap-up started ({agent})", { agent });
    case "wrap_up_completed":
      return (
        t(e["timed_out"] ? "Wrap-up timed out ({agent})" : "Wrap-up completed ({agent})", {
          agent,
        }) + disposition(e["disposition"])
      );
    case "contact_released":
      return t("Released by {agent}", { agent });
    case "contact_suspended":
      return t("Suspended by {agent}", { agent });
    case "contact_parked":
      return t("Parked by {agent}", { agent });
    case "contact_held":
      return t("Held while contact {contact} is parked", { contact: text(e["parked"]) });
    case "session_resumed":
      return t("The customer wrote again (suspended contact {contact})", {
        contact: text(e["suspended"]),
      });
    case "callback_created":
      return t("Callback to {destination} in {queue} ({origin})", {
        destination: text(e["destination"]),
        queue: text(e["queue"]),
        origin: text(e["origin"]),
      });
    case "callback_pending":
      return t("Callback pending");
    case "attempt_started":
      return t("Attempt {attempt} by {agent}", { attempt: text(e["attempt"]), agent });
    case "attempt_dialing":
      return t("Dialing");
    case "dial_outcome_reported":
      return t("Dial outcome: {outcome}", { outcome: text(e["outcome"]) }) + cause(e["cause_code"]);
    case "completion_status_set": {
      const status = typeof e["status"] === "object" ? "callback_requested" : text(e["status"]);
      return (
        t("Completion status: {status}", { status }) + (e["automatic"] ? t(" (automatic)") : "")
      );
    }
    case "attempt_ended":
      return (
        t("Attempt {attempt} ended: {state}", {
          attempt: text(e["attempt"]),
          state: text(e["state"]),
        }) + (e["counted"] ? t(" (counted)") : "")
      );
    case "callback_expired":
      return t("Callback expired");
    case "reservation_ended":
      return t("Reservation for the agent ended");
    case "callback_completed":
      return t("Callback completed: {end}", { end: text(e["end"] ?? e["state"]) });
    case "contact_closed":
      return (
        `${t("Closed")} ${code(e["code"], names)}` +
        (agent ? t(" by {agent}", { agent }) : "") +
        disposition(e["disposition"])
      );
    case "agent_state_changed":
      return t("{agent}: {state}", { agent, state: agentStateOf(e["state"]) });
    default:
      return e.type.replaceAll("_", " ");
  }
}

const catalogs = new Map<Lang, Promise<Names>>();

/** The catalog's names in a language, read once per page and language. */
function closureNames(api: Client, language: Lang): Promise<Names> {
  let names = catalogs.get(language);
  if (names === undefined) {
    names = api
      .GET("/v1/closure-codes", { params: { query: { lang: language } } })
      .then(({ data }) => {
        const found: Names = { major: new Map(), minor: new Map() };
        for (const row of data ?? []) {
          // English names a major by its internal name, as the docs and logs do; Hungarian
          // by the catalog's Hungarian name.
          const major = language === "hu" ? row.Name : row.Internal_Name;
          if (row.Level === "major") found.major.set(row.ID, major);
          else found.minor.set(row.ID, row.Name);
        }
        return found;
      });
    catalogs.set(language, names);
  }
  return names;
}

/** A contact's whole story from the journal, opened from any contact id on the console. */
export function Timeline({
  api,
  contact,
  onClose,
}: {
  api: Client;
  contact: number;
  onClose: () => void;
}) {
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [names, setNames] = useState<Names>({ major: new Map(), minor: new Map() });
  const [problem, setProblem] = useState<string | null>(null);
  const language = lang();
  useEffect(() => {
    setEntries(null);
    setProblem(null);
    void closureNames(api, language).then(setNames);
    void api
      .GET("/v1/contacts/{id}/history", { params: { path: { id: String(contact) } } })
      .then(({ data, error, response }) => {
        if (data === undefined) setProblem(describeError(error, response.status));
        else setEntries(data.entries as unknown as Entry[]);
      });
  }, [contact, language]);
  return (
    <section class="panel" aria-label={t("Timeline of contact {contact}", { contact })}>
      <h2>{t("Timeline of contact {contact}", { contact })}</h2>
      <button type="button" onClick={onClose}>
        {t("Close timeline")}
      </button>
      {problem !== null && <p class="problem">{problem}</p>}
      {entries === null && problem === null && <p>{t("Loading…")}</p>}
      {entries !== null && (
        <ol class="timeline">
          {entries.map((entry) => (
            <li key={entry.seq}>
              <time dateTime={new Date(entry.at).toISOString()}>
                {new Date(entry.at).toLocaleTimeString()}
              </time>{" "}
              {describe(entry.event, names)}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
