/**
 * Preloaded with `node --import` by the lazy-loading test: records the URL of every module the process
 * imports, one per line, into the file named by ZREC_MODULE_LOG. ESM keeps no inspectable cache, so a
 * resolve hook is the one place that sees them all.
 */
import { register } from "node:module";

register("./hooks.mjs", import.meta.url, { data: { file: process.env.ZREC_MODULE_LOG } });
