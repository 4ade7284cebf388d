// `switchboard demo` gives a person a console, two desktops and a reports page that work:
// the links it prints open them signed in, the console shows the simulated traffic, a person
// on a desktop gets offers (the traffic plays the customers and the connector, never the
// person), and the reports page downloads. The screenshots of the README are taken here
// (into target/screenshots, or $SCREENSHOTS_DIR: `SCREENSHOTS_DIR=docs/images npm test`).
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { BIN, expectText, expectVisible, launchBrowser } from "./support.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const shots = resolve(here, "../..", process.env.SCREENSHOTS_DIR ?? "target/screenshots");

let demo;
let browser;
/** The banner's links by name: "supervisor console", "agent desktop a01", "reports", … */
const links = new Map();

before(async () => {
  mkdirSync(shots, { recursive: true });
  demo = spawn(BIN, ["demo", "--listen", "127.0.0.1:0", "--speed", "4"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  await new Promise((done, fail) => {
    const lines = createInterface({ input: demo.stdout });
    lines.on("line", (line) => {
      const link = /^\s+(.+?):\s+(http:\/\/\S+)$/.exec(line);
      if (link) links.set(link[1], link[2]);
      if (line.includes("Ctrl-C stops the demo")) done();
    });
    demo.on("exit", (code) => fail(new Error(`switchboard demo exited ${code}`)));
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  demo?.kill("SIGTERM");
});

function link(name) {
  const url = links.get(name);
  if (url === undefined) throw new Error(`the demo printed no ${name} link: ${[...links.keys()]}`);
  return url;
}

test("the demo prints links to the console, two desktops and the reports page", () => {
  for (const name of ["supervisor console", "agent desktop a01", "agent desktop a05", "reports"]) {
    link(name);
  }
});

test("the console shows the simulated contact center live", async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(link("supervisor console"));
  const agents = page.getByRole("table", { name: "Agents" });
  await agents.waitFor();
  // The traffic logs its agents in and sends work: someone is busy before long.
  await expectVisible(agents.getByRole("cell", { name: "Busy", exact: true }).first());
  await page.screenshot({ path: join(shots, "supervisor-console.png"), fullPage: true });
  await page.close();
});

test("a person on the a01 desktop gets an offer and takes it", async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  await page.goto(link("agent desktop a01"));
  const state = page.getByRole("status", { name: "Agent state" });
  await expectText(state, "Ready");
  const offer = page.getByRole("region", { name: "Offer" });
  await offer.waitFor({ timeout: 60_000 });
  await offer.getByRole("button", { name: "Accept" }).click();
  // The demo's connector links the voice leg (or the chat starts at once): Busy.
  await expectText(state, "Busy");
  await page.screenshot({ path: join(shots, "agent-desktop.png"), fullPage: true });
  await page.close();
});

test("the reports page downloads from the demo's journal", async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.setViewportSize({ width: 1000, height: 800 });
  await page.goto(link("reports"));
  await page.getByRole("combobox", { name: "Report" }).selectOption({ label: "Contact closures" });
  await page.screenshot({ path: join(shots, "reports.png"), fullPage: true });
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download" }).click(),
  ]);
  if (file.suggestedFilename() !== "contact-closure.csv") {
    throw new Error(`file name ${file.suggestedFilename()}`);
  }
  await context.close();
});
