/** A contact id on the console: opens the contact's timeline. */
export function ContactLink({ id, onOpen }: { id: number; onOpen: (contact: number) => void }) {
  return (
    <button
      type="button"
      class="link"
      aria-label={`Contact ${id}: show its timeline`}
      onClick={() => onOpen(id)}
    >
      {id}
    </button>
  );
}
