import { useEffect, useState } from "preact/hooks";
import type { Act } from "../../action";
import { type Client, describeError } from "../../api";
import { t } from "../../i18n";

const PAGE = 50;

/**
 * The do-not-call list (issue 13): a page of numbers at a time, add one, remove one, import
 * a CSV file. Read again when the event stream reports a change (`version` moves).
 */
export function DncPanel({
  api,
  act,
  version,
  apiKey,
}: {
  api: Client;
  act: Act;
  version: number;
  apiKey: string;
}) {
  const [after, setAfter] = useState<string | undefined>(undefined);
  const [page, setPage] = useState<{
    numbers: string[];
    next: string | null;
    count: number;
  } | null>(null);
  const [number, setNumber] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const query = after === undefined ? { limit: PAGE } : { after, limit: PAGE };
    void api.GET("/v1/do-not-call", { params: { query } }).then(({ data, error, response }) => {
      if (data === undefined) setProblem(describeError(error, response.status));
      else setPage({ numbers: data.numbers, next: data.next ?? null, count: data.count });
    });
  }, [after, version]);

  async function importFile(event: Event) {
    event.preventDefault();
    if (file === null) return;
    const body = await file.text();
    // A CSV body, not JSON: sent as the import route takes it.
    await act(async () => {
      const response = await fetch("/v1/do-not-call/import", {
        method: "POST",
        headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "text/csv" },
        body,
      });
      const error: unknown = response.ok ? undefined : await response.json().catch(() => null);
      return response.ok ? { response } : { error, response };
    });
  }

  return (
    <section class="panel" aria-labelledby="dnc-title">
      <h2 id="dnc-title">{t("Do-not-call list")}</h2>
      <form
        class="row-form"
        aria-label={t("Add a number to the do-not-call list")}
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => api.POST("/v1/do-not-call", { body: { numbers: [number.trim()] } })).then(
            (ok) => ok && setNumber(""),
          );
        }}
      >
        <label for="dnc-number">{t("Number")}</label>
        <input
          id="dnc-number"
          type="tel"
          required
          value={number}
          onInput={(e) => setNumber(e.currentTarget.value)}
        />
        <button type="submit">{t("Add to the list")}</button>
      </form>
      <form class="row-form" aria-label={t("Import a do-not-call file")} onSubmit={importFile}>
        <label for="dnc-file">{t("CSV file")}</label>
        <input
          id="dnc-file"
          type="file"
          accept=".csv,.txt,text/csv,text/plain"
          required
          onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
        />
        <button type="submit">{t("Import")}</button>
      </form>
      {problem !== null && <p class="problem">{problem}</p>}
      {page !== null && (
        <>
          <p>{t("{count} numbers on the list.", { count: page.count })}</p>
          <table>
            <caption>{t("Do-not-call numbers")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("Number")}</th>
                <th scope="col">{t("Actions")}</th>
              </tr>
            </thead>
            <tbody>
              {page.numbers.map((n) => (
                <tr key={n}>
                  <th scope="row">{n}</th>
                  <td>
                    <button
                      type="button"
                      aria-label={t("Remove {number}", { number: n })}
                      onClick={() =>
                        void act(() =>
                          api.DELETE("/v1/do-not-call/{number}", {
                            params: { path: { number: n } },
                          }),
                        )
                      }
                    >
                      {t("Remove")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="actions">
            {after !== undefined && (
              <button type="button" onClick={() => setAfter(undefined)}>
                {t("First page")}
              </button>
            )}
            {page.next !== null && (
              <button type="button" onClick={() => setAfter(page.next ?? undefined)}>
                {t("Next page")}
              </button>
            )}
          </div>
        </>
      )}
    </section>
  );
}
