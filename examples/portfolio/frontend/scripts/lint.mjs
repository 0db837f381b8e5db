// Lints the static pages given as arguments with nothing but Node: each
// must declare the doctype, the language and the charset, have a title,
// and close every element it opens (void elements excepted).
import { readFileSync } from "node:fs";

const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);

function lint(file) {
  const html = readFileSync(file, "utf8");
  const problems = [];
  if (!/^<!doctype html>/i.test(html.trimStart())) problems.push("missing <!doctype html>");
  if (!/<html[^>]*\slang="[^"]+"/i.test(html)) problems.push("<html> has no lang attribute");
  if (!/<meta[^>]*charset=/i.test(html)) problems.push("no <meta charset>");
  if (!/<title>[^<]+<\/title>/i.test(html)) problems.push("no <title>");
  const open = [];
  for (const [, closing, name] of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>/g)) {
    const tag = name.toLowerCase();
    if (VOID.has(tag)) continue;
    if (!closing) open.push(tag);
    else {
      const innermost = open.pop();
      if (innermost !== tag) problems.push(`</${tag}> closes ${innermost ? `<${innermost}>` : "nothing"}`);
    }
  }
  for (const tag of open) problems.push(`<${tag}> is never closed`);
  return problems.map((p) => `${file}: ${p}`);
}

const problems = process.argv.slice(2).flatMap(lint);
for (const problem of problems) console.error(problem);
if (problems.length > 0) process.exit(1);
console.log(`lint: ${process.argv.length - 2} page(s) clean`);
