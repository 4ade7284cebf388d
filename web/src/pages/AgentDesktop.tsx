import { useEffect, useState } from "preact/hooks";
import { client, describeError, type Client } from "../api";
import { type EngineClock, formatDuration } from "../clock";
import { agentStateNames, selectableStates, type Selectable } from "../names";
import type { Credentials, Session } from "../session";
import { openStream, type StreamStatus } from "../stream";

function readStatus(api: Client, agent: string) {
  return api.GET("/v1/agents/{id}/status", { params: { path: { id: agent } } });
}

/** The agent's live status, as the API answers it. */
type AgentView = NonNullable<Awaited<ReturnType<typeof readStatus>>["data"]>;

interface Props {
  credentials: Credentials;
  session: Session;
  clock: EngineClock;
  /** The key stopped working (revoked while the page was open). */
  onKeyRefused: (problem: string) => void;
}

/** Re-renders every second, for the timers. */
function useTick(): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
}

export function AgentDesktop({
  credentials,
  session,
  clock,
  onKeyRefused,
}: Props) {
  const agent = session.agent ?? "";
  const api = client(credentials.key);
  const [view, setView] = useState<AgentView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [stream, setStream] = useState<StreamStatus>({ kind: "connecting" });
  useTick();

  async function refresh() {
    const { data, error, response } = await readStatus(api, agent);
    if (data === undefined) setProblem(describeError(error, response.status));
    else setView(data);
    return data;
  }

  // Sign-in logs the agent in at the station given, unless it is already logged in.
  useEffect(() => {
    void (async () => {
      const current = await refresh();
      if (
        current !== undefined &&
        current.state === "offline" &&
        credentials.station
      ) {
        const { error, response } = await api.POST("/v1/agents/{id}/login", {
          params: { path: { id: agent } },
          body: { station: credentials.station },
        });
        if (error !== undefined)
          setProblem(describeError(error, response.status));
        await refresh();
      }
    })();
    return openStream(credentials.key, {
      onMessage: () => void refresh(),
      onStatus: (status) => {
        setStream(status);
        if (status.kind === "stopped") onKeyRefused(status.problem);
      },
    });
    // The key and agent are fixed for the life of this page.
  }, []);

  async function pick(state: Selectable) {
    setProblem(null);
    const { error, response } =
      state === "offline"
        ? await api.POST("/v1/agents/{id}/logout", {
            params: { path: { id: agent } },
          })
        : view?.state === "offline"
          ? await api.POST("/v1/agents/{id}/login", {
              params: { path: { id: agent } },
              body: { station: credentials.station ?? "", state },
            })
          : await api.POST("/v1/agents/{id}/state", {
              params: { path: { id: agent } },
              body: { state },
            });
    if (error !== undefined) setProblem(describeError(error, response.status));
    await refresh();
  }

  const since = view === null ? null : clock.secondsSince(view.since);
  return (
    <section class="desktop" aria-label="Agent desktop">
      <p class="stream" aria-live="polite">
        {stream.kind === "live"
          ? "Live"
          : stream.kind === "reconnecting"
            ? `Reconnecting (${stream.problem})…`
            : stream.kind === "connecting"
              ? "Connecting…"
              : `Stopped: ${stream.problem}`}
      </p>
      <div class="state-panel">
        <p>
          <span>{view?.full_name ?? agent}</span>
          {view?.station ? <span> · station {view.station}</span> : null}
        </p>
        <p
          role="status"
          aria-label="Agent state"
          class={`state state-${view?.state ?? "unknown"}`}
        >
          {view === null ? "…" : agentStateNames[view.state]}
        </p>
        {view?.reason ? <p>Reason: {view.reason}</p> : null}
        {since !== null ? (
          <p>
            Time in state: <time>{formatDuration(since)}</time>
          </p>
        ) : null}
        <label for="agent-state-picker">State</label>
        <select
          id="agent-state-picker"
          value=""
          onChange={(e) => {
            const value = e.currentTarget.value as Selectable | "";
            if (value !== "") void pick(value);
          }}
        >
          <option value="">Choose a state…</option>
          {selectableStates.map((s) => (
            <option value={s} key={s}>
              {s === "offline" ? "Offline (log out)" : agentStateNames[s]}
            </option>
          ))}
        </select>
      </div>
      {problem !== null && (
        <p class="problem" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
