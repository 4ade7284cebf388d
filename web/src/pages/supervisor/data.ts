// The supervisor console's data: the monitor's agents and queues, the callback search and the
// agents' configuration (teams, queues), read again when the event stream says they changed —
// never on a timer. Reads follow events at most every READ_GAP_MS, so a busy contact center
// costs a handful of reads a second, not one per event.
import { useEffect, useRef, useState } from "preact/hooks";
import { type Client, describeError } from "../../api";
import type { StreamMessage } from "../../stream";

export const READ_GAP_MS = 300;

export function readAgents(api: Client) {
  return api.GET("/v1/monitor/agents");
}
export function readQueues(api: Client) {
  return api.GET("/v1/monitor/queues");
}
export function readCallbacks(api: Client) {
  return api.GET("/v1/callbacks");
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

type Part = "agents" | "queues" | "callbacks" | "configs" | "settings" | "sessions" | "dnc";

/** What an event can change, by its type. */
function touched(type: string): Part[] {
  if (type === "settings_configured") return ["settings", "agents"];
  if (type.startsWith("agent_configured") || type.startsWith("agent_removed")) {
    return ["configs", "agents", "queues"];
  }
  if (type.startsWith("agent_")) return ["agents", "queues"];
  if (
    type.startsWith("callback_") ||
    type.startsWith("attempt_") ||
    type === "completion_status_set" ||
    type === "reservation_ended"
  ) {
    return ["callbacks", "queues", "agents"];
  }
  if (type.startsWith("queue_") || type === "shift_started") return ["queues"];
  if (type.startsWith("do_not_call_")) return ["dnc", "callbacks"];
  if (
    type.startsWith("session_") ||
    type === "contact_suspended" ||
    type === "contact_parked" ||
    type === "contact_held"
  ) {
    return ["sessions", "agents", "queues"];
  }
  return ["agents", "queues", "callbacks"];
}

export function useConsole(api: Client): Console {
  const [agents, setAgents] = useState<AgentRow[] | null>(null);
  const [queues, setQueues] = useState<QueueRow[] | null>(null);
  const [callbacks, setCallbacks] = useState<CallbackRow[] | null>(null);
  const [configs, setConfigs] = useState<AgentConfig[] | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [sessions, setSessions] = useState<SessionRow[] | null>(null);
  const [dncVersion, setDncVersion] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  const dirty = useRef(new Set<Part>());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  async function read(parts: Set<Part>) {
    const failed = (answer: { error?: unknown; response: Response }) => {
      setProblem(describeError(answer.error, answer.response.status));
    };
    const jobs: Promise<void>[] = [];
    if (parts.has("agents"))
      jobs.push(readAgents(api).then((a) => (a.data ? setAgents(a.data) : failed(a))));
    if (parts.has("queues"))
      jobs.push(readQueues(api).then((a) => (a.data ? setQueues(a.data) : failed(a))));
    if (parts.has("callbacks"))
      jobs.push(readCallbacks(api).then((a) => (a.data ? setCallbacks(a.data) : failed(a))));
    if (parts.has("configs"))
      jobs.push(readAgentConfigs(api).then((a) => (a.data ? setConfigs(a.data) : failed(a))));
    if (parts.has("dnc")) setDncVersion((v) => v + 1);
    if (parts.has("sessions"))
      jobs.push(readSessions(api).then((a) => (a.data ? setSessions(a.data) : failed(a))));
    if (parts.has("settings"))
      jobs.push(readSettings(api).then((a) => (a.data ? setSettings(a.data) : failed(a))));
    await Promise.all(jobs);
  }

  function schedule() {
    if (timer.current !== null) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      const parts = dirty.current;
      dirty.current = new Set();
      void read(parts);
    }, READ_GAP_MS);
  }

  useEffect(() => {
    void read(new Set<Part>(["agents", "queues", "callbacks", "configs", "settings", "sessions"]));
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
    refresh: () => read(new Set<Part>(["agents", "queues", "callbacks", "sessions"])),
    reload: () =>
      read(new Set<Part>(["agents", "queues", "callbacks", "configs", "settings", "sessions"])),
    onMessage: ({ event }) => {
      for (const part of touched(event.type)) dirty.current.add(part);
      schedule();
    },
  };
}
