import type { Act } from "../../action";
import type { Client } from "../../api";
import { t } from "../../i18n";
import { channelName } from "../../names";
import { Unpark } from "../Unpark";
import { ContactLink } from "./ContactLink";
import type { SessionRow } from "./data";

/**
 * Suspended and parked sessions of email and work items (issue 13): a parked one can be
 * unparked, which queues it again with the messages held meanwhile (62).
 */
export function SessionsTable({
  sessions,
  api,
  act,
  onOpenContact,
}: {
  onOpenContact: (contact: number) => void;
  sessions: SessionRow[];
  api: Client;
  act: Act;
}) {
  const time = (ms: number) => new Date(ms).toLocaleString();
  return (
    <section class="panel" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t("Suspended and parked")}</h2>
      {sessions.length === 0 ? (
        <p>{t("No session is suspended or parked.")}</p>
      ) : (
        <table>
          <caption>{t("Sessions")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("Contact")}</th>
              <th scope="col">{t("State")}</th>
              <th scope="col">{t("Channel")}</th>
              <th scope="col">{t("Queue")}</th>
              <th scope="col">{t("Customer")}</th>
              <th scope="col">{t("Agent")}</th>
              <th scope="col">{t("Since")}</th>
              <th scope="col">{t("Held")}</th>
              <th scope="col">{t("Actions")}</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.contact}>
                <th scope="row">
                  <ContactLink id={s.contact} onOpen={onOpenContact} />
                </th>
                <td>{t(s.state === "parked" ? "Parked" : "Suspended")}</td>
                <td>{channelName(s.channel)}</td>
                <td>{s.queue}</td>
                <td>{s.from}</td>
                <td>{s.agent}</td>
                <td>
                  <time dateTime={new Date(s.since).toISOString()}>{time(s.since)}</time>
                </td>
                <td>{s.held.length}</td>
                <td class="row-actions">
                  {s.state === "parked" && <Unpark contact={s.contact} api={api} act={act} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
