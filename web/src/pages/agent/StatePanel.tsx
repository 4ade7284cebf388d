import { formatDuration } from "../../clock";
import { t } from "../../i18n";
import { agentStateName, stateChoices } from "../../names";
import type { Credentials } from "../../session";
import type { Desk, DeskContext } from "./types";

export function StatePanel({
  desk,
  ctx,
  credentials,
}: {
  desk: Desk;
  ctx: DeskContext;
  credentials: Credentials;
}) {
  const { agent: view } = desk;
  const options = stateChoices(desk.unavailable_reasons);
  const pending = view.state.startsWith("waiting_for_");

  async function pick(value: string) {
    const choice = options.find((c) => c.value === value);
    if (choice === undefined) return;
    const path = { params: { path: { id: ctx.agent } } };
    await ctx.act(() => {
      if (choice.state === "offline") return ctx.api.POST("/v1/agents/{id}/logout", path);
      if (view.state === "offline") {
        return ctx.api.POST("/v1/agents/{id}/login", {
          ...path,
          body: { station: credentials.station ?? "", state: choice.state },
        });
      }
      return ctx.api.POST("/v1/agents/{id}/state", {
        ...path,
        body:
          choice.reason === undefined
            ? { state: choice.state }
            : { state: choice.state, reason: choice.reason },
      });
    });
  }

  return (
    <section class="panel state-panel" aria-labelledby="state-title">
      <h2 id="state-title">
        {view.full_name}
        {view.team ? ` · ${view.team}` : ""}
        {view.station ? ` · ${t("station {station}", { station: view.station })}` : ""}
      </h2>
      <p role="status" aria-label={t("Agent state")} class={`state state-${view.state}`}>
        {agentStateName(view.state)}
      </p>
      {pending && (
        <p class="note">{t("Mode Pending: the new state starts when the current work ends.")}</p>
      )}
      {view.reason ? <p>{t("Reason: {reason}", { reason: view.reason })}</p> : null}
      <p>
        {t("Time in state")}: <time>{formatDuration(ctx.clock.secondsSince(view.since))}</time>
      </p>
      <label for="agent-state-picker">{t("State")}</label>
      <select
        id="agent-state-picker"
        value=""
        onChange={(e) => {
          const value = e.currentTarget.value;
          e.currentTarget.value = "";
          if (value !== "") void pick(value);
        }}
      >
        <option value="">{t("Choose a state…")}</option>
        {options.map((c) => (
          <option value={c.value} key={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </section>
  );
}
