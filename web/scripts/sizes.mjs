// Prints the size of every JavaScript and CSS chunk in dist/assets, raw and gzipped, and writes
// the same table to dist/sizes.json (run after `vite build`; docs/web.md quotes it).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const dir = new URL("../dist/assets/", import.meta.url).pathname;
const rows = readdirSync(dir)
  .filter((name) => name.endsWith(".js") || name.endsWith(".css"))
  .map((name) => {
    const bytes = readFileSync(join(dir, name));
    return { name, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  })
  .sort((a, b) => b.bytes - a.bytes);
const kib = (n) => (n / 1024).toFixed(1).padStart(8);
console.log("bundle: chunk                                   raw KiB  gzip KiB");
for (const row of rows) {
  console.log(`bundle: ${row.name.padEnd(40)}${kib(row.bytes)}${kib(row.gzip)}`);
}
const total = rows.reduce((sum, row) => ({ bytes: sum.bytes + row.bytes, gzip: sum.gzip + row.gzip }), { bytes: 0, gzip: 0 });
console.log(`bundle: ${"total".padEnd(40)}${kib(total.bytes)}${kib(total.gzip)}`);
writeFileSync(new URL("../dist/sizes.json", import.meta.url), JSON.stringify({ chunks: rows, total }, null, 2));
