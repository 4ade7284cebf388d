// The reports page downloads a CSV and an XLSX with the server's file names and the report's
// columns; the time fields are enabled only for a specific date or a date range.
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { strFromU8, unzipSync } from "fflate";
import { expectText, serverAndBrowser } from "./support.mjs";

const site = serverAndBrowser(async (server) => {
  // One refusal to report: a2 refuses a call.
  await server.api("POST", "/v1/agents/a2/login", "a2-secret", { station: "s2" });
  await server.api("POST", "/v1/contacts", "connector-secret", {
    channel: "voice",
    queue: "sales",
    from: "+36206666666",
  });
  const desk = await server.api("GET", "/v1/agents/a2/desktop", "a2-secret");
  await server.api("POST", `/v1/offers/${desk.offer.id}/refuse`, "a2-secret");
});

async function reportsPage() {
  const context = await site.browser.newContext({
    acceptDownloads: true,
    timezoneId: "Europe/Budapest",
  });
  const page = await context.newPage();
  await page.goto(site.server.url + "/reports");
  await page.getByLabel("API key").fill("supervisor-secret");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Download" }).waitFor();
  return page;
}

/** Clicks Download; resolves to the saved file's name and bytes. */
async function download(page) {
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download" }).click(),
  ]);
  const path = await file.path();
  return { name: file.suggestedFilename(), bytes: readFileSync(path) };
}

test("the agent refusal report as CSV, named by the server, with the refusal", async () => {
  const page = await reportsPage();
  await page.getByRole("combobox", { name: "Report" }).selectOption({ label: "Agent refusals" });
  // The browser's zone is the default.
  await expectText(
    page.getByRole("combobox", { name: "Time zone" }).locator("option:checked"),
    "Europe/Budapest",
  );
  const { name, bytes } = await download(page);
  if (name !== "agent-refusal.csv") throw new Error(`file name ${name}`);
  const lines = bytes.toString("utf8").trim().split("\r\n");
  if (lines[0] !== "Contact_ID,Agent_No,FullName,Station_ID,Reason,Refuse_Time") {
    throw new Error(`header ${lines[0]}`);
  }
  if (!/^1,a2,Béla Nagy,s2,Declined,\d\d\/\d\d\/\d{4} \d\d:\d\d$/.test(lines[1] ?? "")) {
    throw new Error(`row ${lines[1]}`);
  }
  await expectText(page.getByRole("status"), "Downloaded agent-refusal.csv.");
  await page.context().close();
});

test("the contact closure report as XLSX for a specific date and time window, with the date in its name", async () => {
  const page = await reportsPage();
  const start = page.getByRole("combobox", { name: "Start time" });
  if (!(await start.isDisabled())) throw new Error("Start time is enabled for a preset");
  await page.getByRole("combobox", { name: "Report" }).selectOption({ label: "Contact closures" });
  await page.getByRole("combobox", { name: "Date range" }).selectOption({ label: "Specific date" });
  if (await start.isDisabled()) throw new Error("Start time is disabled for a specific date");
  const today = new Date().toLocaleDateString("sv-SE", { timeZone: "Europe/Budapest" });
  await page.getByLabel("From").fill(today);
  await start.selectOption("00:15");
  await page.getByRole("combobox", { name: "End time" }).selectOption("24:00");
  await page.getByRole("combobox", { name: "Format" }).selectOption({ label: "Excel (XLSX)" });
  await page.getByRole("checkbox", { name: "Append date to file name" }).check();
  const { name, bytes } = await download(page);
  const stamp = today.replaceAll("-", "");
  if (name !== `contact-closure-${stamp}.xlsx`) throw new Error(`file name ${name}`);
  const files = unzipSync(new Uint8Array(bytes));
  const strings = strFromU8(files["xl/sharedStrings.xml"] ?? new Uint8Array());
  const sheet = strFromU8(files["xl/worksheets/sheet1.xml"] ?? new Uint8Array());
  for (const column of ["Contact_ID", "Major_Code", "Minor_Name", "Disposition", "Outcome"]) {
    if (!strings.includes(column) && !sheet.includes(column)) {
      throw new Error(`the XLSX has no column ${column}`);
    }
  }
  await page.context().close();
});

test("a key without Data Download View is told so on the form", async () => {
  const page = await site.browser.newPage();
  await page.goto(site.server.url + "/reports");
  await page.getByLabel("API key").fill("connector-secret");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expectText(page.getByRole("alert"), /Data Download View/);
  await page.close();
});
