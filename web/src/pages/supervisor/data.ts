// The supervisor console's data: the monitor's agents and queues, the callback search and the
// agents' configuration (teams, queues). Everything is read once; after that the event stream
// says what changed and the console reads just that — the agents and callbacks an event
// names, row by row (`?ids=`), and the small lists (queues, sessions, configuration) whole —
// never on a timer. Reads follow events at most every READ_GAP_MS, so a busy contact center
// costs a handful of small reads a second, whatever the number of agents.
import { useEffect, useRef, useState } from "preact/hooks";
import { type Client, describeError } from "../../api";
import type { StreamMessage } from "../../stream";

export const READ_GAP_MS = 300;
/** Ids per row read; the server takes at most 1,000. */
const IDS_PER_READ = 500;
/** Past this many changed rows one read of the whole list is cheaper than reading by id. */
const WHOLE_LIST_AFTER = 2000;

export function readAgents(api: Client, ids?: string[]) {
  const query = ids === undefined ? {} : { ids: ids.join(",") };
  return api.GET("/v1/monitor/agents", { params: { query } });
}
export function readQueues(api: Client) {
  return api.GET("/v1/monitor/queues");
}
export function readCallbacks(api: Client, ids?: number[]) {
  const query = ids === undefined ? {} : { ids: ids.join(",") };
  return api.GET("/v1/callbacks", { params: { query } });
}
export function readAgentConfigs(api: Client) {
  return api.GET("/v1/agents");
}
export function readSettings(api: Client) {
  return api.GET("/v1/settings");
}
export function readSessions(api: Client) {
  return api.GET("/v1/monitor/sessions");
}

type Data<F extends (api: Client) => Promise<{ data?: unknown }>> = NonNullable<
  Awaited<ReturnType<F>>["data"]
>;
export type AgentRow = Data<typeof readAgents>[number];
export type QueueRow = Data<typeof readQueues>[number];
export type CallbackRow = Data<typeof readCallbacks>[number];
export type AgentConfig = Data<typeof readAgentConfigs>[number];
export type Settings = Data<typeof readSettings>;
export type SessionRow = Data<typeof readSessions>[number];

export interface Console {
  agents: AgentRow[] | null;
  queues: QueueRow[] | null;
  callbacks: CallbackRow[] | null;
  configs: AgentConfig[] | null;
  settings: Settings | null;
  sessions: SessionRow[] | null;
  problem: string | null;
  /** Moves on every change of the do-not-call list (the panel reads its page again). */
  dncVersion: number;
  /** Reads the live tables again now (after an action of this page). */
  refresh: () => Promise<void>;
  /** Reads everything again, the configuration too (the stream started afresh). */
  reload: () => Promise<void>;
  /** Feeds a stream message: marks what it changed for the next read. */
  onMessage: (message: StreamMessage) => void;
}

/** The lists read whole: few rows each. */
type Whole = "queues" | "configs" | "settings" | "sessions" | "dnc";

/** What one event changed: the parts read whole, and the rows of the long lists. */
export interface Change {
  whole: Set<Whole>;
  /** Every agent row again (the settings name the reasons every row shows). */
  allAgents: boolean;
  agents: Set<string>;
  /** Contacts and offers whose agent the console must look up in its rows. */
  contacts: Set<number>;
  offers: Set<number>;
  callbacks: Set<number>;
}

export function noChange(): Change {
  return {
    whole: new Set(),
    allAgents: false,
    agents: new Set(),
    contacts: new Set(),
    offers: new Set(),
    callbacks: new Set(),
  };
}

const CALLBACK_EVENTS = new Set([
  "callback_created",
  "callback_pending",
  "callback_expired",
  "callback_completed",
  "attempt_started",
  "attempt_dialing",
  "attempt_ended",
  "dial_outcome_reported",
  "completion_status_set",
  "reservation_ended",
]);

const SESSION_EVENTS = new Set([
  "contact_suspended",
  "session_resumed",
  "contact_parked",
  "contact_held",
  "session_unparked",
]);

/**
 * Marks in `change` what an event changed. The rows it names are read again: its `agent`,
 * the agents holding its `contact` (or `suspended`, `parked`) or `offer`, an agent a
 * callback is reserved for, and the callback it concerns. Queues are read whole after any
 * event that is not only the do-not-call list's.
 */
export function markChange(change: Change, event: StreamMessage["event"]): void {
  const type = event.type;
  const number = (field: string) => {
    const value = event[field];
    return typeof value === "number" ? value : null;
  };
  if (type === "do_not_call_added" || type === "do_not_call_removed") {
    change.whole.add("dnc");
    return;
  }
  change.whole.add("queues");
  if (type === "settings_configured") {
    change.whole.add("settings");
    change.allAgents = true;
  }
  if (type === "agent_configured" || type === "agent_removed") change.whole.add("configs");
  if (SESSION_EVENTS.has(type)) change.whole.add("sessions");
  const agent = event.agent;
  if (typeof agent === "string") change.agents.add(agent);
  if (typeof agent === "object" && agent !== null && "id" in agent) {
    change.agents.add(String(agent.id)); // agent_configured carries the whole configuration
  }
  const reserved = event.reserved;
  if (Array.isArray(reserved) && typeof reserved[0] === "string") change.agents.add(reserved[0]);
  for (const field of ["contact", "suspended", "parked"]) {
    const contact = number(field);
    if (contact !== null) change.contacts.add(contact);
  }
  const offer = number("offer");
  if (offer !== null) change.offers.add(offer);
  const contact = number("contact");
  if (contact !== null && CALLBACK_EVENTS.has(type)) change.callbacks.add(contact);
}

/** A long list kept by id: read whole once, then row by row. */
class Rows<K extends string | number, R extends { id: K }> {
  private rows = new Map<K, R>();
  loaded = false;

  replaceAll(rows: R[]) {
    this.rows = new Map(rows.map((row) => [row.id, row]));
    this.loaded = true;
  }

  /** The rows read for `asked`: an id asked for and not answered is gone. */
  merge(asked: K[], rows: R[]) {
    for (const id of asked) this.rows.delete(id);
    for (const row of rows) this.rows.set(row.id, row);
  }

  has(id: K) {
    return this.rows.has(id);
  }

  values() {
    return this.rows.values();
  }

  list(): R[] {
    return [...this.rows.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

/** The ids of the contacts an agent holds (the schema types each pair's items as either). */
function heldContacts(row: AgentRow): number[] {
  return row.contacts.map(([id]) => Number(id));
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += IDS_PER_READ) out.push(items.slice(i, i + IDS_PER_READ));
  return out;
}

export function useConsole(api: Client): Console {
  const agentRows = useRef(new Rows<string, AgentRow>());
  const callbackRows = useRef(new Rows<number, CallbackRow>());
  const [agents, setAgents] = useState<AgentRow[] | null>(null);
  const [queues, setQueues] = useState<QueueRow[] | null>(null);
  const [callbacks, setCallbacks] = useState<CallbackRow[] | null>(null);
  const [configs, setConfigs] = useState<AgentConfig[] | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [sessions, setSessions] = useState<SessionRow[] | null>(null);
  const [dncVersion, setDncVersion] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  const pending = useRef(noChange());
  /** Contacts and offers no row held when their event came, while agent reads were due. */
  const unresolved = useRef({ contacts: new Set<number>(), offers: new Set<number>() });
  const agentReadsDue = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const failed = (answer: { error?: unknown; response: Response }) => {
    setProblem(describeError(answer.error, answer.response.status));
  };

  /** The agents holding these contacts or offers, from the rows as they are now. */
  function holders(contacts: Set<number>, offers: Set<number>): Set<string> {
    const found = new Set<string>();
    if (contacts.size === 0 && offers.size === 0) return found;
    for (const row of agentRows.current.values()) {
      if (row.offer != null && offers.has(row.offer)) found.add(row.id);
      if (heldContacts(row).some((contact) => contacts.has(contact))) found.add(row.id);
    }
    return found;
  }

  /** Reads the agents `ids` names (all of them when `ids` is null) into the rows. */
  async function readAgentRows(ids: string[] | null) {
    const rows = agentRows.current;
    if (ids === null || !rows.loaded || ids.length > WHOLE_LIST_AFTER) {
      const answer = await readAgents(api);
      if (!answer.data) return failed(answer);
      rows.replaceAll(answer.data);
    } else {
      const answers = await Promise.all(chunks(ids).map((part) => readAgents(api, part)));
      answers.forEach((answer, i) => {
        if (answer.data) rows.merge(chunks(ids)[i] ?? [], answer.data);
        else failed(answer);
      });
    }
    setAgents(rows.list());
  }

  async function readCallbackRows(ids: number[] | null) {
    const rows = callbackRows.current;
    if (ids === null || !rows.loaded || ids.length > WHOLE_LIST_AFTER) {
      const answer = await readCallbacks(api);
      if (!answer.data) return failed(answer);
      rows.replaceAll(answer.data);
    } else {
      const parts = chunks(ids);
      const answers = await Promise.all(parts.map((part) => readCallbacks(api, part)));
      answers.forEach((answer, i) => {
        if (answer.data) rows.merge(parts[i] ?? [], answer.data);
        else failed(answer);
      });
    }
    setCallbacks(rows.list());
  }

  async function readWhole(parts: Set<Whole>) {
    const jobs: Promise<void>[] = [];
    if (parts.has("queues"))
      jobs.push(readQueues(api).then((a) => (a.data ? setQueues(a.data) : failed(a))));
    if (parts.has("configs"))
      jobs.push(readAgentConfigs(api).then((a) => (a.data ? setConfigs(a.data) : failed(a))));
    if (parts.has("sessions"))
      jobs.push(readSessions(api).then((a) => (a.data ? setSessions(a.data) : failed(a))));
    if (parts.has("settings"))
      jobs.push(readSettings(api).then((a) => (a.data ? setSettings(a.data) : failed(a))));
    if (parts.has("dnc")) setDncVersion((v) => v + 1);
    await Promise.all(jobs);
  }

  /** Reads what `change` names. */
  async function read(change: Change) {
    const agentIds = new Set(change.agents);
    for (const id of holders(change.contacts, change.offers)) agentIds.add(id);
    if (agentReadsDue.current > 0) {
      // A contact or offer no row holds may belong to a row whose read is on its way, read
      // before this event: look again when it is in.
      for (const contact of change.contacts) unresolved.current.contacts.add(contact);
      for (const offer of change.offers) unresolved.current.offers.add(offer);
    }
    const callbackIds = new Set(change.callbacks);
    for (const contact of change.contacts) {
      if (callbackRows.current.has(contact)) callbackIds.add(contact);
    }
    const jobs: Promise<void>[] = [readWhole(change.whole)];
    if (change.allAgents || agentIds.size > 0) {
      agentReadsDue.current += 1;
      jobs.push(
        readAgentRows(change.allAgents ? null : [...agentIds]).finally(() => {
          agentReadsDue.current -= 1;
          lookAgain();
        }),
      );
    }
    if (callbackIds.size > 0) jobs.push(readCallbackRows([...callbackIds]));
    await Promise.all(jobs);
  }

  /** After an agent read: the rows that now hold an unresolved contact or offer are read. */
  function lookAgain() {
    const { contacts, offers } = unresolved.current;
    let found = false;
    for (const row of agentRows.current.values()) {
      // Every match is taken out of the unresolved sets, so no short-circuit here.
      const heldOffer = row.offer != null && offers.delete(row.offer);
      const heldContact = heldContacts(row).filter((contact) => contacts.delete(contact)).length;
      const holds = heldOffer || heldContact > 0;
      if (holds) {
        pending.current.agents.add(row.id);
        found = true;
      }
    }
    if (agentReadsDue.current === 0) {
      unresolved.current = { contacts: new Set(), offers: new Set() };
    }
    if (found) schedule();
  }

  function schedule() {
    if (timer.current !== null) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      const change = pending.current;
      pending.current = noChange();
      void read(change);
    }, READ_GAP_MS);
  }

  async function readAll(withConfiguration: boolean) {
    const whole = new Set<Whole>(["queues", "sessions"]);
    if (withConfiguration) {
      whole.add("configs");
      whole.add("settings");
    }
    await Promise.all([readWhole(whole), readAgentRows(null), readCallbackRows(null)]);
  }

  useEffect(() => {
    void readAll(true);
    return () => {
      if (timer.current !== null) clearTimeout(timer.current);
    };
  }, []);

  return {
    agents,
    queues,
    callbacks,
    configs,
    settings,
    sessions,
    problem,
    dncVersion,
    refresh: () => readAll(false),
    reload: () => readAll(true),
    onMessage: ({ event }) => {
      markChange(pending.current, event);
      schedule();
    },
  };
}
