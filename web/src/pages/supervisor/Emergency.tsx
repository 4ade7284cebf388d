import { useState } from "preact/hooks";
import type { Act } from "../../action";
import type { Client } from "../../api";
import type { QueueRow } from "./data";

/** A queue's emergency switch: close it to arrivals with a message, or end the emergency. */
export function Emergency({ queue, api, act }: { queue: QueueRow; api: Client; act: Act }) {
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState("");
  const path = { params: { path: { id: queue.id } } };
  if (queue.emergency) {
    return (
      <button
        type="button"
        aria-label={`End emergency of ${queue.id}`}
        onClick={() => void act(() => api.DELETE("/v1/queues/{id}/emergency", path))}
      >
        End emergency
      </button>
    );
  }
  if (!open) {
    return (
      <button type="button" aria-label={`Emergency for ${queue.id}`} onClick={() => setOpen(true)}>
        Emergency
      </button>
    );
  }
  const id = `emergency-${queue.id}`;
  return (
    <form
      class="row-form"
      aria-label={`Close ${queue.id} in an emergency`}
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
      <label for={id}>Message to callers</label>
      <input
        id={id}
        maxLength={200}
        value={message}
        onInput={(e) => setMessage(e.currentTarget.value)}
      />
      <button type="submit">Close the queue</button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}
