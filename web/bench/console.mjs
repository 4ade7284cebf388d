// What the supervisor console costs at a large centre: the bytes and time of reading the whole
// agent list against reading the rows an event names (`?ids=`), and how long the page takes
// to draw and how busy it stays. Usage (from web/):
//
//   node bench/console.mjs [agents]        (default 20,000; SWITCHBOARD_BIN picks the binary)
//
// Figures are for comparison within one run (docs/benchmarks.md), not absolute.
import { launchBrowser, startServer } from "../tests/support.mjs";

const agents = Number.parseInt(process.argv[2] ?? "20000", 10);
let config = '[[queues]]\nid = "sales"\nchannel = "voice"\n';
for (let i = 1; i <= agents; i += 1) {
  config += `\n[[agents]]\nid = "a${i}"\nfull_name = "Agent ${i}"\nteam = "Team ${i % 40}"\nqueues = [{ queue = "sales" }]\n`;
}
config += '\n[[keys]]\nrole = "supervisor"\nsecret = "supervisor-secret"\n';

const server = await startServer(config);
const KEY = { Authorization: "Bearer supervisor-secret" };

/** The median over `runs` reads of `path`: bytes and milliseconds. */
async function read(path, runs = 7) {
  const times = [];
  let bytes = 0;
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    const response = await fetch(server.url + path, { headers: KEY });
    bytes = (await response.arrayBuffer()).byteLength;
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { bytes, ms: times[Math.floor(runs / 2)] };
}

try {
  const whole = await read("/v1/monitor/agents");
  const one = await read("/v1/monitor/agents?ids=a17");
  const fifty = Array.from({ length: 50 }, (_, i) => `a${100 + i}`).join(",");
  const some = await read(`/v1/monitor/agents?ids=${fifty}`);

  const browser = await launchBrowser();
  const page = await browser.newPage();
  const started = Date.now();
  await page.goto(server.url + "/supervisor#key=supervisor-secret");
  await page.getByRole("table", { name: "Agents" }).waitFor({ timeout: 600_000 });
  const firstRender = Date.now() - started;
  // Long tasks (over 50 ms) while the console ticks for 10 s: how much of it the page is busy.
  const busy = await page.evaluate(
    () =>
      new Promise((resolve) => {
        let total = 0;
        let count = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) {
            total += entry.duration;
            count += 1;
          }
        }).observe({ type: "longtask" });
        setTimeout(() => resolve({ total: Math.round(total), count }), 10_000);
      }),
  );
  await browser.close();

  const ratio = (part) =>
    `${(part.bytes / whole.bytes).toExponential(2)} of the bytes, ${(part.ms / whole.ms).toFixed(3)} of the time`;
  console.log(`agents: ${agents}`);
  console.log(`whole list: ${whole.bytes} B in ${whole.ms.toFixed(1)} ms (median of 7)`);
  console.log(`one row (?ids=): ${one.bytes} B in ${one.ms.toFixed(1)} ms — ${ratio(one)}`);
  console.log(`50 rows (?ids=): ${some.bytes} B in ${some.ms.toFixed(1)} ms — ${ratio(some)}`);
  console.log(`console first render: ${firstRender} ms`);
  console.log(`long tasks in 10 s of ticking: ${busy.count}, ${busy.total} ms`);
} finally {
  await server.stop();
}
