import { useState } from "preact/hooks";
import type { Act } from "../../action";
import type { Client } from "../../api";
import type { QueueRow } from "./data";
import { closeOnEscape, useInPlace } from "../../focus";
import { t } from "../../i18n";

/** A queue's emergency switch: close it to arrivals with a message, or end the emergency. */
export function Emergency({ queue, api, act }: { queue: QueueRow; api: Client; act: Act }) {
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState("");
  const focus = useInPlace<HTMLInputElement, HTMLButtonElement>(open);
  const path = { params: { path: { id: queue.id } } };
  if (queue.emergency) {
    return (
      <button
        type="button"
        aria-label={t("End emergency of {queue}", { queue: queue.id })}
        onClick={() => void act(() => api.DELETE("/v1/queues/{id}/emergency", path))}
      >
        {t("End emergency")}
      </button>
    );
  }
  if (!open) {
    return (
      <button
        type="button"
        ref={focus.opener}
        aria-label={t("Emergency for {queue}", { queue: queue.id })}
        onClick={() => setOpen(true)}
      >
        {t("Emergency")}
      </button>
    );
  }
  const id = `emergency-${queue.id}`;
  return (
    <form
      class="row-form"
      aria-label={t("Close {queue} in an emergency", { queue: queue.id })}
      onKeyDown={closeOnEscape(() => setOpen(false))}
      onSubmit={(e) => {
        e.preventDefault();
        const text = message.trim();
        void act(() =>
          api.PUT("/v1/queues/{id}/emergency", { ...path, body: text ? { message: text } : {} }),
        ).then((ok) => {
          if (ok) {
            setOpen(false);
            setMessage("");
          }
        });
      }}
    >
      <label for={id}>{t("Message to callers")}</label>
      <input
        id={id}
        ref={focus.first}
        maxLength={200}
        value={message}
        onInput={(e) => setMessage(e.currentTarget.value)}
      />
      <button type="submit">{t("Close the queue")}</button>
      <button type="button" onClick={() => setOpen(false)}>
        {t("Cancel")}
      </button>
    </form>
  );
}
