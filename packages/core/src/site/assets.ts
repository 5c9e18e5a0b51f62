/**
 * The site's one stylesheet and one script, written as files beside the pages. The script does the two
 * things that need it: seeking the player from a transcript line (or `#t=SECONDS`), and search.
 * Its term rules must match text.ts (site.test.ts checks them against each other).
 */

export const SITE_CSS = `:root{color-scheme:light dark;--fg:#1b1b1f;--bg:#fff;--muted:#5b5b66;--line:#d8d8e0;--accent:#0b57d0;--mark:#fff3b0}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8ee;--bg:#15151a;--muted:#a0a0ad;--line:#33333d;--accent:#8ab4ff;--mark:#4a4220}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--bg);padding:4px 8px}
header.site{display:flex;flex-wrap:wrap;gap:8px 24px;align-items:center;padding:12px 16px;border-bottom:1px solid var(--line)}
header.site .home{font-weight:700;font-size:1.2rem;text-decoration:none;color:var(--fg)}
header.site form{display:flex;gap:8px;flex:1 1 280px;align-items:center}
header.site label{position:absolute;left:-999px}
input[type=search]{flex:1;min-width:0;font:inherit;padding:6px 10px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
button{font:inherit;padding:6px 12px;border-radius:6px;border:1px solid var(--line);background:var(--bg);color:var(--fg);cursor:pointer}
main,#search-results{max-width:1200px;margin:0 auto;padding:16px}
h1{font-size:1.6rem;line-height:1.25;margin:8px 0 12px;overflow-wrap:anywhere}
ul.recordings,ul.orgs{padding-left:1.2em}
ul.recordings li,ul.orgs li{margin:4px 0}
.when,.count,.org,.size,.crumbs{color:var(--muted);font-size:.9rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0 0 16px}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.watch{display:grid;gap:16px}
@media (min-width:900px){.watch{grid-template-columns:minmax(0,3fr) minmax(0,2fr);align-items:start}}
video,audio{width:100%;background:#000;border-radius:6px}
audio{background:transparent}
.transcript ol{list-style:none;margin:0;padding:0;max-height:70vh;overflow:auto;border:1px solid var(--line);border-radius:6px}
.transcript li{padding:6px 10px;border-bottom:1px solid var(--line)}
.transcript li.current{background:var(--mark)}
.transcript h2{margin-top:0}
.seek{font-variant-numeric:tabular-nums;margin-right:6px}
.speaker{font-weight:600}
.chat ol{padding-left:1.2em}.chat time{color:var(--muted);font-variant-numeric:tabular-nums}
#search-results ol{padding-left:1.2em}#search-results li{margin:10px 0}
#search-results .snippet{display:block;color:var(--muted)}
mark{background:var(--mark);color:inherit}
.no-js{color:var(--muted)}
`;

export const SITE_JS = `"use strict";
(() => {
  const root = document.body.dataset.root || "";
  const player = document.getElementById("player");

  function mark(seconds) {
    for (const li of document.querySelectorAll(".transcript li.current")) li.classList.remove("current");
    const li = document.getElementById("t-" + Math.floor(seconds));
    if (li) { li.classList.add("current"); li.scrollIntoView({ block: "nearest" }); }
  }
  function seek(seconds) {
    if (!player || !Number.isFinite(seconds)) return;
    const go = () => { player.currentTime = seconds; mark(seconds); };
    if (player.readyState >= 1) go(); else player.addEventListener("loadedmetadata", go, { once: true });
  }
  if (player) {
    document.addEventListener("click", (event) => {
      const link = event.target instanceof Element ? event.target.closest("a.seek") : null;
      if (!link) return;
      event.preventDefault();
      const seconds = Number(link.dataset.start);
      history.replaceState(null, "", "#t=" + Math.floor(seconds));
      seek(seconds);
      const playing = player.play && player.play();
      if (playing && playing.catch) playing.catch(() => {});
    });
    const fromHash = /^#t=(\\d+(?:\\.\\d+)?)$/.exec(location.hash);
    if (fromHash) seek(Number(fromHash[1]));
  }

  const input = document.getElementById("q");
  const results = document.getElementById("search-results");
  const main = document.getElementById("main");
  if (!input || !results || !main) return;

  function terms(text) {
    const found = [];
    for (const m of text.normalize("NFC").toLowerCase().replace(/i\\u0307/g, "i").matchAll(/[\\p{L}\\p{M}\\p{N}]+/gu)) {
      const term = m[0].slice(0, 40);
      if (term.length >= 2) found.push(term);
    }
    return found;
  }
  function termHash(term) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < term.length; i++) { hash ^= term.charCodeAt(i); hash = Math.imul(hash, 0x01000193) >>> 0; }
    return hash;
  }
  function shardOf(term, count) { return termHash(term) % count; }
  const cache = new Map();
  function load(path) {
    if (!cache.has(path)) {
      cache.set(path, fetch(root + path).then((r) => { if (!r.ok) throw new Error(path + ": " + r.status); return r.json(); }));
    }
    return cache.get(path);
  }
  const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

  // One shard of every segment; a recording's postings count only where its segment does not drop them.
  async function postingsOf(meta, word) {
    const found = new Map();
    const shards = await Promise.all(meta.segments.map((segment) =>
      load("search/seg/" + segment.id + "/" + shardOf(word, segment.shards).toString(16).padStart(4, "0") + ".json")));
    meta.segments.forEach((segment, i) => {
      const drop = new Set(segment.drop);
      for (const p of own(shards[i], word) ? shards[i][word] : []) if (!drop.has(p[0])) found.set(p[0], p.slice(1));
    });
    return found;
  }

  async function search(query) {
    const words = [...new Set(terms(query))];
    if (words.length === 0) return [];
    const meta = await load("search/meta.json");
    let hits = null;
    for (const word of words) {
      const found = await postingsOf(meta, word);
      if (hits === null) { hits = found; continue; }
      for (const [n, cues] of hits) {
        if (!found.has(n)) { hits.delete(n); continue; }
        const both = cues.filter((c) => found.get(n).includes(c));
        hits.set(n, both.length > 0 ? both : cues);
      }
    }
    const shown = [...hits].sort((a, b) => b[0] - a[0]).slice(0, 20);
    const results = await Promise.all(shown.map(async ([n, cues]) => {
      const page = await load("search/docs/" + Math.floor(n / meta.docsPerPage) + ".json");
      if (!own(page, String(n))) return null;
      const [id, topic, date, org] = page[String(n)];
      const cue = cues.find((c) => c >= 0);
      let snippet = null;
      if (cue !== undefined) {
        const block = await load("search/cues/" + id + "/" + Math.floor(cue / meta.cuesPerBlock) + ".json");
        snippet = block[cue % meta.cuesPerBlock] || null;
      }
      return { id, topic, date, org, snippet };
    }));
    return results.filter((hit) => hit !== null);
  }

  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children || []) node.append(child);
    return node;
  }
  function clock(seconds) {
    const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    const mm = String(m).padStart(2, "0"), ss = String(s).padStart(2, "0");
    return h > 0 ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  }
  function show(query, found) {
    results.replaceChildren();
    if (query.trim() === "") { results.hidden = true; main.hidden = false; return; }
    results.hidden = false; main.hidden = true;
    results.append(el("h2", { textContent: found.length === 0 ? "No recording matches " + JSON.stringify(query) : "Recordings matching " + JSON.stringify(query) }));
    const list = el("ol", { className: "results" });
    for (const hit of found) {
      const href = root + "rec/" + encodeURIComponent(hit.id) + ".html" + (hit.snippet ? "#t=" + hit.snippet[0] : "");
      const item = el("li", {}, [el("a", { href, textContent: hit.topic }), " ", el("span", { className: "when", textContent: hit.date + " · " + hit.org })]);
      if (hit.snippet) item.append(el("span", { className: "snippet", textContent: clock(hit.snippet[0]) + " " + hit.snippet[1] }));
      list.append(item);
    }
    results.append(list);
  }

  let latest = 0;
  async function run() {
    const query = input.value;
    const ticket = ++latest;
    try {
      const found = await search(query);
      if (ticket === latest) show(query, found);
    } catch (error) {
      if (ticket === latest) { show(query, []); results.prepend(el("p", { textContent: "Search failed: " + error.message })); }
    }
  }
  let timer;
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 120); });
  input.form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  const initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; run(); }
})();
`;
