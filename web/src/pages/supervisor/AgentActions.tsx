import { useState } from "preact/hooks";
import type { Act } from "../../action";
import type { Client } from "../../api";
import { closeOnEscape, useInPlace } from "../../focus";
import { t } from "../../i18n";
import { Confirm } from "../Confirm";
import { stateChoices } from "../../names";
import type { AgentRow } from "./data";

/**
 * A row's "Set state" (with the agent's unavailable reasons) and "Log out" (after a
 * confirmation). The engine records the key that did it; an agent in an interaction gets the
 * state as Mode Pending.
 */
export function AgentActions({
  agent,
  reasons,
  api,
  act,
}: {
  agent: AgentRow;
  reasons: string[];
  api: Client;
  act: Act;
}) {
  const [open, setOpen] = useState<"state" | "logout" | null>(null);
  const [choice, setChoice] = useState("");
  // The opener of each: the focus comes back to it when the form or question closes.
  const stateForm = useInPlace<HTMLSelectElement, HTMLButtonElement>(open === "state");
  const logout = useInPlace<HTMLButtonElement, HTMLButtonElement>(open === "logout");
  const path = { params: { path: { id: agent.id } } };
  const options = stateChoices(reasons).filter((c) => c.state !== "offline");
  const id = `force-${agent.id}`;
  if (agent.state === "offline") return null;
  if (open === "state") {
    return (
      <form
        class="row-form"
        aria-label={t("Set the state of {name}", { name: agent.full_name })}
        onKeyDown={closeOnEscape(() => setOpen(null))}
        onSubmit={(e) => {
          e.preventDefault();
          const picked = options.find((c) => c.value === choice);
          if (picked === undefined || picked.state === "offline") return;
          const state = picked.state;
          void act(() =>
            api.POST("/v1/agents/{id}/force-state", {
              ...path,
              body: picked.reason === undefined ? { state } : { state, reason: picked.reason },
            }),
          ).then((ok) => ok && setOpen(null));
        }}
      >
        <label for={id}>{t("New state")}</label>
        <select
          id={id}
          ref={stateForm.first}
          required
          value={choice}
          onChange={(e) => setChoice(e.currentTarget.value)}
        >
          <option value="">{t("Choose…")}</option>
          {options.map((c) => (
            <option value={c.value} key={c.value}>
              {c.label}
            </option>
          ))}
        </select>
        <button type="submit">{t("Apply")}</button>
        <button type="button" onClick={() => setOpen(null)}>
          {t("Cancel")}
        </button>
      </form>
    );
  }
  if (open === "logout") {
    return (
      <Confirm
        label={t("Confirm log out of {name}", { name: agent.full_name })}
        question={t("Log out {name}?", { name: agent.full_name })}
        yes={t("Yes, log out")}
        no={t("Keep")}
        first={logout.first}
        onYes={() => {
          setOpen(null);
          void act(() => api.POST("/v1/agents/{id}/force-logout", path));
        }}
        onNo={() => setOpen(null)}
      />
    );
  }
  return (
    <>
      <button type="button" ref={stateForm.opener} onClick={() => setOpen("state")}>
        {t("Set state")}
      </button>{" "}
      <button type="button" ref={logout.opener} onClick={() => setOpen("logout")}>
        {t("Log out")}
      </button>
    </>
  );
}
