// The live event stream (`GET /v1/events`, Server-Sent Events) read with fetch, because a
// browser's EventSource cannot send the Authorization header. A dropped stream reconnects
// with `Last-Event-ID`, so nothing is missed or repeated, and says so through `onStatus`.
import { createParser } from "eventsource-parser";

export interface StreamMessage {
  /** The journal sequence number. */
  seq: number;
  /** The engine time of the event, ms since the Unix epoch. */
  at: number;
  /** The engine event; `type` names it (docs/api.md, "Event stream"). */
  event: { type: string; [field: string]: unknown };
}

export type StreamStatus =
  | { kind: "connecting" }
  | { kind: "live" }
  | { kind: "reconnecting"; afterSeq: number | null; problem: string }
  | { kind: "stopped"; problem: string; code: string };

/** Codes after which reconnecting cannot help: the key is no good. */
const FATAL = new Set(["unauthorized", "key_expired", "forbidden"]);

export interface StreamHandlers {
  onMessage: (message: StreamMessage) => void;
  onStatus: (status: StreamStatus) => void;
  /**
   * The server no longer has the events after the last one seen (its data directory was
   * restored from an older backup): the stream starts afresh, and the page must read
   * everything again.
   */
  onReset?: () => void;
}

/**
 * Opens the stream after journal entry `after` (the session's `last_seq`, read before the
 * page read its data, so nothing between that read and the stream is missed) and keeps it
 * open until the returned function is called.
 */
export function openStream(key: string, after: number, handlers: StreamHandlers): () => void {
  const controller = new AbortController();
  let lastSeq: number | null = after;
  let delayMs = 500;

  async function connectOnce(): Promise<{
    problem: string;
    code: string | null;
  }> {
    const headers: Record<string, string> = { Authorization: `Bearer ${key}` };
    if (lastSeq !== null) headers["Last-Event-ID"] = String(lastSeq);
    const response = await fetch("/v1/events", {
      headers,
      signal: controller.signal,
    });
    if (!response.ok || response.body === null) {
      const body: unknown = await response.json().catch(() => null);
      const error = (body as { error?: { code: string; message: string } } | null)?.error;
      return {
        problem: error?.message ?? `the server answered ${response.status}`,
        code: error?.code ?? null,
      };
    }
    handlers.onStatus({ kind: "live" });
    delayMs = 500;
    let ended: { problem: string; code: string | null } | null = null;
    const parser = createParser({
      onEvent(message) {
        if (message.event === "error") {
          const error = (
            JSON.parse(message.data) as {
              error: { code: string; message: string };
            }
          ).error;
          ended = { problem: error.message, code: error.code };
          return;
        }
        if (message.id === undefined) return; // connector requests: not for pages
        const parsed = JSON.parse(message.data) as StreamMessage;
        lastSeq = parsed.seq;
        handlers.onMessage(parsed);
      },
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
    return ended ?? { problem: "the connection closed", code: null };
  }

  async function run() {
    handlers.onStatus({ kind: "connecting" });
    while (!controller.signal.aborted) {
      let outcome: { problem: string; code: string | null };
      try {
        outcome = await connectOnce();
      } catch (error) {
        if (controller.signal.aborted) return;
        outcome = { problem: "the connection was lost", code: null };
      }
      if (controller.signal.aborted) return;
      if (outcome.code === "invalid_last_event_id") {
        lastSeq = null;
        handlers.onReset?.();
      }
      if (outcome.code !== null && FATAL.has(outcome.code)) {
        handlers.onStatus({
          kind: "stopped",
          problem: outcome.problem,
          code: outcome.code,
        });
        return;
      }
      handlers.onStatus({
        kind: "reconnecting",
        afterSeq: lastSeq,
        problem: outcome.problem,
      });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 10_000);
    }
  }

  void run();
  return () => controller.abort();
}
