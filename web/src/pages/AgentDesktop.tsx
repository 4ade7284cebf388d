import { useEffect, useRef, useState } from "preact/hooks";
import { client, describeError } from "../api";
import type { EngineClock } from "../clock";
import { t } from "../i18n";
import type { Credentials, Session } from "../session";
import { openStream, type StreamMessage, type StreamStatus } from "../stream";
import { ContactPanel } from "./agent/ContactPanel";
import { MyCallbacks } from "./agent/MyCallbacks";
import { OfferPanel } from "./agent/OfferPanel";
import { Parked } from "./agent/Parked";
import { Outbound } from "./agent/Outbound";
import { StatePanel } from "./agent/StatePanel";
import { readDesk, type Desk, type DeskContext } from "./agent/types";
import { useActions } from "../action";
import { streamText, useTick } from "../live";

interface Props {
  credentials: Credentials;
  session: Session;
  clock: EngineClock;
  /** The key stopped working (revoked while the page was open). */
  onKeyRefused: (problem: string) => void;
}

export function AgentDesktop({ credentials, session, clock, onKeyRefused }: Props) {
  const agent = session.agent ?? "";
  const api = client(credentials.key);
  const [desk, setDesk] = useState<Desk | null>(null);
  const { problem, setProblem, act } = useActions(() => refresh());
  const [missed, setMissed] = useState<string | null>(null);
  const [stream, setStream] = useState<StreamStatus>({ kind: "connecting" });
  const [reconnected, setReconnected] = useState(false);
  // One read at a time; events that arrive meanwhile ask for one more read after it.
  const reading = useRef<{ busy: boolean; again: boolean }>({
    busy: false,
    again: false,
  });
  useTick();

  async function refresh(): Promise<Desk | undefined> {
    if (reading.current.busy) {
      reading.current.again = true;
      return undefined;
    }
    reading.current.busy = true;
    let latest: Desk | undefined;
    do {
      reading.current.again = false;
      const { data, error, response } = await api.GET("/v1/agents/{id}/desktop", {
        params: { path: { id: agent } },
      });
      if (data === undefined) setProblem(describeError(error, response.status));
      else {
        latest = data;
        setDesk(data);
      }
    } while (reading.current.again);
    reading.current.busy = false;
    return latest;
  }

  function onMessage({ event }: StreamMessage) {
    if (
      event.type === "offer_refused" &&
      event["agent"] === agent &&
      event["reason"] === "NoAnswer"
    ) {
      setMissed(String(event["contact"]));
    } else if (
      event.type === "agent_state_changed" &&
      event["agent"] === agent &&
      event["state"] !== "no_answer"
    ) {
      setMissed(null);
    }
    void refresh();
  }

  // Sign-in logs the agent in at the station given, unless it is already logged in.
  useEffect(() => {
    void (async () => {
      const current = await refresh();
      if (current !== undefined && current.agent.state === "offline" && credentials.station) {
        const { error, response } = await api.POST("/v1/agents/{id}/login", {
          params: { path: { id: agent } },
          body: { station: credentials.station },
        });
        if (error !== undefined) setProblem(describeError(error, response.status));
        await refresh();
      }
    })();
    let wasLive = false;
    return openStream(credentials.key, session.last_seq, {
      onMessage,
      onReset: () => void refresh(),
      onStatus: (status) => {
        setStream(status);
        if (status.kind === "live") {
          if (wasLive) setReconnected(true);
          wasLive = true;
          // Whatever changed while the stream was down is in the journal it catches up
          // from; the desk is read again all the same, in case the page slept.
          void refresh();
        }
        if (status.kind === "stopped") onKeyRefused(status.problem);
      },
    });
    // The key and agent are fixed for the life of this page.
  }, []);

  const ctx: DeskContext = {
    api,
    agent,
    clock,
    act,
  };

  return (
    <div class="desktop">
      <div class="toolbar">
        <p class="stream" aria-live="polite">
          {t("Event stream")}: {streamText(stream)}
          {reconnected && stream.kind === "live" ? t(" (reconnected; nothing was missed)") : ""}
        </p>
      </div>
      {problem !== null && (
        <p class="problem" role="alert">
          {problem}
        </p>
      )}
      {desk === null ? (
        <p>{t("Loading…")}</p>
      ) : (
        <>
          <StatePanel desk={desk} ctx={ctx} credentials={credentials} />
          {missed !== null && desk.agent.state === "no_answer" && (
            <p class="notice" role="alert">
              {t(
                "The offer of contact {contact} was missed: it was not answered in time. You are in No Answer; pick a state to go on.",
                { contact: missed },
              )}
            </p>
          )}
          {desk.offer && <OfferPanel offer={desk.offer} reasons={desk.decline_reasons} ctx={ctx} />}
          {desk.contacts.map((item) => (
            <ContactPanel item={item} colleagues={desk.colleagues} ctx={ctx} key={item.id} />
          ))}
          {desk.agent.state === "outgoing_interactions" && <Outbound ctx={ctx} />}
          <Parked desk={desk} ctx={ctx} />
          <MyCallbacks desk={desk} ctx={ctx} />
        </>
      )}
    </div>
  );
}
