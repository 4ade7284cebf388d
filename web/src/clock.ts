// The engine's clock as the page sees it: the server's time when the session was read, plus
// the real time since, times the server's speed (the demo runs faster than real time).
// Countdowns use this, never the browser's own clock.
export class EngineClock {
  private readonly serverMs: number;
  private readonly readAt: number;
  private readonly speed: number;

  constructor(serverNowMs: number, speed: number) {
    this.serverMs = serverNowMs;
    this.readAt = performance.now();
    this.speed = speed;
  }

  /** The engine's time now, in milliseconds since the Unix epoch. */
  now(): number {
    return this.serverMs + (performance.now() - this.readAt) * this.speed;
  }

  /** Whole seconds left until `deadlineMs` (never below zero). */
  secondsUntil(deadlineMs: number): number {
    return Math.max(0, Math.ceil((deadlineMs - this.now()) / 1000));
  }

  /** Whole seconds since `sinceMs`. */
  secondsSince(sinceMs: number): number {
    return Math.max(0, Math.floor((this.now() - sinceMs) / 1000));
  }
}

/** "1:05", "12:00:09": a duration in seconds for a timer display. */
export function formatDuration(totalSeconds: number): string {
  const s = totalSeconds % 60;
  const m = Math.floor(totalSeconds / 60) % 60;
  const h = Math.floor(totalSeconds / 3600);
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}
