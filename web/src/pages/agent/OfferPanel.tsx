import { useState } from "preact/hooks";
import { t } from "../../i18n";
import { channelName } from "../../names";
import type { DeskContext, DeskOffer } from "./types";

/**
 * An incoming offer: what it is, the seconds left to take it, Accept and Refuse. When the
 * settings list decline reasons, a "Decline reason" picker goes with Refuse (no reason by
 * default).
 */
export function OfferPanel({
  offer,
  reasons,
  ctx,
}: {
  offer: DeskOffer;
  reasons: string[];
  ctx: DeskContext;
}) {
  const [reason, setReason] = useState("");
  const path = { params: { path: { id: String(offer.id) } } };
  const refuse = () =>
    ctx.api.POST("/v1/offers/{id}/refuse", {
      ...path,
      body: reason === "" ? {} : { decline_reason: reason },
    });
  const left = ctx.clock.secondsUntil(offer.deadline);
  return (
    <section class="panel offer" aria-label={t("Offer")}>
      <h2>{t("Offer")}</h2>
      <dl>
        <dt>{t("Channel")}</dt>
        <dd>{channelName(offer.contact.channel)}</dd>
        <dt>{t("Queue")}</dt>
        <dd>{offer.contact.queue}</dd>
        <dt>{t("Caller")}</dt>
        <dd>{offer.contact.from}</dd>
        <dt>{t("Contact")}</dt>
        <dd>{offer.contact.id}</dd>
      </dl>
      {offer.accepted ? (
        <p>{t("Accepted: connecting the call…")}</p>
      ) : (
        <>
          <p>
            {t("Time left")}: <span class="countdown">{left} s</span>
          </p>
          <div class="actions">
            <button
              type="button"
              onClick={() => void ctx.act(() => ctx.api.POST("/v1/offers/{id}/accept", path))}
            >
              {t("Accept")}
            </button>
            <button type="button" onClick={() => void ctx.act(refuse)}>
              {t("Refuse")}
            </button>
            {reasons.length > 0 && (
              <>
                <label for={`decline-${offer.id}`}>{t("Decline reason")}</label>
                <select
                  id={`decline-${offer.id}`}
                  value={reason}
                  onChange={(e) => setReason(e.currentTarget.value)}
                >
                  <option value="">{t("No reason")}</option>
                  {reasons.map((r) => (
                    <option value={r} key={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </>
            )}
          </div>
        </>
      )}
    </section>
  );
}
