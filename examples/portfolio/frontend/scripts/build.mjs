// Builds the site: copies the page into the output directory with
// whitespace between tags collapsed. Usage: build.mjs PAGE OUT_DIR
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

const [page, out] = process.argv.slice(2);
if (!page || !out) {
  console.error("usage: build.mjs PAGE OUT_DIR");
  process.exit(2);
}
const html = readFileSync(page, "utf8").replace(/>\s+</g, "><").trim() + "\n";
mkdirSync(out, { recursive: true });
writeFileSync(join(out, basename(page)), html);
console.log(`build: ${join(out, basename(page))} (${html.length} bytes)`);
