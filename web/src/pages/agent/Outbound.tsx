import { useState } from "preact/hooks";
import { t } from "../../i18n";
import type { DeskContext } from "./types";

/** In Handling – Outgoing Interactions: dial a number. */
export function Outbound({ ctx }: { ctx: DeskContext }) {
  const [destination, setDestination] = useState("");
  return (
    <section class="panel" aria-label={t("Outbound")}>
      <h2>{t("Outbound")}</h2>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void ctx
            .act(() =>
              ctx.api.POST("/v1/agents/{id}/dial", {
                params: { path: { id: ctx.agent } },
                body: { destination: destination.trim() },
              }),
            )
            .then((ok) => ok && setDestination(""));
        }}
      >
        <label for="outbound-destination">{t("Destination")}</label>
        <input
          id="outbound-destination"
          type="tel"
          required
          value={destination}
          onInput={(e) => setDestination(e.currentTarget.value)}
        />
        <button type="submit">{t("Dial")}</button>
      </form>
    </section>
  );
}
