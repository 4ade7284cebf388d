import { useState } from "preact/hooks";
import { type EngineClock, formatDuration } from "../../clock";
import { t, type Phrase } from "../../i18n";
import { agentStateName, agentStates, contactStateName } from "../../names";
import type { Act } from "../../action";
import type { Client } from "../../api";
import { AgentActions } from "./AgentActions";
import { ContactLink } from "./ContactLink";
import type { AgentConfig, AgentRow, Settings } from "./data";
import { Filter, plain } from "./Filter";
import { usePager } from "./Pager";

/** "3 Handling, 4 Wrap Up": the contacts an agent holds, each opening its timeline. */
function Contacts({
  contacts,
  onOpen,
}: {
  contacts: AgentRow["contacts"];
  onOpen: (contact: number) => void;
}) {
  return (
    <>
      {contacts.map(([id, state], i) => (
        <span key={String(id)}>
          {i > 0 ? ", " : ""}
          <ContactLink id={Number(id)} onOpen={onOpen} /> {contactStateName(String(state))}
        </span>
      ))}
    </>
  );
}

/** The unavailable reasons an agent may be given: its own list, else the settings'. */
function reasonsOf(config: AgentConfig | undefined, settings: Settings): string[] {
  const own = config?.unavailable_reasons ?? [];
  return own.length > 0 ? own : (settings.unavailable_reasons ?? []);
}

/** The monitor's agents with filters by team, queue and state. */
export function AgentsTable({
  agents,
  configs,
  settings,
  clock,
  api,
  act,
  onOpenContact,
}: {
  onOpenContact: (contact: number) => void;
  agents: AgentRow[];
  configs: AgentConfig[];
  settings: Settings;
  clock: EngineClock;
  api: Client;
  act: Act;
}) {
  const [team, setTeam] = useState("");
  const [queue, setQueue] = useState("");
  const [state, setState] = useState("");
  const byId = new Map(configs.map((c) => [c.id, c]));
  const teams = [...new Set(agents.map((a) => a.team ?? "").filter((t) => t !== ""))].sort();
  const queues = [...new Set(configs.flatMap((c) => (c.queues ?? []).map((q) => q.queue)))].sort();
  const shown = agents.filter(
    (a) =>
      (team === "" || a.team === team) &&
      (state === "" || a.state === state) &&
      (queue === "" || (byId.get(a.id)?.queues ?? []).some((q) => q.queue === queue)),
  );
  const pager = usePager(shown, t("agents"), `${team}|${queue}|${state}`);
  return (
    <section class="panel" aria-labelledby="agents-title">
      <h2 id="agents-title">{t("Agent monitor")}</h2>
      <div class="filters">
        <Filter
          id="agents-team"
          label={t("Team")}
          everything={t("All teams")}
          value={team}
          options={plain(teams)}
          onChange={setTeam}
        />
        <Filter
          id="agents-queue"
          label={t("Queue")}
          everything={t("All queues")}
          value={queue}
          options={plain(queues)}
          onChange={setQueue}
        />
        <Filter
          id="agents-state"
          label={t("State")}
          everything={t("All states")}
          value={state}
          options={agentStates.map((value) => ({ value, label: agentStateName(value) }))}
          onChange={setState}
        />
      </div>
      <table>
        <caption>{t("Agents")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("Name")}</th>
            <th scope="col">{t("Team")}</th>
            <th scope="col">{t("State")}</th>
            <th scope="col">{t("Availability")}</th>
            <th scope="col">{t("Time in state")}</th>
            <th scope="col">{t("Station")}</th>
            <th scope="col">{t("Contacts")}</th>
            <th scope="col">{t("Actions")}</th>
          </tr>
        </thead>
        <tbody>
          {pager.shown.map((a) => (
            <tr key={a.id}>
              <th scope="row">
                {a.full_name} <span class="muted">({a.id})</span>
              </th>
              <td>{a.team ?? ""}</td>
              <td>
                {agentStateName(a.state)}
                {a.reason ? ` – ${a.reason}` : ""}
              </td>
              <td>{t(a.availability as Phrase)}</td>
              <td>
                <time>{formatDuration(clock.secondsSince(a.since))}</time>
              </td>
              <td>{a.station ?? ""}</td>
              <td>
                <Contacts contacts={a.contacts} onOpen={onOpenContact} />
              </td>
              <td class="row-actions">
                <AgentActions
                  agent={a}
                  reasons={reasonsOf(byId.get(a.id), settings)}
                  api={api}
                  act={act}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {pager.nav}
      {shown.length === 0 && <p>{t("No agent matches the filters.")}</p>}
    </section>
  );
}
