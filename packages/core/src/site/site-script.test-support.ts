/** The site's browser script, for core's own tests that run its functions in Node. */
import { SITE_JS } from "./assets.js";

/** A function of the site's script, lifted out by name (the script exposes nothing) for a test to run. */
export function siteScriptFunction(name: string): string {
  const found = SITE_JS.indexOf(`function ${name}(`);
  if (found < 0) throw new Error(`${name} not found in site.js`);
  const start = SITE_JS.slice(0, found).endsWith("async ") ? found - "async ".length : found;
  let depth = 0;
  for (let i = SITE_JS.indexOf("{", start); i < SITE_JS.length; i++) {
    if (SITE_JS[i] === "{") depth++;
    if (SITE_JS[i] === "}" && --depth === 0) return SITE_JS.slice(start, i + 1);
  }
  throw new Error(`${name} has no end in site.js`);
}
