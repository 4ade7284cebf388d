import { useState } from "preact/hooks";
import { client, describeError } from "../api";
import type { operations } from "../generated/openapi";
import type { Credentials } from "../session";
import { lang as pageLang, t, type Phrase } from "../i18n";

type ReportQuery = NonNullable<operations["report"]["parameters"]["query"]>;
type ReportName = operations["report"]["parameters"]["path"]["name"];
type Preset = NonNullable<ReportQuery["preset"]>;
type Format = NonNullable<ReportQuery["format"]>;

const reports: { name: ReportName; label: Phrase }[] = [
  { name: "agent-refusal", label: "Agent refusals" },
  { name: "completed-callbacks", label: "Completed callbacks" },
  { name: "agent-state-log", label: "Agent state log" },
  { name: "contact-closure", label: "Contact closures" },
  { name: "callback-monitor", label: "Callback monitor" },
];

const presets: { value: Preset; label: Phrase }[] = [
  { value: "today", label: "Today" },
  { value: "yesterday", label: "Yesterday" },
  { value: "last-7-days", label: "Last 7 days" },
  { value: "last-30-days", label: "Last 30 days" },
  { value: "previous-week", label: "Previous week" },
  { value: "previous-month", label: "Previous month" },
  { value: "month-to-date", label: "Month to date" },
];

const formats: { value: Format; label: string }[] = [
  { value: "csv", label: "CSV" },
  { value: "tsv", label: "TSV" },
  { value: "xlsx", label: "Excel (XLSX)" },
  { value: "json", label: "JSON" },
  { value: "xml", label: "XML" },
];

/** "00:00", "00:15", … "23:45" (and "24:00" for an end). */
function quarterHours(includeMidnight: boolean): string[] {
  const times: string[] = [];
  for (let minutes = 0; minutes < 24 * 60; minutes += 15) {
    const h = String(Math.floor(minutes / 60)).padStart(2, "0");
    times.push(`${h}:${String(minutes % 60).padStart(2, "0")}`);
  }
  if (includeMidnight) times.push("24:00");
  return times;
}

/** The browser's IANA time zone, and the zones it knows for the picker. */
function timeZones(): { own: string; all: string[] } {
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const known = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  const all = known ? known("timeZone") : [];
  return { own, all: all.includes(own) ? all : [own, ...all] };
}

/** The file name the server gave in Content-Disposition (`attachment; filename="…"`). */
function fileName(disposition: string | null, fallback: string): string {
  const match = disposition ? /filename="?([^";]+)"?/.exec(disposition) : null;
  return match?.[1] ?? fallback;
}

export function Reports({ credentials }: { credentials: Credentials }) {
  const api = client(credentials.key);
  const zones = timeZones();
  const [name, setName] = useState<ReportName>("agent-refusal");
  const [range, setRange] = useState<Preset | "date" | "range">("today");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [start, setStart] = useState("00:00");
  const [end, setEnd] = useState("24:00");
  const [tz, setTz] = useState(zones.own);
  const [format, setFormat] = useState<Format>("csv");
  const [lang, setLang] = useState<"en" | "hu">(pageLang());
  const [header, setHeader] = useState(true);
  const [appendDate, setAppendDate] = useState(false);
  const [status, setStatus] = useState<{ problem: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const specific = range === "date" || range === "range";

  async function download(event: Event) {
    event.preventDefault();
    const query: ReportQuery = { tz, format, lang, header, "append-date": appendDate };
    if (specific) {
      query.from = from;
      if (range === "range") query.to = to;
      query.start = start;
      query.end = end;
    } else {
      query.preset = range;
    }
    setBusy(true);
    setStatus(null);
    try {
      const { data, error, response } = await api.GET("/v1/reports/{name}", {
        params: { path: { name }, query },
        parseAs: "blob",
      });
      if (data === undefined) {
        setStatus({ problem: true, text: describeError(error, response.status) });
        return;
      }
      const file = fileName(response.headers.get("Content-Disposition"), `${name}.${format}`);
      const url = URL.createObjectURL(data);
      const link = document.createElement("a");
      link.href = url;
      link.download = file;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setStatus({ problem: false, text: t("Downloaded {file}.", { file }) });
    } catch {
      setStatus({ problem: true, text: t("The server cannot be reached.") });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="panel" aria-labelledby="reports-title">
      <h2 id="reports-title">{t("Data download")}</h2>
      <form class="report-form" onSubmit={download}>
        <label for="report-name">{t("Report")}</label>
        <select
          id="report-name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value as ReportName)}
        >
          {reports.map((r) => (
            <option value={r.name} key={r.name}>
              {t(r.label)}
            </option>
          ))}
        </select>

        <label for="report-range">{t("Date range")}</label>
        <select
          id="report-range"
          value={range}
          onChange={(e) => setRange(e.currentTarget.value as Preset | "date" | "range")}
        >
          {presets.map((p) => (
            <option value={p.value} key={p.value}>
              {t(p.label)}
            </option>
          ))}
          <option value="date">{t("Specific date")}</option>
          <option value="range">{t("Date range")}</option>
        </select>

        <label for="report-from">{t("From")}</label>
        <input
          id="report-from"
          type="date"
          disabled={!specific}
          required={specific}
          value={from}
          onInput={(e) => setFrom(e.currentTarget.value)}
        />
        <label for="report-to">{t("To")}</label>
        <input
          id="report-to"
          type="date"
          disabled={range !== "range"}
          required={range === "range"}
          value={to}
          onInput={(e) => setTo(e.currentTarget.value)}
        />

        <label for="report-start">{t("Start time")}</label>
        <select
          id="report-start"
          disabled={!specific}
          value={start}
          onChange={(e) => setStart(e.currentTarget.value)}
        >
          {quarterHours(false).map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <label for="report-end">{t("End time")}</label>
        <select
          id="report-end"
          disabled={!specific}
          value={end}
          onChange={(e) => setEnd(e.currentTarget.value)}
        >
          {quarterHours(true)
            .slice(1)
            .map((t) => (
              <option key={t}>{t}</option>
            ))}
        </select>

        <label for="report-tz">{t("Time zone")}</label>
        <select id="report-tz" value={tz} onChange={(e) => setTz(e.currentTarget.value)}>
          {zones.all.map((z) => (
            <option key={z}>{z}</option>
          ))}
        </select>

        <label for="report-format">{t("Format")}</label>
        <select
          id="report-format"
          value={format}
          onChange={(e) => setFormat(e.currentTarget.value as Format)}
        >
          {formats.map((f) => (
            <option value={f.value} key={f.value}>
              {f.label}
            </option>
          ))}
        </select>

        <label for="report-lang">{t("Language")}</label>
        <select
          id="report-lang"
          value={lang}
          onChange={(e) => setLang(e.currentTarget.value as "en" | "hu")}
        >
          <option value="en">English</option>
          <option value="hu">Magyar</option>
        </select>

        <label class="check">
          <input
            type="checkbox"
            checked={header}
            onChange={(e) => setHeader(e.currentTarget.checked)}
          />
          {t("Include field names")}
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={appendDate}
            onChange={(e) => setAppendDate(e.currentTarget.checked)}
          />
          {t("Append date to file name")}
        </label>

        {status !== null && (
          <p class={status.problem ? "problem" : "done"} role={status.problem ? "alert" : "status"}>
            {status.text}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t("Download")}
        </button>
      </form>
    </section>
  );
}
