import { channelNames } from "../../names";
import type { DeskContext, DeskOffer } from "./types";

/** An incoming offer: what it is, the seconds left to take it, Accept and Refuse. */
export function OfferPanel({ offer, ctx }: { offer: DeskOffer; ctx: DeskContext }) {
  const path = { params: { path: { id: String(offer.id) } } };
  const left = ctx.clock.secondsUntil(offer.deadline);
  return (
    <section class="panel offer" aria-label="Offer">
      <h2>Offer</h2>
      <dl>
        <dt>Channel</dt>
        <dd>{channelNames[offer.contact.channel]}</dd>
        <dt>Queue</dt>
        <dd>{offer.contact.queue}</dd>
        <dt>Caller</dt>
        <dd>{offer.contact.from}</dd>
        <dt>Contact</dt>
        <dd>{offer.contact.id}</dd>
      </dl>
      {offer.accepted ? (
        <p>Accepted: connecting the call…</p>
      ) : (
        <>
          <p>
            Time left: <span class="countdown">{left} s</span>
          </p>
          <div class="actions">
            <button
              type="button"
              onClick={() => void ctx.act(() => ctx.api.POST("/v1/offers/{id}/accept", path))}
            >
              Accept
            </button>
            <button
              type="button"
              onClick={() => void ctx.act(() => ctx.api.POST("/v1/offers/{id}/refuse", path))}
            >
              Refuse
            </button>
          </div>
        </>
      )}
    </section>
  );
}
