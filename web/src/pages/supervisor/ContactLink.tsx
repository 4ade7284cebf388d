import { t } from "../../i18n";

/** A contact id on the console: opens the contact's timeline. */
export function ContactLink({ id, onOpen }: { id: number; onOpen: (contact: number) => void }) {
  return (
    <button
      type="button"
      class="link"
      aria-label={t("Contact {contact}: show its timeline", { contact: id })}
      onClick={() => onOpen(id)}
    >
      {id}
    </button>
  );
}
