import { channelNames } from "../../names";
import { Unpark } from "../Unpark";
import type { Desk, DeskContext } from "./types";

/** Parked email and work items in the agent's queues: an agent serving the queue unparks. */
export function Parked({ desk, ctx }: { desk: Desk; ctx: DeskContext }) {
  if (desk.parked.length === 0) return null;
  return (
    <section class="panel" aria-labelledby="parked-title">
      <h2 id="parked-title">Parked</h2>
      <table>
        <caption class="visually-hidden">Parked sessions in your queues</caption>
        <thead>
          <tr>
            <th scope="col">Contact</th>
            <th scope="col">Channel</th>
            <th scope="col">Queue</th>
            <th scope="col">Customer</th>
            <th scope="col">Held</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {desk.parked.map((s) => (
            <tr key={s.contact}>
              <th scope="row">{s.contact}</th>
              <td>{channelNames[s.channel]}</td>
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
