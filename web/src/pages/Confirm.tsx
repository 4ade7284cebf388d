import type { RefObject } from "preact";
import { closeOnEscape } from "../focus";

/**
 * A question asked in place before an action that cannot be undone: the action's button
 * (which takes the focus, through `first`) and one that keeps things as they are. Escape is
 * the same as keeping.
 */
export function Confirm({
  label,
  question,
  yes,
  no,
  first,
  onYes,
  onNo,
}: {
  /** The group's accessible name ("Confirm purge of callback 7"). */
  label: string;
  question: string;
  yes: string;
  no: string;
  first: RefObject<HTMLButtonElement | null>;
  onYes: () => void;
  onNo: () => void;
}) {
  return (
    <span role="group" aria-label={label} onKeyDown={closeOnEscape(onNo)}>
      {question}{" "}
      <button type="button" ref={first} onClick={onYes}>
        {yes}
      </button>{" "}
      <button type="button" onClick={onNo}>
        {no}
      </button>
    </span>
  );
}
