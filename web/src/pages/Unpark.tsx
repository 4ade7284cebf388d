import type { Act } from "../action";
import type { Client } from "../api";
import { t } from "../i18n";

/** Unparks a parked email or work item: it and the messages held meanwhile queue again. */
export function Unpark({ contact, api, act }: { contact: number; api: Client; act: Act }) {
  return (
    <button
      type="button"
      aria-label={t("Unpark contact {contact}", { contact })}
      onClick={() =>
        void act(() =>
          api.POST("/v1/contacts/{id}/unpark", { params: { path: { id: String(contact) } } }),
        )
      }
    >
      {t("Unpark")}
    </button>
  );
}
