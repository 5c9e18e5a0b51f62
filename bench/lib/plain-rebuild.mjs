#!/usr/bin/env node
/**
 * The plain loop issue #18 measures `zrec rebuild-db` against, run as a process of its own:
 * `node plain-rebuild.mjs ROOT DB`. One listing of the folder, then for each recording folder read its
 * recording_document.json, JSON.parse it and insert it into SQLite with the project's better-sqlite3,
 * all in one transaction. No validation, no error handling beyond skipping a folder without a
 * document, a two-column table without secondary indexes: the least any rebuild has to do.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(new URL("../../packages/core/package.json", import.meta.url));
const Database = require("better-sqlite3");

const [root, file] = process.argv.slice(2);
const db = new Database(file);
db.pragma("journal_mode = WAL");
db.exec("CREATE TABLE IF NOT EXISTS recordings (recording_id TEXT PRIMARY KEY, document TEXT NOT NULL)");
const insert = db.prepare("INSERT OR REPLACE INTO recordings (recording_id, document) VALUES (?, ?)");
let count = 0;
db.transaction(() => {
  for (const name of readdirSync(root)) {
    let text;
    try {
      text = readFileSync(path.join(root, name, "recording_document.json"), "utf8");
    } catch {
      continue;
    }
    const document = JSON.parse(text);
    insert.run(document.recording_id, JSON.stringify(document));
    count += 1;
  }
})();
db.close();
process.stdout.write(`${count}\n`);
