import { t } from "../../i18n";
import { CallbackColumns } from "../supervisor/CallbacksTable";
import type { Desk, DeskContext } from "./types";

/** The callbacks reserved for this agent that are not in its hands yet. */
export function MyCallbacks({ desk, ctx }: { desk: Desk; ctx: DeskContext }) {
  const time = (ms: number) => new Date(ms).toLocaleString();
  return (
    <section class="panel" aria-labelledby="my-callbacks-title">
      <h2 id="my-callbacks-title">{t("My callbacks")}</h2>
      {desk.callbacks.length === 0 ? (
        <p>{t("No callbacks are reserved for you.")}</p>
      ) : (
        <table>
          <caption class="visually-hidden">{t("Callbacks reserved for you")}</caption>
          <thead>
            <tr>
              <CallbackColumns />
            </tr>
          </thead>
          <tbody>
            {desk.callbacks.map((cb) => (
              <tr key={cb.id}>
                <td>{cb.id}</td>
                <td>{cb.destination}</td>
                <td>{cb.queue}</td>
                <td>
                  <time dateTime={new Date(cb.due).toISOString()}>{time(cb.due)}</time>
                  {cb.due > ctx.clock.now() ? "" : t(" (due)")}
                </td>
                <td>{cb.attempts}</td>
                <td>{cb.location}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
