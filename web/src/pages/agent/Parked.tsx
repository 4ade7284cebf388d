import { t } from "../../i18n";
import { channelName } from "../../names";
import { Unpark } from "../Unpark";
import type { Desk, DeskContext } from "./types";

/** Parked email and work items in the agent's queues: an agent serving the queue unparks. */
export function Parked({ desk, ctx }: { desk: Desk; ctx: DeskContext }) {
  if (desk.parked.length === 0) return null;
  return (
    <section class="panel" aria-labelledby="parked-title">
      <h2 id="parked-title">{t("Parked")}</h2>
      <table>
        <caption class="visually-hidden">{t("Parked sessions in your queues")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("Contact")}</th>
            <th scope="col">{t("Channel")}</th>
            <th scope="col">{t("Queue")}</th>
            <th scope="col">{t("Customer")}</th>
            <th scope="col">{t("Held")}</th>
            <th scope="col">{t("Actions")}</th>
          </tr>
        </thead>
        <tbody>
          {desk.parked.map((s) => (
            <tr key={s.contact}>
              <th scope="row">{s.contact}</th>
              <td>{channelName(s.channel)}</td>
              <td>{s.queue}</td>
              <td>{s.from}</td>
              <td>{s.held.length}</td>
              <td>
                <Unpark contact={s.contact} api={ctx.api} act={ctx.act} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
