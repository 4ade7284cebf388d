import { useState } from "preact/hooks";
import { formatDuration } from "../../clock";
import { t, lang, type Phrase } from "../../i18n";
import { agentStateName, channelName, contactStateName } from "../../names";
import type { Colleague, CompletionStatus, DeskContact, DeskContext } from "./types";

type Conversation = "handling" | "on_hold" | "consulting" | "in_conference";
type Action =
  "Hold" | "Resume" | "Consult" | "Conference" | "Transfer" | "End" | "Suspend" | "Park";

/** Which of the conversation buttons each state allows (docs/engine.md, contact states). */
const allowed: Record<Conversation, Action[]> = {
  handling: ["Hold", "Consult", "Conference", "Transfer", "End"],
  on_hold: ["Resume", "Consult", "Transfer", "End"],
  consulting: ["Resume", "Conference", "Transfer", "End"],
  in_conference: ["Resume", "Transfer", "End"],
};

const isConversation = (state: string): state is Conversation => state in allowed;

/** The completion statuses of a callback attempt, named as the agent sees them. */
const statuses: { label: Phrase; status: Exclude<CompletionStatus, object> }[] = [
  { label: "Handled", status: "handled" },
  { label: "Answering Machine", status: "answering_machine" },
  { label: "No Answer", status: "no_answer" },
  { label: "Cancel", status: "cancel" },
  { label: "Wrong Destination", status: "wrong_destination" },
];

/** A local date and time from the form, in ms since the epoch (the browser's time zone). */
function localTime(date: string, time: string): number | null {
  const ms = new Date(`${date}T${time}`).getTime();
  return Number.isNaN(ms) ? null : ms;
}

/** The statuses a dial outcome sets (the connector reports them; docs/connector.md). */
const dialOutcomeNames: Record<string, Phrase> = {
  busy: "Busy",
  fax: "Fax",
  modem: "Modem",
  sit: "Sit Tone",
  invalid_number: "Invalid Number",
  wrong_party: "Wrong Party",
};

function statusName(status: CompletionStatus | null | undefined): string {
  if (status === null || status === undefined) return t("none yet");
  if (typeof status === "object") return t("Callback Requested");
  const phrase = statuses.find((s) => s.status === status)?.label ?? dialOutcomeNames[status];
  return phrase === undefined ? status : t(phrase);
}

/**
 * A callback's when: date and time (the browser's time zone) and whether to keep it for this
 * agent, with an optional number first. `submit` gets the due time in ms.
 */
function WhenForm({
  name,
  idPrefix,
  destination,
  button,
  submit,
}: {
  name: Phrase;
  idPrefix: string;
  destination?: { value: string; set: (value: string) => void };
  button: Phrase;
  submit: (due: number, keep: boolean) => void;
}) {
  const [date, setDate] = useState("");
  const [time, setTime] = useState("");
  const [keep, setKeep] = useState(true);
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <form
      class="inline-form"
      aria-label={t(name)}
      onSubmit={(e) => {
        e.preventDefault();
        const due = localTime(date, time);
        if (due === null) setProblem(t("Give a date and a time."));
        else submit(due, keep);
      }}
    >
      {destination && (
        <>
          <label for={`${idPrefix}-dest`}>{t("Callback number")}</label>
          <input
            id={`${idPrefix}-dest`}
            type="tel"
            required
            value={destination.value}
            onInput={(e) => destination.set(e.currentTarget.value)}
          />
        </>
      )}
      <label for={`${idPrefix}-date`}>{t("Date")}</label>
      <input
        id={`${idPrefix}-date`}
        type="date"
        required
        value={date}
        onInput={(e) => setDate(e.currentTarget.value)}
      />
      <label for={`${idPrefix}-time`}>{t("Time")}</label>
      <input
        id={`${idPrefix}-time`}
        type="time"
        required
        value={time}
        onInput={(e) => setTime(e.currentTarget.value)}
      />
      <label class="check">
        <input type="checkbox" checked={keep} onChange={(e) => setKeep(e.currentTarget.checked)} />
        {t("Keep it for me")}
      </label>
      {problem !== null && <p class="problem">{problem}</p>}
      <button type="submit">{t(button)}</button>
    </form>
  );
}

/** The "Callback Requested" completion status: when, and whether to keep it for this agent. */
function CallbackRequestForm({
  id,
  ctx,
  onDone,
}: {
  id: number;
  ctx: DeskContext;
  onDone: () => void;
}) {
  return (
    <WhenForm
      name="Callback request"
      idPrefix={`cb-${id}`}
      button="Request callback"
      submit={(due, keep) => {
        const status: CompletionStatus = {
          callback_requested: keep ? { due, agent: ctx.agent } : { due },
        };
        void ctx
          .act(() =>
            ctx.api.POST("/v1/callbacks/{id}/completion", {
              params: { path: { id: String(id) } },
              body: { status },
            }),
          )
          .then((ok) => ok && onDone());
      }}
    />
  );
}

/** "Schedule callback" from a contact the agent holds: the contact closes (51, 0). */
function ScheduleForm({
  item,
  ctx,
  onDone,
}: {
  item: DeskContact;
  ctx: DeskContext;
  onDone: () => void;
}) {
  const [destination, setDestination] = useState(item.contact?.from ?? "");
  return (
    <WhenForm
      name="Schedule callback"
      idPrefix={`sc-${item.id}`}
      destination={{ value: destination, set: setDestination }}
      button="Schedule"
      submit={(due, keep) =>
        void ctx
          .act(() =>
            ctx.api.POST("/v1/callbacks", {
              body: { destination, due, contact: item.id, reserve: keep },
            }),
          )
          .then((ok) => ok && onDone())
      }
    />
  );
}

/** Transfer to one of the queues of the contact's channel, or to a colleague logged in. */
function TransferForm({
  item,
  colleagues,
  ctx,
  onDone,
}: {
  item: DeskContact;
  colleagues: Colleague[];
  ctx: DeskContext;
  onDone: () => void;
}) {
  const [target, setTarget] = useState("");
  const choices = [
    ...item.transfer_queues.map((q) => ({
      value: `queue:${q}`,
      label: t("Queue {queue}", { queue: q }),
    })),
    ...colleagues.map((c) => ({
      value: `agent:${c.id}`,
      label: `${c.full_name} (${agentStateName(c.state)})`,
    })),
  ];
  return (
    <form
      class="inline-form"
      aria-label={t("Transfer")}
      onSubmit={(e) => {
        e.preventDefault();
        const [kind, id] = [
          target.slice(0, target.indexOf(":")),
          target.slice(target.indexOf(":") + 1),
        ];
        const body = kind === "queue" ? { queue: id } : { agent: id };
        void ctx
          .act(() =>
            ctx.api.POST("/v1/contacts/{id}/transfer", {
              params: { path: { id: String(item.id) } },
              body,
            }),
          )
          .then((ok) => ok && onDone());
      }}
    >
      <label for={`tr-target-${item.id}`}>{t("Transfer to")}</label>
      <select
        id={`tr-target-${item.id}`}
        required
        value={target}
        onChange={(e) => setTarget(e.currentTarget.value)}
      >
        <option value="">{t("Choose a queue or an agent…")}</option>
        {choices.map((c) => (
          <option value={c.value} key={c.value}>
            {c.label}
          </option>
        ))}
      </select>
      <button type="submit">{t("Transfer now")}</button>
    </form>
  );
}

export function ContactPanel({
  item,
  colleagues,
  ctx,
}: {
  item: DeskContact;
  colleagues: Colleague[];
  ctx: DeskContext;
}) {
  const [open, setOpen] = useState<"transfer" | "schedule" | "callback-request" | null>(null);
  const [disposition, setDisposition] = useState("");
  const path = { params: { path: { id: String(item.id) } } };
  const post = (
    route:
      | "/v1/contacts/{id}/hold"
      | "/v1/contacts/{id}/resume"
      | "/v1/contacts/{id}/consult"
      | "/v1/contacts/{id}/conference"
      | "/v1/contacts/{id}/end"
      | "/v1/contacts/{id}/dial"
      | "/v1/contacts/{id}/suspend"
      | "/v1/contacts/{id}/park",
  ) => void ctx.act(() => ctx.api.POST(route, path));
  const routes: Record<Action, () => void> = {
    Hold: () => post("/v1/contacts/{id}/hold"),
    Resume: () => post("/v1/contacts/{id}/resume"),
    Consult: () => post("/v1/contacts/{id}/consult"),
    Conference: () => post("/v1/contacts/{id}/conference"),
    End: () => post("/v1/contacts/{id}/end"),
    Transfer: () => setOpen(open === "transfer" ? null : "transfer"),
    Suspend: () => post("/v1/contacts/{id}/suspend"),
    Park: () => post("/v1/contacts/{id}/park"),
  };
  // Email and work items wait without a live connection: after a phase the agent suspends
  // one (it waits for the customer's next message) or parks it (until someone unparks it).
  const connectionLess = item.channel === "email" || item.channel === "work_item";
  const buttons: Action[] = isConversation(item.state)
    ? [
        ...allowed[item.state],
        ...(connectionLess && item.state === "handling" ? (["Suspend", "Park"] as const) : []),
      ]
    : item.state === "dialing" || item.state === "preview"
      ? ["End"]
      : [];
  const attempt = item.attempt;
  const label = (d: { label_en: string; label_hu: string }) =>
    lang() === "hu" ? d.label_hu : d.label_en;

  return (
    <section class="panel contact" aria-label={t("Contact {contact}", { contact: item.id })}>
      <h2>
        {t("Contact {contact}", { contact: item.id })} · {channelName(item.channel)}
      </h2>
      <p>
        <span class="interaction-state">{contactStateName(item.state)}</span>
        {t(" for")} <time>{formatDuration(ctx.clock.secondsSince(item.since))}</time>
      </p>
      <dl>
        <dt>{t("Queue")}</dt>
        <dd>{item.queue}</dd>
        {item.contact && (
          <>
            <dt>{t(item.contact.direction === "outbound" ? "Destination" : "Caller")}</dt>
            <dd>{item.contact.from}</dd>
          </>
        )}
        {item.detached && (
          <>
            <dt>{t("Transferred")}</dt>
            <dd>{t("the contact moved on; wrap up to finish")}</dd>
          </>
        )}
      </dl>

      {attempt && (
        <div class="attempt">
          <p>
            {t("Callback attempt {no} to {destination}", {
              no: attempt.no,
              destination: attempt.destination,
            })}
            {item.state === "dialing" && attempt.no_answer_deadline != null && (
              <>
                {" "}
                · {t("No Answer in")}{" "}
                <span class="countdown">
                  {ctx.clock.secondsUntil(attempt.no_answer_deadline)} s
                </span>
              </>
            )}
          </p>
          <p>{t("Completion status: {status}", { status: statusName(attempt.status) })}</p>
          <div class="actions" role="group" aria-label={t("Completion status")}>
            {statuses
              .filter((s) => s.status !== "cancel" || attempt.cancel_allowed)
              .map((s) => (
                <button
                  type="button"
                  key={s.status}
                  aria-pressed={attempt.status === s.status}
                  onClick={() =>
                    void ctx.act(() =>
                      ctx.api.POST("/v1/callbacks/{id}/completion", {
                        ...path,
                        body: { status: s.status },
                      }),
                    )
                  }
                >
                  {t(s.label)}
                </button>
              ))}
            <button
              type="button"
              aria-pressed={typeof attempt.status === "object" && attempt.status !== null}
              aria-expanded={open === "callback-request"}
              onClick={() => setOpen(open === "callback-request" ? null : "callback-request")}
            >
              {t("Callback Requested")}
            </button>
          </div>
          {open === "callback-request" && (
            <CallbackRequestForm id={item.id} ctx={ctx} onDone={() => setOpen(null)} />
          )}
        </div>
      )}

      {item.state === "preview" && (
        <div class="actions">
          <button type="button" onClick={() => post("/v1/contacts/{id}/dial")}>
            {t("Start dial")}
          </button>
        </div>
      )}
      {buttons.length > 0 && (
        <div class="actions">
          {buttons.map((name) => (
            <button
              type="button"
              key={name}
              aria-expanded={name === "Transfer" ? open === "transfer" : undefined}
              onClick={routes[name]}
            >
              {t(name)}
            </button>
          ))}
          {isConversation(item.state) && item.contact && item.channel !== "callback" && (
            <button
              type="button"
              aria-expanded={open === "schedule"}
              onClick={() => setOpen(open === "schedule" ? null : "schedule")}
            >
              {t("Schedule callback")}
            </button>
          )}
        </div>
      )}
      {open === "transfer" && (
        <TransferForm item={item} colleagues={colleagues} ctx={ctx} onDone={() => setOpen(null)} />
      )}
      {open === "schedule" && <ScheduleForm item={item} ctx={ctx} onDone={() => setOpen(null)} />}

      {item.state === "wrap_up" && (
        <form
          class="inline-form"
          aria-label={t("Wrap-up")}
          onSubmit={(e) => {
            e.preventDefault();
            void ctx.act(() =>
              ctx.api.POST("/v1/contacts/{id}/complete", {
                ...path,
                body: disposition === "" ? {} : { disposition },
              }),
            );
          }}
        >
          {item.wrap_up_deadline != null && (
            <p>
              {t("Wrap-up time left")}:{" "}
              <span class="countdown">{ctx.clock.secondsUntil(item.wrap_up_deadline)} s</span>
            </p>
          )}
          {item.dispositions.length > 0 && (
            <>
              <label for={`disp-${item.id}`}>{t("Disposition")}</label>
              <select
                id={`disp-${item.id}`}
                value={disposition}
                onChange={(e) => setDisposition(e.currentTarget.value)}
              >
                <option value="">{t("No disposition")}</option>
                {item.dispositions.map((d) => (
                  <option value={d.code} key={d.code}>
                    {label(d)}
                  </option>
                ))}
              </select>
            </>
          )}
          <button type="submit">{t("Complete")}</button>
          {connectionLess && (
            <button
              type="button"
              onClick={() =>
                void ctx.act(() =>
                  ctx.api.POST("/v1/contacts/{id}/suspend", {
                    ...path,
                    body: disposition === "" ? {} : { disposition },
                  }),
                )
              }
            >
              {t("Suspend")}
            </button>
          )}
        </form>
      )}
    </section>
  );
}
