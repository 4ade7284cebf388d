import type { Act } from "../../action";
import type { Client } from "../../api";
import { type EngineClock, formatDuration } from "../../clock";
import type { AgentConfig, AgentRow, QueueRow } from "./data";
import { Emergency } from "./Emergency";
import { t, type Phrase } from "../../i18n";

const percent = (value: number | null | undefined) =>
  value === null || value === undefined ? "–" : `${Math.round(value * 10) / 10} %`;

/** Ready, busy and unavailable agents of a queue (logged-in agents who serve it). */
function staffing(queue: string, agents: AgentRow[], configs: AgentConfig[]) {
  const serving = new Set(
    configs.filter((c) => (c.queues ?? []).some((q) => q.queue === queue)).map((c) => c.id),
  );
  let ready = 0;
  let busy = 0;
  let unavailable = 0;
  for (const a of agents) {
    if (!serving.has(a.id) || a.state === "offline") continue;
    if (a.state === "ready") ready += 1;
    else if (a.state === "offered" || a.state === "busy") busy += 1;
    else unavailable += 1;
  }
  return { ready, busy, unavailable };
}

/**
 * The thresholds a queue crosses now, in words: the longest wait (ticking on the engine's
 * clock), the shift's service level, the contacts waiting.
 */
function alerts(q: QueueRow, clock: EngineClock): string[] {
  const limits = q.thresholds;
  if (!limits) return [];
  const found: string[] = [];
  if (limits.longest_wait_seconds != null && q.oldest_entrance != null) {
    const waited = clock.secondsSince(q.oldest_entrance);
    if (waited > limits.longest_wait_seconds) {
      found.push(
        t("longest wait {waited} over {limit}", {
          waited: formatDuration(waited),
          limit: formatDuration(limits.longest_wait_seconds),
        }),
      );
    }
  }
  if (limits.service_level_percent != null && q.service_level != null) {
    const level = q.service_level * 100;
    if (level < limits.service_level_percent) {
      found.push(
        t("service level {level} under {limit} %", {
          level: percent(level),
          limit: limits.service_level_percent,
        }),
      );
    }
  }
  if (limits.waiting != null && q.waiting > limits.waiting) {
    found.push(t("{waiting} waiting, over {limit}", { waiting: q.waiting, limit: limits.waiting }));
  }
  return found;
}

/** Every queue: waiting and staffing, the shift's counters, the seven callback columns. */
export function QueuesTable({
  queues,
  agents,
  configs,
  clock,
  api,
  act,
}: {
  queues: QueueRow[];
  agents: AgentRow[];
  configs: AgentConfig[];
  clock: EngineClock;
  api: Client;
  act: Act;
}) {
  return (
    <section class="panel wide" aria-labelledby="queues-title">
      <h2 id="queues-title">{t("Queue monitor")}</h2>
      <table>
        <caption>{t("Queues")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("Queue")}</th>
            <th scope="col">{t("Status")}</th>
            <th scope="col">{t("Waiting")}</th>
            <th scope="col">{t("Longest wait")}</th>
            <th scope="col">{t("Ready")}</th>
            <th scope="col">{t("Busy")}</th>
            <th scope="col">{t("Unavailable")}</th>
            <th scope="col">{t("Offered")}</th>
            <th scope="col">{t("Answered")}</th>
            <th scope="col">{t("Abandoned")}</th>
            <th scope="col">{t("Service level")}</th>
            <th scope="col">CLBK Stat</th>
            <th scope="col">Proc</th>
            <th scope="col">Clbk To Be Proc</th>
            <th scope="col">Clbk Avg Time</th>
            <th scope="col">Clbk Purged</th>
            <th scope="col">% Clbk Reached</th>
            <th scope="col">% Clbk Fail</th>
            <th scope="col">{t("Callbacks")}</th>
            <th scope="col">{t("Alerts")}</th>
          </tr>
        </thead>
        <tbody>
          {queues.map((q) => {
            const staff = staffing(q.id, agents, configs);
            const cb = q.callbacks;
            const path = { params: { path: { id: q.id } } };
            const crossed = alerts(q, clock);
            return (
              <tr key={q.id} class={crossed.length > 0 ? "alert" : undefined}>
                <th scope="row">{q.id}</th>
                <td>
                  {t(q.status as Phrase)}
                  {q.emergency && (
                    <span class="muted">
                      {" "}
                      {q.emergency.message ? `“${q.emergency.message}” ` : ""}
                      {q.emergency.set_by ? t("set by {who}", { who: q.emergency.set_by }) : ""}
                    </span>
                  )}
                  <div>
                    <Emergency queue={q} api={api} act={act} />
                  </div>
                </td>
                <td>{q.waiting}</td>
                <td>
                  {q.oldest_entrance == null
                    ? "–"
                    : formatDuration(clock.secondsSince(q.oldest_entrance))}
                </td>
                <td>{staff.ready}</td>
                <td>{staff.busy}</td>
                <td>{staff.unavailable}</td>
                <td>{q.offered}</td>
                <td>{q.answered}</td>
                <td>{q.abandoned}</td>
                <td>
                  {q.service_level == null ? "–" : percent(q.service_level * 100)}{" "}
                  {q.service_level_seconds != null && (
                    <span class="muted">
                      {t("(in {seconds} s)", { seconds: q.service_level_seconds })}
                    </span>
                  )}
                </td>
                <td>{cb ? t(cb.status as Phrase) : "–"}</td>
                <td>{cb?.processed ?? "–"}</td>
                <td>{cb?.to_be_processed ?? "–"}</td>
                <td>
                  {cb?.avg_handle_ms == null
                    ? "–"
                    : formatDuration(Math.round(cb.avg_handle_ms / 1000))}
                </td>
                <td>{cb?.purged ?? "–"}</td>
                <td>{cb ? percent(cb.pct_reached) : "–"}</td>
                <td>{cb ? percent(cb.pct_fail) : "–"}</td>
                <td>
                  {cb &&
                    (cb.status === "Stopped" ? (
                      <button
                        type="button"
                        aria-label={t("Start callbacks of {queue}", { queue: q.id })}
                        onClick={() =>
                          void act(() => api.POST("/v1/queues/{id}/callbacks/start", path))
                        }
                      >
                        {t("Start callbacks")}
                      </button>
                    ) : (
                      <button
                        type="button"
                        aria-label={t("Stop callbacks of {queue}", { queue: q.id })}
                        onClick={() =>
                          void act(() => api.POST("/v1/queues/{id}/callbacks/stop", path))
                        }
                      >
                        {t("Stop callbacks")}
                      </button>
                    ))}
                </td>
                <td>{crossed.length > 0 ? `⚠ ${crossed.join("; ")}` : "–"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
