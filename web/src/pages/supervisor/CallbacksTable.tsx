import { useState } from "preact/hooks";
import type { Act } from "../../action";
import type { Client } from "../../api";
import type { CallbackRow } from "./data";
import { ContactLink } from "./ContactLink";
import { Filter, plain } from "./Filter";
import { usePager } from "./Pager";
import { useInPlace } from "../../focus";
import { Confirm } from "../Confirm";
import { t, type Phrase } from "../../i18n";

const locations = ["Pending", "HandlingByBusinessProcess", "HandlingByAgent"] as const;

const columns: Phrase[] = ["Contact", "Destination", "Queue", "Due", "Attempts", "Location"];

/** The column heads a callback row starts with (the console's search, the desktop's own). */
export function CallbackColumns() {
  return (
    <>
      {columns.map((column) => (
        <th scope="col" key={column}>
          {t(column)}
        </th>
      ))}
    </>
  );
}

/** "Purge", after a confirmation that names the callback (Escape or "Keep it" cancels). */
function Purge({ callback, api, act }: { callback: CallbackRow; api: Client; act: Act }) {
  const [asking, setAsking] = useState(false);
  const focus = useInPlace<HTMLButtonElement, HTMLButtonElement>(asking);
  const path = { params: { path: { id: String(callback.id) } } };
  if (!asking) {
    return (
      <button type="button" ref={focus.opener} onClick={() => setAsking(true)}>
        {t("Purge")}
      </button>
    );
  }
  return (
    <Confirm
      label={t("Confirm purge of callback {contact}", { contact: callback.id })}
      question={t("Purge callback {contact} to {destination}?", {
        contact: callback.id,
        destination: callback.destination,
      })}
      yes={t("Yes, purge")}
      no={t("Keep it")}
      first={focus.first}
      onYes={() => {
        setAsking(false);
        void act(() => api.POST("/v1/callbacks/{id}/purge", path));
      }}
      onNo={() => setAsking(false)}
    />
  );
}

/** The callback search: open callbacks by queue and location, send to queue, purge. */
export function CallbacksTable({
  callbacks,
  api,
  act,
  onOpenContact,
}: {
  onOpenContact: (contact: number) => void;
  callbacks: CallbackRow[];
  api: Client;
  act: Act;
}) {
  const [queue, setQueue] = useState("");
  const [location, setLocation] = useState("");
  const queues = [...new Set(callbacks.map((c) => c.queue))].sort();
  const shown = callbacks
    .filter(
      (c) => (queue === "" || c.queue === queue) && (location === "" || c.location === location),
    )
    .sort((a, b) => a.due - b.due || a.id - b.id);
  const pager = usePager(shown, t("callbacks"), `${queue}|${location}`);
  const time = (ms: number) => new Date(ms).toLocaleString();
  return (
    <section class="panel" aria-labelledby="callbacks-title">
      <h2 id="callbacks-title">{t("Callback search")}</h2>
      <div class="filters">
        <Filter
          id="callbacks-queue"
          label={t("Queue")}
          everything={t("All queues")}
          value={queue}
          options={plain(queues)}
          onChange={setQueue}
        />
        <Filter
          id="callbacks-location"
          label={t("Location")}
          everything={t("All locations")}
          value={location}
          options={plain(locations)}
          onChange={setLocation}
        />
      </div>
      <table>
        <caption>{t("Callbacks")}</caption>
        <thead>
          <tr>
            <CallbackColumns />
            <th scope="col">{t("Reserved for")}</th>
            <th scope="col">{t("Actions")}</th>
          </tr>
        </thead>
        <tbody>
          {pager.shown.map((c) => {
            const path = { params: { path: { id: String(c.id) } } };
            return (
              <tr key={c.id}>
                <th scope="row">
                  <ContactLink id={c.id} onOpen={onOpenContact} />
                </th>
                <td>{c.destination}</td>
                <td>{c.queue}</td>
                <td>
                  <time dateTime={new Date(c.due).toISOString()}>{time(c.due)}</time>
                </td>
                <td>{c.attempts}</td>
                <td>{c.location}</td>
                <td>{c.reserved_for ?? ""}</td>
                <td class="row-actions">
                  {c.location === "Pending" && (
                    <button
                      type="button"
                      onClick={() =>
                        void act(() => api.POST("/v1/callbacks/{id}/send-to-queue", path))
                      }
                    >
                      {t("Send to queue")}
                    </button>
                  )}
                  {c.location !== "HandlingByAgent" && <Purge callback={c} api={api} act={act} />}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {pager.nav}
      {shown.length === 0 && <p>{t("No open callback matches the filters.")}</p>}
    </section>
  );
}
