import { useEffect, useState } from "preact/hooks";
import { t } from "../../i18n";

/** Rows a table shows at once: a centre's 20,000 agents are read, but not drawn, at once. */
export const PAGE_ROWS = 100;

/**
 * One page of `rows` and the controls that move through them. `what` names the rows for
 * people ("agents"); the page goes back to the first when `filters` changes.
 */
export function usePager<T>(rows: T[], what: string, filters: string) {
  const [page, setPage] = useState(0);
  useEffect(() => setPage(0), [filters]);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_ROWS));
  const current = Math.min(page, pages - 1);
  const from = current * PAGE_ROWS;
  const shown = rows.slice(from, from + PAGE_ROWS);
  const nav =
    pages <= 1 ? null : (
      <nav class="pager" aria-label={t("Pages of {what}", { what })}>
        <span>
          {t("{from}–{to} of {count}", {
            from: from + 1,
            to: from + shown.length,
            count: rows.length,
          })}
        </span>{" "}
        <button
          type="button"
          disabled={current === 0}
          aria-label={t("Previous page of {what}", { what })}
          onClick={() => setPage(current - 1)}
        >
          {t("Previous page")}
        </button>{" "}
        <button
          type="button"
          disabled={current >= pages - 1}
          aria-label={t("Next page of {what}", { what })}
          onClick={() => setPage(current + 1)}
        >
          {t("Next page")}
        </button>
      </nav>
    );
  return { shown, nav };
}
