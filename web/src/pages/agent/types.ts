import type { Act } from "../../action";
import type { Client } from "../../api";
import type { EngineClock } from "../../clock";
import type { components } from "../../generated/openapi";

/** Reads an agent's desktop (one consistent read of everything the page shows). */
export function readDesk(api: Client, agent: string) {
  return api.GET("/v1/agents/{id}/desktop", {
    params: { path: { id: agent } },
  });
}

/** The desk as the API answers it (openapi-fetch's view of `DesktopView`). */
export type Desk = NonNullable<Awaited<ReturnType<typeof readDesk>>["data"]>;
export type DeskContact = Desk["contacts"][number];
export type DeskOffer = NonNullable<Desk["offer"]>;
export type Colleague = Desk["colleagues"][number];
export type CompletionStatus = components["schemas"]["CompletionStatus"];

/** Shared by the desktop's panels. */
export interface DeskContext {
  api: Client;
  agent: string;
  clock: EngineClock;
  /** Runs an action; a refusal is shown in the desktop's alert, then the desk is re-read. */
  act: Act;
}
