// What the live pages share: a re-render every second for timers, and the stream's status
// in words.
import { useEffect, useState } from "preact/hooks";
import { t } from "./i18n";
import type { StreamStatus } from "./stream";

/** Re-renders every second, for the timers and countdowns. */
export function useTick(): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
}

export function streamText(stream: StreamStatus): string {
  switch (stream.kind) {
    case "live":
      return t("Live");
    case "connecting":
      return t("Connecting…");
    case "reconnecting":
      return t("Reconnecting: {problem}…", { problem: stream.problem });
    case "stopped":
      return t("Stopped: {problem}", { problem: stream.problem });
  }
}
