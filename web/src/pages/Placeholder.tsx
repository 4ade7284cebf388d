import type { Page } from "../session";

/** A page not built yet says so, and where its work can be done meanwhile. */
export function Placeholder({ page }: { page: Page }) {
  return (
    <section aria-labelledby="placeholder-title">
      <h2 id="placeholder-title">Not built yet</h2>
      <p>
        The {page === "supervisor" ? "supervisor console" : page} is not built yet. Its actions are
        in the HTTP API meanwhile (see <a href="/docs">/docs</a>), and the read-only monitor is at{" "}
        <a href="/">/</a>.
      </p>
    </section>
  );
}
