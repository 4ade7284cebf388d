// The supervisor console in a real browser: agents and queues live from the event stream,
// Mode Pending for an agent who picked Break while busy, callbacks sent to the queue and
// purged (with confirmation), callbacks stopped and started.
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

async function console_() {
  const page = await site.browser.newPage();
  await page.goto(site.server.url + "/supervisor");
  await page.getByLabel("API key").fill("supervisor-secret");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("table", { name: "Agents" }).waitFor();
  return page;
}

const agentRow = (page, name) =>
  page.getByRole("table", { name: "Agents" }).getByRole("row").filter({ hasText: name });
const queueRow = (page, id) =>
  page
    .getByRole("table", { name: "Queues" })
    .getByRole("row")
    .filter({ has: page.getByRole("rowheader", { name: id, exact: true }) });

test("agents update live, and Break while busy shows as Mode Pending", async () => {
  const page = await console_();
  const anna = agentRow(page, "Anna Kovács");
  await expectText(anna.getByRole("cell").nth(1), "Offline");
  await site.server.api("POST", "/v1/agents/a1/login", "a1-secret", { station: "s1" });
  await expectText(anna.getByRole("cell").nth(1), "Ready");
  await expectText(anna.getByRole("cell").nth(2), "Available");
  await expectText(queueRow(page, "sales").getByRole("cell").nth(3), "1"); // Ready

  const { contact } = await site.server.api("POST", "/v1/contacts", "connector-secret", {
    channel: "voice",
    queue: "sales",
    from: "+36207777777",
  });
  const desk = await site.server.api("GET", "/v1/agents/a1/desktop", "a1-secret");
  await site.server.api("POST", `/v1/offers/${desk.offer.id}/accept`, "a1-secret");
  await site.server.api("POST", "/v1/connector/events", "connector-secret", {
    type: "leg_linked",
    offer: desk.offer.id,
  });
  await expectText(anna.getByRole("cell").nth(1), "Busy");
  await expectText(anna.getByRole("cell").nth(5), `${contact} Handling`);
  await site.server.api("POST", "/v1/agents/a1/state", "a1-secret", { state: "break" });
  await expectText(anna.getByRole("cell").nth(1), "Waiting for Break");
  await expectText(anna.getByRole("cell").nth(2), "Mode Pending");

  // Filters: by state and by team.
  const state = page.getByRole("combobox", { name: "State", exact: true });
  await state.selectOption({ label: "Offline" });
  await expectCount(agentRow(page, "Anna Kovács"), 0);
  await state.selectOption({ label: "All states" });
  await expectCount(agentRow(page, "Anna Kovács"), 1);
  await page.getByRole("combobox", { name: "Team" }).selectOption("Debrecen");
  await expectCount(agentRow(page, "Anna Kovács"), 0);
  await expectCount(agentRow(page, "Cecília Tóth"), 1);
  await page.close();
});

test("callbacks are sent to the queue, purged after a confirmation, stopped and started", async () => {
  const page = await console_();
  const later = Date.now() + 3_600_000;
  const first = await site.server.api("POST", "/v1/callbacks", "admin-secret", {
    queue: "callbacks",
    destination: "+36208888881",
    due: later,
  });
  const second = await site.server.api("POST", "/v1/callbacks", "admin-secret", {
    queue: "callbacks",
    destination: "+36208888882",
    due: later,
  });
  const table = page.getByRole("table", { name: "Callbacks" });
  const row = (id) =>
    table
      .getByRole("row")
      .filter({ has: page.getByRole("button", { name: `Contact ${id}: show its timeline` }) });
  await expectText(row(first.contact).getByRole("cell").nth(4), "Pending");

  await row(first.contact).getByRole("button", { name: "Send to queue" }).click();
  await expectText(row(first.contact).getByRole("cell").nth(4), "HandlingByBusinessProcess");

  await row(second.contact).getByRole("button", { name: "Purge" }).click();
  await row(second.contact).getByRole("button", { name: "Yes, purge" }).click();
  await expectCount(row(second.contact), 0);

  const callbacks = queueRow(page, "callbacks");
  await expectText(callbacks.getByRole("cell").nth(10), "Active");
  await expectText(callbacks.getByRole("cell").nth(14), "1"); // Clbk Purged
  await callbacks.getByRole("button", { name: /Stop callbacks/ }).click();
  await expectText(callbacks.getByRole("cell").nth(10), "Stopped");
  await callbacks.getByRole("button", { name: /Start callbacks/ }).click();
  await expectText(callbacks.getByRole("cell").nth(10), /Active|Off Schedule HRS/);
  await page.close();
});

test("a dropped stream reconnects with Last-Event-ID: what happened meanwhile arrives, and the console says it reconnected", async () => {
  const page = await console_();
  const stream = page.getByText(/^Event stream:/);
  await expectText(stream, "Event stream: Live");
  const bela = agentRow(page, "Béla Nagy");
  await expectText(bela.getByRole("cell").nth(1), "Offline");
  await site.server.crashAndRestart();
  // Logged in while the console's stream is down: only a stream that resumes after the last
  // event the console saw (Last-Event-ID) carries it, since the console does not re-read the
  // monitor when it reconnects.
  await site.server.api("POST", "/v1/agents/a2/login", "a2-secret", { station: "s2" });
  await expectText(bela.getByRole("cell").nth(1), "Ready");
  await expectText(stream, "Event stream: Live (reconnected; nothing was missed)");
  await page.close();
});

test("a supervisor forces an agent on a call to Break (Mode Pending on both pages) and logs another out", async () => {
  const own = await startServer();
  try {
    // a2 on a call, on its desktop; a1 idle.
    const desk = await site.browser.newPage();
    await desk.goto(own.url + "/agent#key=a2-secret&station=s2");
    const deskState = desk.getByRole("status", { name: "Agent state" });
    await expectText(deskState, "Ready");
    await own.api("POST", "/v1/agents/a1/login", "a1-secret", { station: "s1" });
    await own.api("POST", "/v1/agents/a1/state", "a1-secret", { state: "break" });
    const { contact } = await own.api("POST", "/v1/contacts", "connector-secret", {
      channel: "voice",
      queue: "sales",
      from: "+36201010101",
    });
    await desk
      .getByRole("region", { name: "Offer" })
      .getByRole("button", { name: "Accept" })
      .click();
    const offer = (await own.api("GET", "/v1/agents/a2/desktop", "admin-secret")).offer.id;
    await own.api("POST", "/v1/connector/events", "connector-secret", {
      type: "leg_linked",
      offer,
    });
    await expectText(deskState, "Busy");

    const page = await site.browser.newPage();
    await page.goto(own.url + "/supervisor#key=supervisor-secret");
    const bela = agentRow(page, "Béla Nagy");
    await bela.getByRole("button", { name: "Set state" }).click();
    await bela.getByRole("combobox", { name: "New state" }).selectOption({ label: "Break" });
    await bela.getByRole("button", { name: "Apply" }).click();
    await expectText(bela.getByRole("cell").nth(2), "Mode Pending");
    await expectText(bela.getByRole("cell").nth(1), /^Waiting for Break – set by /);
    await expectText(deskState, "Waiting for Break");
    // The agent finishes the call: the supervisor's Break starts.
    const card = desk.getByRole("region", { name: `Contact ${contact}` });
    await card.getByRole("button", { name: "End" }).click();
    await card.getByRole("button", { name: "Complete" }).click();
    await expectText(deskState, "Break");
    await expectText(bela.getByRole("cell").nth(1), /^Break – set by .*\(supervisor, key \d+\)$/);

    const anna = agentRow(page, "Anna Kovács");
    await anna.getByRole("button", { name: "Log out" }).click();
    await anna.getByRole("button", { name: "Yes, log out" }).click();
    await expectText(anna.getByRole("cell").nth(1), /^Offline – logged out by /);
    await page.close();
    await desk.close();
  } finally {
    await own.stop();
  }
});

test("an emergency closes a queue from the console, and ending it opens the queue again", async () => {
  const page = await console_();
  const sales = queueRow(page, "sales");
  await sales.getByRole("button", { name: /^Emergency/ }).click();
  await sales.getByRole("textbox", { name: "Message to callers" }).fill("Flooding: call tomorrow");
  await sales.getByRole("button", { name: "Close the queue" }).click();
  await expectText(
    sales.getByRole("cell").nth(0),
    /^Closed \(emergency\) “Flooding: call tomorrow” set by /,
  );
  const created = await site.server.api("POST", "/v1/contacts", "connector-secret", {
    channel: "voice",
    queue: "sales",
    from: "+36202020202",
  });
  if (created.closed?.reason !== "emergency" || created.closed?.minor !== 24) {
    throw new Error(`not closed by the emergency: ${JSON.stringify(created)}`);
  }
  await sales.getByRole("button", { name: /End emergency/ }).click();
  await expectText(sales.getByRole("cell").nth(0), /^Open/);
  await page.close();
});

test("an agent parks an email; the customer's next email is held; the console unparks both", async () => {
  const own = await startServer();
  try {
    const desk = await site.browser.newPage();
    await desk.goto(own.url + "/agent#key=a3-secret&station=s3");
    const email = () =>
      own.api("POST", "/v1/contacts", "connector-secret", {
        channel: "email",
        queue: "mail",
        from: "+36303030303",
      });
    const { contact } = await email();
    await desk
      .getByRole("region", { name: "Offer" })
      .getByRole("button", { name: "Accept" })
      .click();
    const card = desk.getByRole("region", { name: `Contact ${contact}` });
    await expectText(card.locator(".interaction-state"), "Handling");
    await card.getByRole("button", { name: "Park" }).click();
    await expectCount(desk.getByRole("region", { name: `Contact ${contact}` }), 0);

    const page = await site.browser.newPage();
    await page.goto(own.url + "/supervisor#key=supervisor-secret");
    const sessions = page.getByRole("table", { name: "Sessions" });
    const row = sessions
      .getByRole("row")
      .filter({ has: page.getByRole("button", { name: `Contact ${contact}: show its timeline` }) });
    await expectText(row.getByRole("cell").nth(0), "Parked");
    // The agent sees it among the parked sessions of its queues.
    await expectVisible(desk.getByRole("button", { name: `Unpark contact ${contact}` }));
    const held = await email();
    if (held.closed?.major !== 62) throw new Error(`not held: ${JSON.stringify(held)}`);
    await expectText(row.getByRole("cell").nth(6), "1");
    await row.getByRole("button", { name: "Unpark" }).click();
    await expectCount(page.getByRole("table", { name: "Sessions" }), 0);
    // The parked email comes back, as a new contact, to the agent serving the queue.
    await expectVisible(desk.getByRole("region", { name: "Offer" }));
    await page.close();
    await desk.close();
  } finally {
    await own.stop();
  }
});

test("a contact's timeline shows who refused it and why, from a click on its id", async () => {
  const own = await startServer();
  try {
    await own.api("POST", "/v1/agents/a2/login", "a2-secret", { station: "s2" });
    const { contact } = await own.api("POST", "/v1/contacts", "connector-secret", {
      channel: "voice",
      queue: "sales",
      from: "+36204040404",
    });
    const offer = (await own.api("GET", "/v1/agents/a2/desktop", "a2-secret")).offer.id;
    await own.api("POST", `/v1/offers/${offer}/refuse`, "a2-secret");
    await own.api("POST", `/v1/contacts/${contact}/abandon`, "connector-secret");

    const page = await site.browser.newPage();
    await page.goto(own.url + "/supervisor#key=supervisor-secret");
    await page.getByRole("textbox", { name: "Contact id" }).fill(String(contact));
    await page.getByRole("button", { name: "Show timeline" }).click();
    const timeline = page.getByRole("region", { name: `Timeline of contact ${contact}` });
    await expectText(
      timeline.getByRole("listitem").nth(0),
      /Arrived: Voice for sales from \+36204040404/,
    );
    await expectText(timeline.getByRole("listitem").nth(2), /Offered to a2 at s2/);
    await expectText(timeline.getByRole("listitem").nth(3), /Refused by Béla Nagy: Declined$/);
    await expectText(
      timeline.getByRole("listitem").last(),
      /Closed \(40 FAILED_NO_ROUTEREQ, 12 Abandoned in Queue\)$/,
    );
    // In Hungarian: the page's words and the catalog's Hungarian closure names.
    await page.getByRole("combobox", { name: "Page language" }).selectOption({ label: "Magyar" });
    const idővonal = page.getByRole("region", { name: `A(z) ${contact} kontaktus idővonala` });
    await expectText(idővonal.getByRole("listitem").nth(0), /Beérkezett: Hang, sales sor/);
    await expectText(idővonal.getByRole("listitem").nth(3), /Elutasította Béla Nagy: Declined$/);
    await expectText(
      idővonal.getByRole("listitem").last(),
      /Lezárva \(40 Átirányítás során vesztett hívás, 12 Sorban eldobott\)$/,
    );
    await expectCount(page.getByRole("table", { name: "Ügyintézők" }), 1);
    await page
      .getByRole("combobox", { name: "Az oldal nyelve" })
      .selectOption({ label: "English" });
    await timeline.getByRole("button", { name: "Close timeline" }).click();
    await expectCount(page.getByRole("region", { name: `Timeline of contact ${contact}` }), 0);
    await page.close();
  } finally {
    await own.stop();
  }
});

test("a queue over its thresholds is flagged in words, and the longest wait crosses its threshold as time passes", async () => {
  const config = CONFIG.replace(
    "offer_timeout_ms = 20000\n",
    "offer_timeout_ms = 20000\nthresholds = { waiting = 1, longest_wait_seconds = 30 }\n",
  );
  // 20 times faster: the 30 s threshold passes in a second and a half.
  const own = await startServer(config, { speed: 20 });
  try {
    const page = await site.browser.newPage();
    await page.goto(own.url + "/supervisor#key=supervisor-secret");
    const sales = queueRow(page, "sales");
    await expectText(sales.getByRole("cell").last(), "–");
    const call = (from) =>
      own.api("POST", "/v1/contacts", "connector-secret", {
        channel: "voice",
        queue: "sales",
        from,
      });
    await call("+36205050501");
    await expectText(sales.getByRole("cell").last(), /^⚠ longest wait \d+:\d\d over 0:30$/);
    await call("+36205050502");
    await expectText(sales.getByRole("cell").last(), /; 2 waiting, over 1$/);
    await page.close();
  } finally {
    await own.stop();
  }
});

test("the do-not-call list: add a number, import a CSV file, remove a number", async () => {
  const own = await startServer();
  try {
    const page = await site.browser.newPage();
    await page.goto(own.url + "/supervisor#key=supervisor-secret");
    const numbers = page.getByRole("table", { name: "Do-not-call numbers" });
    await page.getByRole("textbox", { name: "Number" }).fill("+36 30 111 2222");
    await page.getByRole("button", { name: "Add to the list" }).click();
    await expectText(numbers.getByRole("rowheader").first(), "+36301112222");
    await page.getByLabel("CSV file").setInputFiles({
      name: "dnc.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("number,name\n+36 30 333 4444,Anna\n0036-30-555-6666,Béla\n"),
    });
    await page.getByRole("button", { name: "Import" }).click();
    await expectCount(numbers.getByRole("rowheader"), 3);
    await expectText(page.getByText(/numbers on the list/), "3 numbers on the list.");
    await numbers.getByRole("button", { name: "Remove +36303334444" }).click();
    await expectCount(numbers.getByRole("rowheader"), 2);
    // A callback to a listed number closes at once (58, 0).
    const created = await own.api("POST", "/v1/callbacks", "admin-secret", {
      queue: "callbacks",
      destination: "+36301112222",
    });
    if (created.closed?.major !== 58) throw new Error(`dialable: ${JSON.stringify(created)}`);
    await page.close();
  } finally {
    await own.stop();
  }
});

test("the console works from the keyboard: sign in, set an agent's state, and back out of a purge with Escape", async () => {
  const own = await startServer();
  try {
    await own.api("POST", "/v1/agents/a2/login", "a2-secret", { station: "s2" });
    const pending = await own.api("POST", "/v1/callbacks", "admin-secret", {
      queue: "callbacks",
      destination: "+36208888866",
      due: Date.now() + 3_600_000,
    });
    const page = await site.browser.newPage();
    await page.goto(own.url + "/supervisor");
    await page.getByLabel("API key").waitFor();
    await page.keyboard.type("supervisor-secret");
    await page.keyboard.press("Enter");
    const bela = agentRow(page, "Béla Nagy");
    await expectText(bela.getByRole("cell").nth(1), "Ready");
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");
    /** Waits until the focused element's text is `text`. */
    const expectFocus = async (text) => {
      const deadline = Date.now() + 15_000;
      while ((await focused()) !== text) {
        if (Date.now() > deadline) assert.equal(await focused(), text);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };

    // Set state: the picker takes the focus; arrows pick Break; Tab, Enter applies it.
    await bela.getByRole("button", { name: "Set state" }).focus();
    await page.keyboard.press("Enter");
    const picker = bela.getByRole("combobox", { name: "New state" });
    await expectCount(picker, 1);
    await expectFocus(await picker.evaluate((el) => el.textContent?.trim() ?? ""));
    await page.keyboard.press("ArrowDown"); // Ready
    await page.keyboard.press("ArrowDown"); // Break
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await expectText(bela.getByRole("cell").nth(1), /^Break – set by config: supervisor/);

    // Escape closes the form and gives the focus back to "Set state".
    await bela.getByRole("button", { name: "Set state" }).focus();
    await page.keyboard.press("Enter");
    await expectCount(picker, 1);
    await page.keyboard.press("Escape");
    await expectCount(picker, 0);
    await expectFocus("Set state");

    // Purge asks first, with the focus on its answer; Escape keeps the callback.
    const row = page
      .getByRole("table", { name: "Callbacks" })
      .getByRole("row")
      .filter({ hasText: "+36208888866" });
    await row.getByRole("button", { name: "Purge" }).focus();
    await page.keyboard.press("Enter");
    await expectCount(
      row.getByRole("group", { name: `Confirm purge of callback ${pending.contact}` }),
      1,
    );
    await expectFocus("Yes, purge");
    await page.keyboard.press("Escape");
    await expectCount(row.getByRole("group"), 0);
    await expectFocus("Purge");
    await expectCount(row, 1);
    await page.close();
  } finally {
    await own.stop();
  }
});

test("a long agent list is drawn a page at a time, and the filters start again at its first page", async () => {
  let many = "";
  for (let i = 1; i <= 150; i += 1) {
    const team = i % 2 === 0 ? "Even" : "Odd";
    many += `\n[[agents]]\nid = "m${String(i).padStart(3, "0")}"\nfull_name = "Many ${i}"\nteam = "${team}"\nqueues = [{ queue = "mail" }]\n`;
  }
  const own = await startServer(CONFIG + many);
  try {
    const page = await site.browser.newPage();
    await page.goto(own.url + "/supervisor#key=supervisor-secret");
    const table = page.getByRole("table", { name: "Agents" });
    const rows = table.locator("tbody tr");
    const pages = page.getByRole("navigation", { name: "Pages of agents" });
    await expectText(pages.locator("span"), "1–100 of 153");
    await expectCount(rows, 100);
    await pages.getByRole("button", { name: "Next page of agents" }).click();
    await expectText(pages.locator("span"), "101–153 of 153");
    await expectCount(rows, 53);
    await page.getByRole("combobox", { name: "Team" }).selectOption("Even");
    await expectCount(rows, 75);
    await expectCount(pages, 0);
    await page.close();
  } finally {
    await own.stop();
  }
});

// Last: it purges a callback, which would move the callback counters other tests check.
test("after the first read the console reads only the rows an event names", async () => {
  const page = await console_();
  const reads = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname === "/v1/monitor/agents" || url.pathname === "/v1/callbacks") {
      if (request.method() === "GET") reads.push(url.pathname + url.search);
    }
  });
  await site.server.api("POST", "/v1/agents/a3/login", "a3-secret", { station: "s3" });
  await expectText(agentRow(page, "Cecília Tóth").getByRole("cell").nth(1), "Ready");
  const created = await site.server.api("POST", "/v1/callbacks", "admin-secret", {
    queue: "callbacks",
    destination: "+36208888877",
    due: Date.now() + 3_600_000,
  });
  const callbacks = page.getByRole("table", { name: "Callbacks" });
  await expectCount(callbacks.getByRole("row").filter({ hasText: "+36208888877" }), 1);
  // Every read since the first one named its rows: the agent who logged in, the new callback.
  assert.ok(reads.length > 0, "the console read the changed rows");
  for (const read of reads) assert.match(read, /[?&]ids=/, `${read} reads a whole list`);
  assert.ok(
    reads.some((r) => r.startsWith("/v1/monitor/agents?ids=a3")),
    reads.join(" "),
  );
  assert.ok(reads.includes(`/v1/callbacks?ids=${created.contact}`), reads.join(" "));
  await site.server.api("POST", `/v1/callbacks/${created.contact}/purge`, "supervisor-secret");
  await expectCount(callbacks.getByRole("row").filter({ hasText: "+36208888877" }), 0);
  await site.server.api("POST", "/v1/agents/a3/logout", "a3-secret");
  await expectText(agentRow(page, "Cecília Tóth").getByRole("cell").nth(1), "Offline");
  await page.close();
});
