// The agent desktop in a real browser against the real binary: an offer with its countdown,
// accept, the connector links the leg, hold, resume, end, a disposition, complete and Ready
// again; a refusal; a missed offer (No Answer).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CONFIG,
  expectCount,
  expectText,
  expectVisible,
  serverAndBrowser,
  startServer,
} from "./support.mjs";

const site = serverAndBrowser();

const CONNECTOR = "connector-secret";

/** Signs an agent in on a new page; resolves once the desktop shows it Ready. */
async function desktop(server, agent, station) {
  const page = await site.browser.newPage();
  await page.goto(server.url + "/agent");
  await page.getByLabel("API key").fill(`${agent}-secret`);
  await page.getByLabel("Station").fill(station);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expectText(page.getByRole("status", { name: "Agent state" }), "Ready");
  return page;
}

function call(server, from) {
  return server.api("POST", "/v1/contacts", CONNECTOR, { channel: "voice", queue: "sales", from });
}

const pickState = (page, label) =>
  page.getByRole("combobox", { name: "State", exact: true }).selectOption({ label });

test("an offer is accepted, held, resumed, ended, wrapped up with a disposition and completed", async () => {
  const page = await desktop(site.server, "a1", "s1");
  const state = page.getByRole("status", { name: "Agent state" });
  const { contact } = await call(site.server, "+36201111111");

  const offer = page.getByRole("region", { name: "Offer" });
  await expectVisible(offer);
  await expectText(offer.getByText("+36201111111"), "+36201111111");
  await expectText(state, "Offered");
  // The countdown shows whole seconds left on the engine's clock (the queue gives 20 s).
  await expectText(offer.getByText(/^\d+ s$/), /^(1\d|20) s$/);
  await offer.getByRole("button", { name: "Accept" }).click();
  await expectText(offer.getByText(/connecting/), /connecting the call/);

  const desk = await site.server.api("GET", "/v1/agents/a1/desktop", "admin-secret");
  await site.server.api("POST", "/v1/connector/events", CONNECTOR, {
    type: "leg_linked",
    offer: desk.offer.id,
  });
  const card = page.getByRole("region", { name: `Contact ${contact}` });
  const interaction = card.locator(".interaction-state");
  await expectText(interaction, "Handling");
  await expectText(state, "Busy");
  await expectCount(page.getByRole("region", { name: "Offer" }), 0);

  await card.getByRole("button", { name: "Hold" }).click();
  await expectText(interaction, "On Hold");
  await card.getByRole("button", { name: "Resume" }).click();
  await expectText(interaction, "Handling");
  await card.getByRole("button", { name: "End" }).click();
  await expectText(interaction, "Wrap Up");

  await card.getByRole("combobox", { name: "Disposition" }).selectOption({ label: "Sale" });
  // In Hungarian: the page's own words, the states and the dispositions' Hungarian labels.
  await page.getByRole("combobox", { name: "Page language" }).selectOption({ label: "Magyar" });
  const kártya = page.getByRole("region", { name: `Kontaktus ${contact}` });
  await expectCount(kártya.getByRole("option", { name: "Eladás", exact: true }), 1);
  await expectText(kártya.locator(".interaction-state"), "Utómunka");
  await expectText(page.getByRole("status", { name: "Ügyintéző állapota" }), "Foglalt");
  await expectCount(kártya.getByRole("button", { name: "Lezárás" }), 1);
  assert.equal(await page.evaluate(() => document.documentElement.lang), "hu");
  await page.getByRole("combobox", { name: "Az oldal nyelve" }).selectOption({ label: "English" });
  await card.getByRole("button", { name: "Complete" }).click();
  await expectCount(page.getByRole("region", { name: `Contact ${contact}` }), 0);
  await expectText(state, "Ready");

  // The closure carries the disposition the agent picked.
  const report = await site.server.api(
    "GET",
    "/v1/reports/contact-closure?preset=today&format=csv",
    "admin-secret",
  );
  const line = report.split("\n").find((l) => l.startsWith(`${contact},voice,sales,a1,`));
  if (line === undefined || !line.includes(",48,OK_CLOSE,0,Unknown,Sale,closed")) {
    throw new Error(`contact ${contact} closed without its disposition: ${report}`);
  }
  await pickState(page, "Break");
  await expectText(state, "Break");
  await page.close();
});

test("a refused offer leaves the agent in No Answer until it picks a state", async () => {
  const page = await desktop(site.server, "a2", "s2");
  const state = page.getByRole("status", { name: "Agent state" });
  await call(site.server, "+36202222222");
  const offer = page.getByRole("region", { name: "Offer" });
  await offer.getByRole("button", { name: "Refuse" }).click();
  await expectCount(page.getByRole("region", { name: "Offer" }), 0);
  // Refusing puts the agent in No Answer (the presence policy's default).
  await expectText(state, "No Answer");
  await pickState(page, "Ready");
  await expectText(state, "Ready");
  await page.close();
});

test("with decline reasons configured, Refuse goes with a Decline reason, recorded with the refusal", async () => {
  const own = await startServer(
    '[settings]\ndecline_reasons = ["Wrong skill", "Personal call"]\n' + CONFIG,
  );
  try {
    const page = await desktop(own, "a2", "s2");
    const { contact } = await call(own, "+36202222223");
    const offer = page.getByRole("region", { name: "Offer" });
    const reason = offer.getByRole("combobox", { name: "Decline reason" });
    // No reason is the default; the settings' reasons follow.
    assert.equal(await reason.inputValue(), "");
    await reason.selectOption({ label: "Wrong skill" });
    await offer.getByRole("button", { name: "Refuse" }).click();
    await expectCount(page.getByRole("region", { name: "Offer" }), 0);
    const history = await own.api("GET", `/v1/contacts/${contact}/history`, "admin-secret");
    const refusal = history.entries.find((e) => e.event.type === "offer_refused");
    assert.equal(refusal.event.reason, "Declined");
    assert.equal(refusal.event.decline_reason, "Wrong skill");
    await page.close();
  } finally {
    await own.stop();
  }
});

test("a missed offer: the desktop says so and the agent is in No Answer until it picks a state", async () => {
  // A server 20 times faster than real time: the 20 s offer times out in one real second.
  const fast = await startServer(undefined, { speed: 20 });
  try {
    const page = await desktop(fast, "a1", "s1");
    const state = page.getByRole("status", { name: "Agent state" });
    await call(fast, "+36203333333");
    await expectText(state, "No Answer");
    await expectText(page.getByRole("alert"), /was missed: it was not answered in time/);
    await expectCount(page.getByRole("region", { name: "Offer" }), 0);
    await pickState(page, "Break");
    await expectText(state, "Break");
    await expectCount(page.getByRole("alert"), 0);
    await page.close();
  } finally {
    await fast.stop();
  }
});

test("Break while busy shows Waiting for Break until the work ends", async () => {
  const page = await desktop(site.server, "a2", "s2");
  const state = page.getByRole("status", { name: "Agent state" });
  const { contact } = await call(site.server, "+36204444444");
  await page.getByRole("region", { name: "Offer" }).getByRole("button", { name: "Accept" }).click();
  const desk = await site.server.api("GET", "/v1/agents/a2/desktop", "admin-secret");
  await site.server.api("POST", "/v1/connector/events", CONNECTOR, {
    type: "leg_linked",
    offer: desk.offer.id,
  });
  await expectText(state, "Busy");
  await pickState(page, "Break");
  await expectText(state, "Waiting for Break");
  await expectVisible(page.getByText(/Mode Pending/));
  const card = page.getByRole("region", { name: `Contact ${contact}` });
  await card.getByRole("button", { name: "End" }).click();
  await card.getByRole("button", { name: "Complete" }).click();
  await expectText(state, "Break");
  await page.close();
});

test("a callback attempt: Dialing with the No Answer countdown, every completion status, then Callback Requested for later", async () => {
  const page = await desktop(site.server, "a3", "s3");
  const { contact } = await site.server.api("POST", "/v1/callbacks", "admin-secret", {
    queue: "callbacks",
    destination: "+36205555555",
  });
  const offer = page.getByRole("region", { name: "Offer" });
  await expectText(offer.getByText("+36205555555"), "+36205555555");
  await offer.getByRole("button", { name: "Accept" }).click();

  const card = page.getByRole("region", { name: `Contact ${contact}` });
  await expectText(card.locator(".interaction-state"), "Dialing");
  await expectText(
    card.getByText(/No Answer in/),
    /Callback attempt 1 to \+36205555555 · No Answer in (5\d|60) s/,
  );
  const statuses = card.getByRole("group", { name: "Completion status" });
  for (const name of ["Answering Machine", "No Answer", "Cancel"]) {
    await statuses.getByRole("button", { name, exact: true }).click();
    await expectText(statuses.locator('[aria-pressed="true"]'), new RegExp(name));
  }
  await site.server.api("POST", "/v1/connector/events", CONNECTOR, {
    type: "answered",
    contact,
    by: "live",
  });
  await expectText(card.locator(".interaction-state"), "Handling");
  // Cancel is only for a dial in progress.
  await expectCount(statuses.getByRole("button", { name: "Cancel" }), 0);
  for (const name of ["Handled", "Wrong Destination"]) {
    await statuses.getByRole("button", { name, exact: true }).click();
    await expectText(statuses.locator('[aria-pressed="true"]'), new RegExp(name));
  }
  await statuses.getByRole("button", { name: "Callback Requested" }).click();
  const request = card.getByRole("form", { name: "Callback request" });
  // Tomorrow, in the browser's (and the test's) time zone.
  const tomorrow = new Date(Date.now() + 86_400_000);
  const day = (n) => String(n).padStart(2, "0");
  await request
    .getByLabel("Date")
    .fill(`${tomorrow.getFullYear()}-${day(tomorrow.getMonth() + 1)}-${day(tomorrow.getDate())}`);
  await request.getByLabel("Time").fill("09:30");
  await request.getByRole("button", { name: "Request callback" }).click();
  await expectText(card.getByText(/Completion status:/), "Completion status: Callback Requested");
  await card.getByRole("button", { name: "End" }).click();
  await card.getByRole("button", { name: "Complete" }).click();
  await expectCount(page.getByRole("region", { name: `Contact ${contact}` }), 0);
  // Rescheduled for this agent: it is among the agent's own callbacks.
  const mine = page.getByRole("table", { name: "Callbacks reserved for you" });
  await expectText(
    mine.getByRole("row").nth(1),
    new RegExp(`^${contact}\\s+\\+36205555555\\s+callbacks`),
  );
  await page.close();
});

test("a contact is transferred to a colleague picked from the list", async () => {
  const own = await startServer();
  try {
    const first = await desktop(own, "a1", "s1");
    const second = await desktop(own, "a2", "s2");
    const { contact } = await call(own, "+36209999999");
    // a1 has been Ready longest: the call goes to a1.
    await first
      .getByRole("region", { name: "Offer" })
      .getByRole("button", { name: "Accept" })
      .click();
    const desk = await own.api("GET", "/v1/agents/a1/desktop", "admin-secret");
    await own.api("POST", "/v1/connector/events", CONNECTOR, {
      type: "leg_linked",
      offer: desk.offer.id,
    });
    const card = first.getByRole("region", { name: `Contact ${contact}` });
    await card.getByRole("button", { name: "Transfer" }).click();
    await card
      .getByRole("combobox", { name: "Transfer to" })
      .selectOption({ label: "Béla Nagy (Ready)" });
    await card.getByRole("button", { name: "Transfer now" }).click();
    await expectText(card.locator(".interaction-state"), "Wrap Up");
    const offer = second.getByRole("region", { name: "Offer" });
    await expectText(offer.getByText("+36209999999"), "+36209999999");
    await first.close();
    await second.close();
  } finally {
    await own.stop();
  }
});

test("an agent in Handling – Outgoing Interactions dials a number", async () => {
  const own = await startServer();
  try {
    const page = await desktop(own, "a1", "s1");
    await pickState(page, "Handling – Outgoing Interactions");
    const outbound = page.getByRole("region", { name: "Outbound" });
    await outbound.getByRole("textbox", { name: "Destination" }).fill("+36207070707");
    await outbound.getByRole("button", { name: "Dial" }).click();
    const card = page.getByRole("region", { name: /^Contact \d+$/ });
    await expectText(card.locator(".interaction-state"), "Dialing");
    await expectText(card.getByText("+36207070707"), "+36207070707");
    await page.close();
  } finally {
    await own.stop();
  }
});

test("the desktop works from the keyboard: sign in, accept, hold and resume without a pointer", async () => {
  const own = await startServer();
  try {
    const page = await site.browser.newPage();
    await page.goto(own.url + "/agent");
    // The key field has the focus; Tab moves to the station; Enter signs in.
    await page.getByLabel("API key").waitFor();
    await page.keyboard.type("a1-secret");
    await page.keyboard.press("Tab");
    await page.keyboard.type("s1");
    await page.keyboard.press("Enter");
    const state = page.getByRole("status", { name: "Agent state" });
    await expectText(state, "Ready");
    const { contact } = await call(own, "+36208080808");
    const accept = page
      .getByRole("region", { name: "Offer" })
      .getByRole("button", { name: "Accept" });
    await accept.focus();
    await page.keyboard.press("Enter");
    const offer = (await own.api("GET", "/v1/agents/a1/desktop", "admin-secret")).offer.id;
    await own.api("POST", "/v1/connector/events", CONNECTOR, { type: "leg_linked", offer });
    const card = page.getByRole("region", { name: `Contact ${contact}` });
    await expectText(card.locator(".interaction-state"), "Handling");
    await card.getByRole("button", { name: "Hold" }).focus();
    await page.keyboard.press("Space");
    await expectText(card.locator(".interaction-state"), "On Hold");
    await card.getByRole("button", { name: "Resume" }).focus();
    await page.keyboard.press("Enter");
    await expectText(card.locator(".interaction-state"), "Handling");
    await page.close();
  } finally {
    await own.stop();
  }
});

test("Schedule callback from a call: the callback is the agent's, and the call closes (51, 0)", async () => {
  // The sales queue takes callbacks here (a callback goes to the call's queue).
  const own = await startServer(
    CONFIG.replace(
      '[[queues]]\nid = "callbacks"',
      '[queues.callbacks]\ntime_zone = "UTC"\n\n[[queues]]\nid = "callbacks"',
    ),
  );
  try {
    const page = await desktop(own, "a1", "s1");
    const { contact } = await call(own, "+36209090909");
    await page
      .getByRole("region", { name: "Offer" })
      .getByRole("button", { name: "Accept" })
      .click();
    const offer = (await own.api("GET", "/v1/agents/a1/desktop", "admin-secret")).offer.id;
    await own.api("POST", "/v1/connector/events", CONNECTOR, { type: "leg_linked", offer });
    const card = page.getByRole("region", { name: `Contact ${contact}` });
    await expectText(card.locator(".interaction-state"), "Handling");
    await card.getByRole("button", { name: "Schedule callback" }).click();
    const form = card.getByRole("form", { name: "Schedule callback" });
    // The caller's number is the default.
    const number = form.getByRole("textbox", { name: "Callback number" });
    if ((await number.inputValue()) !== "+36209090909") throw new Error("not the caller's number");
    const tomorrow = new Date(Date.now() + 86_400_000);
    const two = (n) => String(n).padStart(2, "0");
    await form
      .getByLabel("Date")
      .fill(`${tomorrow.getFullYear()}-${two(tomorrow.getMonth() + 1)}-${two(tomorrow.getDate())}`);
    await form.getByLabel("Time").fill("10:15");
    await form.getByRole("button", { name: "Schedule" }).click();
    // Reserved for a1 ("Keep it for me" is on by default): among the agent's callbacks.
    const mine = page.getByRole("table", { name: "Callbacks reserved for you" });
    await expectText(mine.getByRole("row").nth(1), /\+36209090909/);
    // The call goes on; when its wrap-up completes it closes (51, 0), not (48, 0).
    await card.getByRole("button", { name: "End" }).click();
    await card.getByRole("button", { name: "Complete" }).click();
    await expectCount(page.getByRole("region", { name: `Contact ${contact}` }), 0);
    const history = await own.api("GET", `/v1/contacts/${contact}/history`, "admin-secret");
    const closed = history.entries.at(-1).event;
    if (closed.type !== "contact_closed" || closed.code.major !== 51 || closed.code.minor !== 0) {
      throw new Error(`the call did not close (51, 0): ${JSON.stringify(closed)}`);
    }
    await page.close();
  } finally {
    await own.stop();
  }
});

test("an agent unparks an email of its queue from the desktop", async () => {
  const own = await startServer();
  try {
    const page = await desktop(own, "a3", "s3");
    const email = () =>
      own.api("POST", "/v1/contacts", "connector-secret", {
        channel: "email",
        queue: "mail",
        from: "+36301212121",
      });
    const { contact } = await email();
    await page
      .getByRole("region", { name: "Offer" })
      .getByRole("button", { name: "Accept" })
      .click();
    await page
      .getByRole("region", { name: `Contact ${contact}` })
      .getByRole("button", { name: "Park" })
      .click();
    await page.getByRole("button", { name: `Unpark contact ${contact}` }).click();
    // Back in the queue as a new contact: offered to the agent again.
    await expectVisible(page.getByRole("region", { name: "Offer" }));
    await expectCount(page.getByRole("button", { name: `Unpark contact ${contact}` }), 0);
    await page.close();
  } finally {
    await own.stop();
  }
});
