// The harness of the browser tests: the real switchboard binary on port 0 with a temporary
// data directory, and Debian's chromium driven by playwright-core. Nothing waits a fixed
// time: every wait is for something to happen (Playwright's auto-waiting assertions).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.SWITCHBOARD_BIN ?? join(here, "../../target/debug/switchboard");
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** A configuration with a voice, a callback and an email queue, three agents with stations and
 * a key for every role. */
export const CONFIG = `
[[queues]]
id = "sales"
name = "Sales"
channel = "voice"
offer_timeout_ms = 20000
dispositions = [
  { code = "sale", label_en = "Sale", label_hu = "Eladás", success = true },
  { code = "no-sale", label_en = "No sale", label_hu = "Nincs eladás" },
]

[[queues]]
id = "callbacks"
name = "Callbacks"
channel = "callback"
dispositions = [{ code = "done", label_en = "Done", label_hu = "Kész", success = true }]

[queues.callbacks]
time_zone = "UTC"
duration_for_no_answer_ms = 60000

[[queues]]
id = "mail"
name = "Mail"
channel = "email"

[[stations]]
id = "s3"
number = "+3611000003"

[[agents]]
id = "a3"
full_name = "Cecília Tóth"
team = "Debrecen"
queues = [{ queue = "callbacks" }, { queue = "mail" }]

[[keys]]
role = "agent"
agent = "a3"
secret = "a3-secret"

[[stations]]
id = "s1"
number = "+3611000001"

[[stations]]
id = "s2"
number = "+3611000002"

[[agents]]
id = "a1"
full_name = "Anna Kovács"
team = "Budapest"
queues = [{ queue = "sales" }]

[[agents]]
id = "a2"
full_name = "Béla Nagy"
team = "Budapest"
queues = [{ queue = "sales" }]

[[keys]]
role = "admin"
secret = "admin-secret"

[[keys]]
role = "supervisor"
secret = "supervisor-secret"
data_download = true

[[keys]]
role = "connector"
secret = "connector-secret"

[[keys]]
role = "supervisor"
secret = "expired-secret"
expires_at = "2020-01-01T00:00:00Z"

[[keys]]
role = "agent"
agent = "a1"
secret = "a1-secret"

[[keys]]
role = "agent"
agent = "a2"
secret = "a2-secret"
`;

/** Starts `switchboard serve` on a free port; resolves once it listens. */
export async function startServer(config = CONFIG, { speed = 1 } = {}) {
  if (!existsSync(BIN)) {
    throw new Error(`${BIN} is missing: build it with \`cargo build -p switchboard\``);
  }
  const dir = mkdtempSync(join(tmpdir(), "switchboard-web-"));
  const configPath = join(dir, "server.toml");
  writeFileSync(configPath, config);
  const launch = async (listen) => {
    const child = spawn(
      BIN,
      [
        "serve",
        ...["--config", configPath, "--data", join(dir, "data")],
        ...["--listen", listen, "--speed", String(speed)],
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const url = await new Promise((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on("line", (line) => {
        const match = /^switchboard: listening on (http:\/\/\S+)/.exec(line);
        if (match) resolve(match[1]);
      });
      child.on("exit", (code) => reject(new Error(`switchboard serve exited ${code}: ${stderr}`)));
    });
    return { child, url };
  };
  const exited = (child) =>
    new Promise((resolve) => (child.exitCode !== null ? resolve() : child.on("exit", resolve)));
  let { child, url } = await launch("127.0.0.1:0");
  return {
    url,
    /**
     * Kills the server at once (as a crash or a cut cable would: open streams just stop) and
     * starts it again on the same address and data directory.
     */
    async crashAndRestart() {
      child.kill("SIGKILL");
      await exited(child);
      ({ child } = await launch(new URL(url).host));
    },
    /** A request to the API with a key; resolves to the parsed JSON body. */
    async api(method, path, key, body) {
      const response = await fetch(url + path, {
        method,
        headers: {
          Authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      if (!(response.headers.get("content-type") ?? "").startsWith("application/json")) return text;
      return text === "" ? null : JSON.parse(text);
    },
    async stop() {
      child.kill("SIGTERM");
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's chromium, headless; fails saying what to install when it is missing. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** How long a wait may take before it counts as a failure: far above what anything needs. */
const DEADLINE_MS = 15_000;

/** Polls `probe` until it returns true; fails with `describe()` after the deadline. */
async function until(probe, describe) {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the locator's one element has this text (a string is matched whole). */
export async function expectText(locator, expected) {
  const matches = (text) =>
    typeof expected === "string" ? text.trim() === expected : expected.test(text);
  let seen = "(no element)";
  await until(
    async () => {
      if ((await locator.count()) !== 1) return false;
      seen = await locator.innerText();
      return matches(seen);
    },
    async () => `${locator} has ${JSON.stringify(seen)}, expected ${expected}`,
  );
}

/** Waits until the locator matches `count` elements. */
export async function expectCount(locator, count) {
  await until(
    async () => (await locator.count()) === count,
    async () => `${locator} matches ${await locator.count()} elements, expected ${count}`,
  );
}

/** Waits until the locator's element is visible. */
export async function expectVisible(locator) {
  await locator.waitFor({ state: "visible", timeout: DEADLINE_MS });
}

/**
 * Starts a server and a browser before a test file's tests and stops them after; `setup`
 * runs once both are up. The returned object's `server` and `browser` are set by then.
 */
export function serverAndBrowser(setup) {
  const site = { server: null, browser: null };
  before(async () => {
    site.server = await startServer();
    site.browser = await launchBrowser();
    await setup?.(site.server);
  });
  after(async () => {
    await site.browser?.close();
    await site.server?.stop();
  });
  return site;
}
