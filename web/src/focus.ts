// Focus for the controls that open a small form or a confirmation in place (Set state, Log
// out, Purge, Emergency): the first control of what opened takes the focus, Escape closes it,
// and closing gives the focus back to the button that opened it — so a keyboard user never
// loses their place in a long table.
import { useLayoutEffect, useRef } from "preact/hooks";

export function useInPlace<Opened extends HTMLElement, Opener extends HTMLElement>(
  isOpen: boolean,
) {
  const first = useRef<Opened>(null);
  const opener = useRef<Opener>(null);
  const wasOpen = useRef(false);
  // A layout effect: the focus moves in the same turn as the render, so a key pressed right
  // after opening or closing already lands in the right place.
  useLayoutEffect(() => {
    if (isOpen) first.current?.focus();
    else if (wasOpen.current) opener.current?.focus();
    wasOpen.current = isOpen;
  }, [isOpen]);
  return { first, opener };
}

/** Calls `close` on Escape (for the `onKeyDown` of the opened form or group). */
export function closeOnEscape(close: () => void) {
  return (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  };
}
