/**
 * What a build writes about many recordings at once: the search index's docs pages (number -> what a
 * result shows) and the listing pages (home, one per organisation). An incremental build rewrites only
 * those a changed or withdrawn recording is on.
 */
import type { RecordingDocument } from "../recording/document.js";
import { type Manifest, shortHash } from "./manifest.js";
import type { SiteOutput } from "./output.js";
import { homePage, organizationPage, organizationPagePath, type SiteContext, searchPage } from "./pages.js";
import { localTime } from "./recording-view.js";
import { DOCS_PER_PAGE, type DocsPage, docsPagePath } from "./search-index.js";

interface Changes {
  /** Newest first. */
  published: RecordingDocument[];
  prev: Manifest;
  changed: RecordingDocument[];
  withdrawn: string[];
  full: boolean;
}

export async function writeDocsPages(
  output: SiteOutput,
  options: Changes & { numbers: Map<string, number>; timezone: string },
): Promise<void> {
  const { published, numbers, prev, changed, withdrawn, full } = options;
  const pageOf = (n: number) => Math.floor(n / DOCS_PER_PAGE);
  const touched = new Set<number>();
  for (const doc of full ? published : changed) touched.add(pageOf(numbers.get(doc.recording_id) as number));
  for (const id of withdrawn) touched.add(pageOf((prev.recordings[id] as { n: number }).n));
  const byNumber = new Map(published.map((d) => [numbers.get(d.recording_id) as number, d]));
  for (const page of touched) {
    const entries: DocsPage = {};
    for (let n = page * DOCS_PER_PAGE; n < (page + 1) * DOCS_PER_PAGE; n++) {
      const doc = byNumber.get(n);
      if (!doc) continue;
      const local = localTime(doc.start_time, options.timezone);
      entries[n] = [
        doc.recording_id,
        doc.meeting_topic,
        local ? `${local.text} ${local.zone}` : "",
        doc.organization,
      ];
    }
    const file = docsPagePath(page * DOCS_PER_PAGE);
    if (Object.keys(entries).length > 0) await output.write(file, JSON.stringify(entries));
    else await output.delete(file);
  }
}

/**
 * Home always when anything changed; an organisation's page when one of its recordings did. A page
 * whose bytes are what the last build wrote is not written again. Returns the pages' hashes.
 */
export async function writeListings(
  output: SiteOutput,
  options: Changes & { ctx: SiteContext },
): Promise<Record<string, string>> {
  const { published, prev, changed, withdrawn, full, ctx } = options;
  const pages: Record<string, string> = full ? {} : { ...prev.pages };
  const putPage = async (file: string, body: string) => {
    const h = shortHash(body);
    if (!full && prev.pages[file] === h) return;
    pages[file] = h;
    await output.write(file, body);
  };
  // Organisations are one whatever their case (as site.organizations matches them): "OLF" and "olf"
  // share a page, named the way the newest recording spells it, rather than overwrite each other's.
  const orgs = new Set<string>();
  for (const doc of changed) orgs.add(doc.organization.toLowerCase());
  for (const id of [...changed.map((d) => d.recording_id), ...withdrawn]) {
    const old = prev.recordings[id];
    if (old) orgs.add(old.org.toLowerCase());
  }
  for (const org of orgs) {
    const docs = published.filter((d) => d.organization.toLowerCase() === org);
    const file = organizationPagePath(org);
    const name = docs[0]?.organization ?? org;
    if (docs.length > 0) await putPage(file, organizationPage(name, docs, ctx));
    else if (pages[file] !== undefined) {
      delete pages[file];
      await output.delete(file);
    }
  }
  await putPage("index.html", homePage(published, ctx));
  await putPage("search.html", searchPage(ctx));
  return pages;
}
