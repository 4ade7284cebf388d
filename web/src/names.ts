// The names docs/engine.md gives the engine's states, contact states and channels, in English
// and Hungarian (the pages' language, see i18n.ts).
import type { components } from "./generated/openapi";
import { lang, t, type Lang } from "./i18n";

export type { Lang } from "./i18n";
export type AgentState = components["schemas"]["AgentState"];

const agentStateText: Record<Lang, Record<AgentState, string>> = {
  en: {
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
  },
  hu: {
    offline: "Kijelentkezve",
    ready: "Kész",
    break: "Szünet",
    back_office: "Háttérmunka – Adminisztráció",
    outgoing_interactions: "Kezelés – Kimenő interakciók",
    offered: "Felajánlva",
    busy: "Foglalt",
    no_answer: "Nem válaszolt",
    waiting_for_back_office: "Várakozás: Háttérmunka – Adminisztráció",
    waiting_for_break: "Várakozás: Szünet",
    waiting_for_outgoing_interactions: "Várakozás: Kezelés – Kimenő interakciók",
    waiting_for_offline: "Várakozás: Kijelentkezés",
  },
};

/** Every agent state, in the order of docs/engine.md. */
export const agentStates = Object.keys(agentStateText.en) as AgentState[];

export function agentStateName(state: AgentState): string {
  return agentStateText[lang()][state];
}

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

const contactStateText: Record<Lang, Record<ContactState, string>> = {
  en: {
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
  },
  hu: {
    queued: "Sorban",
    offered: "Felajánlva",
    preview: "Előnézet",
    dialing: "Tárcsázás",
    handling: "Kezelés",
    on_hold: "Tartásban",
    consulting: "Konzultáció",
    in_conference: "Konferencia",
    wrap_up: "Utómunka",
    closed: "Lezárva",
  },
};

/** A contact state's name; a state this page does not know shows as the server wrote it. */
export function contactStateName(state: string): string {
  return contactStateText[lang()][state as ContactState] ?? state;
}

export type Channel = components["schemas"]["Channel"];

const channelText: Record<Lang, Record<Channel, string>> = {
  en: {
    voice: "Voice",
    callback: "Callback",
    chat: "Chat",
    email: "Email",
    work_item: "Work item",
  },
  hu: {
    voice: "Hang",
    callback: "Visszahívás",
    chat: "Csevegés",
    email: "E-mail",
    work_item: "Munkatétel",
  },
};

/** Every channel. */
export const channels = Object.fromEntries(
  Object.keys(channelText.en).map((channel) => [channel, true]),
) as Record<Channel, true>;

export function channelName(channel: Channel): string {
  return channelText[lang()][channel];
}

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
      ? [{ value: state, label: agentStateName(state), state }]
      : reasons.map((reason) => ({
          value: `${state}:${reason}`,
          label: `${agentStateName(state)} – ${reason}`,
          state,
          reason,
        }));
  return [
    { value: "ready", label: agentStateName("ready"), state: "ready" },
    ...unavailable("break"),
    ...unavailable("back_office"),
    {
      value: "outgoing_interactions",
      label: agentStateName("outgoing_interactions"),
      state: "outgoing_interactions",
    },
    { value: "offline", label: t("Offline (log out)"), state: "offline" },
  ];
}
