// Bundles src/main.tsx into crates/server/assets/web/app.js and app.css, which the binary
// embeds (so that `cargo build` needs no Node). The output depends only on the sources and
// the locked packages. `node build.mjs --check` builds in memory and fails if the committed
// files differ, naming them.
import * as esbuild from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "../crates/server/assets/web");
const check = process.argv.includes("--check");

const result = await esbuild.build({
  entryPoints: { app: join(here, "src/main.tsx") },
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "eof",
  charset: "utf8",
  outdir,
  write: false,
  logLevel: "warning",
});

let stale = [];
for (const file of result.outputFiles) {
  const name = relative(join(here, ".."), file.path);
  if (check) {
    let committed = "";
    try {
      committed = readFileSync(file.path, "utf8");
    } catch {}
    if (committed !== file.text) stale.push(name);
  } else {
    writeFileSync(file.path, file.text);
    console.log(`wrote ${name} (${file.contents.length} bytes)`);
  }
}
if (stale.length > 0) {
  console.error(
    `build.mjs: ${stale.join(", ")} differ from a build of web/src; ` +
      "run `npm --prefix web run build` and commit the result",
  );
  process.exit(1);
}
