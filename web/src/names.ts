// The names docs/engine.md gives the engine's states (English; the Hungarian set follows).
import type { components } from "./generated/openapi";

export type AgentState = components["schemas"]["AgentState"];

export const agentStateNames: Record<AgentState, string> = {
  offline: "Offline",
  ready: "Ready",
  break: "Break",
  back_office: "BackOffice – Administrative",
  outgoing_interactions: "Handling – Outgoing Interactions",
  offered: "Offered",
  busy: "Busy",
  no_answer: "No Answer",
  waiting_for_back_office: "Waiting for BackOffice – Administrative",
  waiting_for_break: "Waiting for Break",
  waiting_for_outgoing_interactions: "Waiting for Handling – Outgoing Interactions",
  waiting_for_offline: "Waiting for Offline",
};

/** The states an agent picks (`offline` logs out). */
export const selectableStates = [
  "ready",
  "break",
  "back_office",
  "outgoing_interactions",
  "offline",
] as const;
export type Selectable = (typeof selectableStates)[number];

export type ContactState = components["schemas"]["ContactState"];

export const contactStateNames: Record<ContactState, string> = {
  queued: "Queued",
  offered: "Offered",
  preview: "Preview",
  dialing: "Dialing",
  handling: "Handling",
  on_hold: "On Hold",
  consulting: "Consulting",
  in_conference: "In Conference",
  wrap_up: "Wrap Up",
  closed: "Closed",
};

export type Channel = components["schemas"]["Channel"];

export const channelNames: Record<Channel, string> = {
  voice: "Voice",
  callback: "Callback",
  chat: "Chat",
  email: "Email",
  work_item: "Work item",
};

export type Lang = "en" | "hu";

/** The picker's choices: a state, with one of the reasons for Break and BackOffice. */
export interface Choice {
  value: string;
  label: string;
  state: "ready" | "break" | "back_office" | "outgoing_interactions" | "offline";
  reason?: string;
}

/** The states an agent (or a supervisor for it) picks, with the unavailable reasons. */
export function stateChoices(reasons: string[]): Choice[] {
  const unavailable = (state: "break" | "back_office"): Choice[] =>
    reasons.length === 0
      ? [{ value: state, label: agentStateNames[state], state }]
      : reasons.map((reason) => ({
          value: `${state}:${reason}`,
          label: `${agentStateNames[state]} – ${reason}`,
          state,
          reason,
        }));
  return [
    { value: "ready", label: "Ready", state: "ready" },
    ...unavailable("break"),
    ...unavailable("back_office"),
    {
      value: "outgoing_interactions",
      label: agentStateNames.outgoing_interactions,
      state: "outgoing_interactions",
    },
    { value: "offline", label: "Offline (log out)", state: "offline" },
  ];
}
