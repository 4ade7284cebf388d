import { useState } from "preact/hooks";
import { type EngineClock, formatDuration } from "../../clock";
import { agentStateNames, type ContactState, contactStateNames } from "../../names";
import type { Act } from "../../action";
import type { Client } from "../../api";
import { AgentActions } from "./AgentActions";
import { ContactLink } from "./ContactLink";
import type { AgentConfig, AgentRow, Settings } from "./data";
import { Filter, plain } from "./Filter";

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
          <ContactLink id={Number(id)} onOpen={onOpen} />{" "}
          {contactStateNames[state as ContactState] ?? ""}
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
  return (
    <section class="panel" aria-labelledby="agents-title">
      <h2 id="agents-title">Agent monitor</h2>
      <div class="filters">
        <Filter
          id="agents-team"
          label="Team"
          everything="All teams"
          value={team}
          options={plain(teams)}
          onChange={setTeam}
        />
        <Filter
          id="agents-queue"
          label="Queue"
          everything="All queues"
          value={queue}
          options={plain(queues)}
          onChange={setQueue}
        />
        <Filter
          id="agents-state"
          label="State"
          everything="All states"
          value={state}
          options={Object.entries(agentStateNames).map(([value, label]) => ({ value, label }))}
          onChange={setState}
        />
      </div>
      <table>
        <caption>Agents</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Team</th>
            <th scope="col">State</th>
            <th scope="col">Availability</th>
            <th scope="col">Time in state</th>
            <th scope="col">Station</th>
            <th scope="col">Contacts</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((a) => (
            <tr key={a.id}>
              <th scope="row">
                {a.full_name} <span class="muted">({a.id})</span>
              </th>
              <td>{a.team ?? ""}</td>
              <td>
                {agentStateNames[a.state]}
                {a.reason ? ` – ${a.reason}` : ""}
              </td>
              <td>{a.availability}</td>
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
      {shown.length === 0 && <p>No agent matches the filters.</p>}
    </section>
  );
}
