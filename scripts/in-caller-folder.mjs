// `pnpm zrec …` and `pnpm zoom-sim …` run root scripts in the workspace root; a user typing them in
// another folder means that folder (its zrec.config.json, its relative paths). pnpm and npm pass the
// folder they were started in as INIT_CWD. Usage: node … scripts/in-caller-folder.mjs <entry> [args…]
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write("usage: node scripts/in-caller-folder.mjs <entry> [args…]\n");
  process.exit(2);
}
const target = pathToFileURL(resolve(entry)).href;
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
// The entry sees the argv it would have had if run directly.
process.argv = [process.argv[0] ?? "node", entry, ...args];
await import(target);
