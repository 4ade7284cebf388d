import { useEffect, useState } from "preact/hooks";
import { useActions } from "../action";
import { client } from "../api";
import type { EngineClock } from "../clock";
import type { Credentials, Session } from "../session";
import { openStream, type StreamStatus } from "../stream";
import { AgentsTable } from "./supervisor/AgentsTable";
import { CallbacksTable } from "./supervisor/CallbacksTable";
import { DncPanel } from "./supervisor/DncPanel";
import { useConsole } from "./supervisor/data";
import { QueuesTable } from "./supervisor/QueuesTable";
import { SessionsTable } from "./supervisor/SessionsTable";
import { Timeline } from "./supervisor/Timeline";
import { streamText, useTick } from "../live";
import { t } from "../i18n";

interface Props {
  credentials: Credentials;
  session: Session;
  clock: EngineClock;
  onKeyRefused: (problem: string) => void;
}

/** The supervisor console: agents, queues and callbacks, live from the event stream. */
export function Supervisor({ credentials, session, clock, onKeyRefused }: Props) {
  const api = client(credentials.key);
  const data = useConsole(api);
  const { problem, act } = useActions(() => data.refresh());
  const [stream, setStream] = useState<StreamStatus>({ kind: "connecting" });
  const [reconnected, setReconnected] = useState(false);
  const [timeline, setTimeline] = useState<number | null>(null);
  const [lookup, setLookup] = useState("");
  useTick();

  useEffect(() => {
    let wasLive = false;
    return openStream(credentials.key, session.last_seq, {
      onMessage: data.onMessage,
      onReset: () => void data.reload(),
      onStatus: (status) => {
        setStream(status);
        if (status.kind === "live") {
          if (wasLive) setReconnected(true);
          wasLive = true;
        }
        if (status.kind === "stopped") onKeyRefused(status.problem);
      },
    });
  }, []);

  const shownProblem = problem ?? data.problem;
  return (
    <div class="console">
      <p class="stream" aria-live="polite">
        {t("Event stream")}: {streamText(stream)}
        {reconnected && stream.kind === "live" ? t(" (reconnected; nothing was missed)") : ""}
      </p>
      {shownProblem !== null && (
        <p class="problem" role="alert">
          {shownProblem}
        </p>
      )}
      {data.agents === null ||
      data.queues === null ||
      data.configs === null ||
      data.callbacks === null ||
      data.settings === null ||
      data.sessions === null ? (
        <p>{t("Loading…")}</p>
      ) : (
        <>
          <form
            class="row-form"
            aria-label={t("Find a contact")}
            onSubmit={(e) => {
              e.preventDefault();
              const id = Number.parseInt(lookup.replace(/^c/i, ""), 10);
              if (Number.isSafeInteger(id) && id > 0) setTimeline(id);
            }}
          >
            <label for="timeline-contact">{t("Contact id")}</label>
            <input
              id="timeline-contact"
              inputMode="numeric"
              value={lookup}
              onInput={(e) => setLookup(e.currentTarget.value)}
            />
            <button type="submit">{t("Show timeline")}</button>
          </form>
          {timeline !== null && (
            <Timeline api={api} contact={timeline} onClose={() => setTimeline(null)} />
          )}
          <QueuesTable
            queues={data.queues}
            agents={data.agents}
            configs={data.configs}
            clock={clock}
            api={api}
            act={act}
          />
          <AgentsTable
            onOpenContact={setTimeline}
            agents={data.agents}
            configs={data.configs}
            settings={data.settings}
            clock={clock}
            api={api}
            act={act}
          />
          <CallbacksTable
            onOpenContact={setTimeline}
            callbacks={data.callbacks}
            api={api}
            act={act}
          />
          <SessionsTable onOpenContact={setTimeline} sessions={data.sessions} api={api} act={act} />
          <DncPanel api={api} act={act} version={data.dncVersion} apiKey={credentials.key} />
        </>
      )}
    </div>
  );
}
