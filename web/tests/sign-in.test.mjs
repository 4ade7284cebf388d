// Sign-in: a wrong key, a key of the wrong role, an expired key and a revoked key each get a clear message
// on the form; a right key opens the page, and it stays signed in for the tab only.
import { test } from "node:test";
import { expectCount, expectText, expectVisible, serverAndBrowser } from "./support.mjs";

const site = serverAndBrowser();

async function signIn(page, path, key, station) {
  await page.goto(site.server.url + path);
  await page.getByLabel("API key").fill(key);
  if (station !== undefined) await page.getByLabel("Station").fill(station);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a wrong key is refused on the form", async () => {
  const page = await site.browser.newPage();
  await signIn(page, "/agent", "not-a-key", "s1");
  await expectText(page.getByRole("alert"), /unknown or has been revoked/);
  await expectCount(page.getByRole("status", { name: "Agent state" }), 0);
  await page.close();
});

test("an expired key is refused on the form with when it expired", async () => {
  const page = await site.browser.newPage();
  await signIn(page, "/supervisor", "expired-secret");
  await expectText(
    page.getByRole("alert"),
    /This key has expired \(key \d+ expired at 2020-01-01T00:00:00Z\)/,
  );
  await expectCount(page.getByRole("table", { name: "Agents" }), 0);
  await page.close();
});

test("a key of another role is refused with the role it needs", async () => {
  const page = await site.browser.newPage();
  await signIn(page, "/agent", "connector-secret", "s1");
  await expectText(
    page.getByRole("alert"),
    /connector key; the agent desktop needs an agent's key/,
  );
  await signIn(page, "/supervisor", "a1-secret");
  await expectText(page.getByRole("alert"), /needs a supervisor or admin key/);
  await page.close();
});

test("an agent signs in, is logged in at the station, and picks states", async () => {
  const page = await site.browser.newPage();
  await signIn(page, "/agent", "a1-secret", "s1");
  const state = page.getByRole("status", { name: "Agent state" });
  await expectText(state, "Ready");
  await expectVisible(page.getByText("station s1"));
  await page.getByRole("combobox", { name: "State", exact: true }).selectOption({ label: "Break" });
  await expectText(state, "Break");
  // The key is kept for this tab: a reload stays signed in.
  await page.reload();
  await expectText(state, "Break");
  await page.getByRole("combobox", { name: "State", exact: true }).selectOption({ label: "Ready" });
  await expectText(state, "Ready");
  // A new tab (a new browser context) has to sign in again.
  const context = await site.browser.newContext();
  const other = await context.newPage();
  await other.goto(site.server.url + "/agent");
  await expectVisible(other.getByLabel("API key"));
  await context.close();
  await page.close();
});

test("a supervisor key opens the console; a key without Data Download View cannot open reports", async () => {
  const page = await site.browser.newPage();
  await signIn(page, "/supervisor", "supervisor-secret");
  await expectVisible(page.getByRole("button", { name: "Sign out" }));
  await signIn(page, "/reports", "a2-secret");
  await expectText(page.getByRole("alert"), /Data Download View/);
  await page.close();
});

test("a link with the key in its fragment signs in and takes the key out of the address", async () => {
  const page = await site.browser.newPage();
  await page.goto(site.server.url + "/agent#key=a2-secret&station=s2");
  await expectText(page.getByRole("status", { name: "Agent state" }), "Ready");
  await expectVisible(page.getByText("station s2"));
  if (page.url().includes("secret")) throw new Error(`the key stayed in ${page.url()}`);
  await page.close();
});
