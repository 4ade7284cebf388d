import { useEffect, useState } from "preact/hooks";
import { type Client, describeError } from "../../api";
import { agentStateNames, contactStateNames } from "../../names";

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

/** One journal entry as a supervisor reads it. */
export function describe(e: Fields, names: Names): string {
  const agent = text(e["agent_full_name"]) || text(e["agent"]);
  switch (e.type) {
    case "contact_arrived":
      return `Arrived: ${text(e["channel"])} for ${text(e["queue"])} from ${text(e["from"])}`;
    case "contact_queued":
      return `Queued in ${text(e["queue"])}`;
    case "offer_created":
      return `Offered to ${agent} at ${text(e["station"])} (offer ${text(e["offer"])})`;
    case "offer_refused": {
      const cause = text(e["cause_code"]);
      return `Refused by ${agent}: ${text(e["reason"])}${cause ? ` (cause ${cause})` : ""}`;
    }
    case "offer_rescinded":
      return `Offer to ${agent} withdrawn ${code(e["code"], names)}`.trim();
    case "exclusion_ended":
      return `${agent} may be offered it again`;
    case "contact_connected":
      return `Connected to ${agent}: ${contactStateNames[e["state"] as keyof typeof contactStateNames] ?? text(e["state"])}`;
    case "contact_state_changed": {
      const by = text(e["answered_by"]);
      return `${contactStateNames[e["state"] as keyof typeof contactStateNames] ?? text(e["state"])} (${agent})${by ? `, answered by ${by}` : ""}`;
    }
    case "wrap_up_started":
      return `Wrap-up started (${agent})`;
    case "wrap_up_completed": {
      const d = text(e["disposition"]);
      return `Wrap-up ${e["timed_out"] ? "timed out" : "completed"} (${agent})${d ? `, disposition ${d}` : ""}`;
    }
    case "contact_released":
      return `Released by ${agent}`;
    case "contact_suspended":
      return `Suspended by ${agent}`;
    case "contact_parked":
      return `Parked by ${agent}`;
    case "contact_held":
      return `Held while contact ${text(e["parked"])} is parked`;
    case "session_resumed":
      return `The customer wrote again (suspended contact ${text(e["suspended"])})`;
    case "callback_created":
      return `Callback to ${text(e["destination"])} in ${text(e["queue"])} (${text(e["origin"])})`;
    case "callback_pending":
      return "Callback pending";
    case "attempt_started":
      return `Attempt ${text(e["attempt"])} by ${agent}`;
    case "attempt_dialing":
      return "Dialing";
    case "dial_outcome_reported": {
      const cause = text(e["cause_code"]);
      return `Dial outcome: ${text(e["outcome"])}${cause ? ` (cause ${cause})` : ""}`;
    }
    case "completion_status_set":
      return `Completion status: ${typeof e["status"] === "object" ? "callback_requested" : text(e["status"])}${e["automatic"] ? " (automatic)" : ""}`;
    case "attempt_ended":
      return `Attempt ${text(e["attempt"])} ended: ${text(e["state"])}${e["counted"] ? " (counted)" : ""}`;
    case "callback_expired":
      return "Callback expired";
    case "reservation_ended":
      return "Reservation for the agent ended";
    case "callback_completed":
      return `Callback completed: ${text(e["end"] ?? e["state"])}`;
    case "contact_closed": {
      const d = text(e["disposition"]);
      return `Closed ${code(e["code"], names)}${agent ? ` by ${agent}` : ""}${d ? `, disposition ${d}` : ""}`;
    }
    case "agent_state_changed":
      return `${agent}: ${agentStateNames[e["state"] as keyof typeof agentStateNames] ?? text(e["state"])}`;
    default:
      return e.type.replaceAll("_", " ");
  }
}

let catalog: Promise<Names> | null = null;

/** The catalog's names, read once per page. */
function closureNames(api: Client): Promise<Names> {
  catalog ??= api
    .GET("/v1/closure-codes", { params: { query: { lang: "en" } } })
    .then(({ data }) => {
      const names: Names = { major: new Map(), minor: new Map() };
      for (const row of data ?? []) {
        if (row.Level === "major") names.major.set(row.ID, row.Internal_Name);
        else names.minor.set(row.ID, row.Name);
      }
      return names;
    });
  return catalog;
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
  useEffect(() => {
    setEntries(null);
    setProblem(null);
    void closureNames(api).then(setNames);
    void api
      .GET("/v1/contacts/{id}/history", { params: { path: { id: String(contact) } } })
      .then(({ data, error, response }) => {
        if (data === undefined) setProblem(describeError(error, response.status));
        else setEntries(data.entries as unknown as Entry[]);
      });
  }, [contact]);
  return (
    <section class="panel" aria-label={`Timeline of contact ${contact}`}>
      <h2>Timeline of contact {contact}</h2>
      <button type="button" onClick={onClose}>
        Close timeline
      </button>
      {problem !== null && <p class="problem">{problem}</p>}
      {entries === null && problem === null && <p>Loading…</p>}
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
