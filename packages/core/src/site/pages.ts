/**
 * The pages: home (recent recordings, the organisations), one per organisation (by year and month, a
 * meeting's instances together), one per recording (player, captions, transcript, chat, downloads,
 * facts), and the search page. Everything host-chosen goes through html`` and is escaped there.
 */
import type { RecordingDocument, RecordingFileEntry } from "../recording/document.js";
import { html, joinHtml, type SafeHtml, urlSegment } from "./html.js";
import { page } from "./layout.js";
import {
  durationMinutes,
  fileName,
  localTime,
  organizationSlug,
  playerFile,
  transcriptFile,
} from "./recording-view.js";
import { type ChatMessage, type Cue, formatSeconds } from "./transcript.js";

export interface SiteContext {
  title: string;
  timezone: string;
  /**
   * Where a recording's files are, seen from the site's root: "../" for a site inside the store, or
   * site.mediaBaseUrl with a trailing slash.
   */
  mediaBase: string;
  mediaOrigin?: string;
}

export interface RecordingExtras {
  cues: Cue[];
  chat: ChatMessage[];
  hostName?: string;
}

const RECENT = 20;
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

export function recordingPagePath(id: string): string {
  return `rec/${id}.html`;
}

export function organizationPagePath(organization: string): string {
  return `org/${organizationSlug(organization)}.html`;
}

/** A media URL as seen from a page `root` away from the site's root. */
function mediaUrl(ctx: SiteContext, root: string, doc: RecordingDocument, file: RecordingFileEntry) {
  const base = /^https?:/.test(ctx.mediaBase) ? ctx.mediaBase : `${root}${ctx.mediaBase}`;
  return `${base}${urlSegment(doc.recording_id)}/${urlSegment(fileName(doc, file))}`;
}

function when(doc: RecordingDocument, ctx: SiteContext): SafeHtml {
  const local = localTime(doc.start_time, ctx.timezone);
  return local
    ? html`<time datetime="${doc.start_time}">${local.text} ${local.zone}</time>`
    : html`date unknown`;
}

function topicOf(doc: RecordingDocument): string {
  return doc.meeting_topic.trim() === "" ? "(no topic)" : doc.meeting_topic;
}

function recordingLink(doc: RecordingDocument, ctx: SiteContext, root: string): SafeHtml {
  return html`<a href="${root}${recordingPagePath(doc.recording_id)}">${topicOf(doc)}</a> <span class="when">${when(doc, ctx)}</span>`;
}

export function homePage(published: RecordingDocument[], ctx: SiteContext): string {
  // One entry per organisation whatever its case, spelt as its newest recording spells it.
  const counts = new Map<string, [name: string, count: number]>();
  for (const doc of published) {
    const key = doc.organization.toLowerCase();
    const [name, count] = counts.get(key) ?? [doc.organization, 0];
    counts.set(key, [name, count + 1]);
  }
  const organizations = [...counts.values()].sort(([a], [b]) => a.localeCompare(b));
  const recent = published.slice(0, RECENT);
  const body = html`<h1>${ctx.title}</h1>
<section aria-labelledby="orgs"><h2 id="orgs">Organisations</h2>
${
  organizations.length === 0
    ? html`<p>Nothing is published yet.</p>`
    : html`<ul class="orgs">${organizations.map(
        ([name, count]) =>
          html`<li><a href="${organizationPagePath(name)}">${name}</a> <span class="count">${count} ${count === 1 ? "recording" : "recordings"}</span></li>`,
      )}</ul>`
}
</section>
<section aria-labelledby="recent"><h2 id="recent">Recent recordings</h2>
<ul class="recordings">${recent.map(
    (doc) => html`<li>${recordingLink(doc, ctx, "")} <span class="org">${doc.organization}</span></li>`,
  )}</ul>
</section>`;
  return page({ siteTitle: ctx.title, root: "", body });
}

/** Year, then month, then a meeting's instances together (meetings in order of their latest instance). */
export function organizationPage(organization: string, docs: RecordingDocument[], ctx: SiteContext): string {
  const years = new Map<string, Map<string, RecordingDocument[]>>();
  for (const doc of docs) {
    const local = localTime(doc.start_time, ctx.timezone);
    const year = local?.year ?? "Undated";
    const month = local ? (MONTHS[Number(local.month) - 1] ?? local.month) : "";
    const months = years.get(year) ?? new Map<string, RecordingDocument[]>();
    years.set(year, months);
    months.set(month, [...(months.get(month) ?? []), doc]);
  }
  const monthSection = (year: string, month: string, list: RecordingDocument[]) => {
    const meetings = new Map<string, RecordingDocument[]>();
    for (const doc of list) {
      const key = `${doc.meeting_id}:${doc.meeting_topic}`;
      meetings.set(key, [...(meetings.get(key) ?? []), doc]);
    }
    return html`<section><h3>${month} ${year}</h3><ul class="recordings">${[...meetings.values()].map(
      (instances) => {
        const [first] = instances;
        if (!first) return "";
        if (instances.length === 1) return html`<li>${recordingLink(first, ctx, "../")}</li>`;
        return html`<li class="series"><span class="topic">${topicOf(first)}</span> <span class="count">${instances.length} recordings</span><ul>${instances.map(
          (doc) => html`<li><a href="../${recordingPagePath(doc.recording_id)}">${when(doc, ctx)}</a></li>`,
        )}</ul></li>`;
      },
    )}</ul></section>`;
  };
  const body = html`<nav class="crumbs" aria-label="Breadcrumb"><a href="../index.html">Home</a></nav>
<h1>${organization}</h1>
${[...years].map(
  ([year, months]) =>
    html`<section aria-label="${year}"><h2>${year}</h2>${[...months].map(([month, list]) => monthSection(year, month, list))}</section>`,
)}`;
  return page({ siteTitle: ctx.title, title: organization, root: "../", body });
}

function humanSize(bytes: number | undefined | null): string {
  if (typeof bytes !== "number" || !Number.isFinite(bytes)) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

function fileLabel(file: RecordingFileEntry): string {
  return file.recording_type.replace(/_/g, " ");
}

function player(doc: RecordingDocument, ctx: SiteContext, hasCues: boolean): SafeHtml {
  const media = playerFile(doc);
  if (!media) return html`<p>This recording has no video or audio.</p>`;
  const captions = transcriptFile(doc);
  const cross = ctx.mediaOrigin ? html` crossorigin="anonymous"` : "";
  const track =
    captions && hasCues
      ? html`<track kind="captions" src="${mediaUrl(ctx, "../", doc, captions)}" srclang="en" label="Transcript" default>`
      : "";
  const src = mediaUrl(ctx, "../", doc, media);
  const fallback = html`<p>Your browser cannot play this here: <a href="${src}">download it</a>.</p>`;
  return media.mime_type === "video/mp4"
    ? html`<video id="player" controls preload="metadata" playsinline${cross} src="${src}">${track}${fallback}</video>`
    : html`<audio id="player" controls preload="metadata"${cross} src="${src}">${track}${fallback}</audio>`;
}

function transcript(cues: Cue[]): SafeHtml {
  if (cues.length === 0) return html``;
  return html`<section class="transcript" aria-labelledby="transcript-h"><h2 id="transcript-h">Transcript</h2>
<ol class="cues">${cues.map((cue) => {
    const seconds = Math.floor(cue.start);
    return html`<li id="t-${seconds}"><a class="seek" href="#t=${seconds}" data-start="${cue.start}"><time>${formatSeconds(cue.start)}</time></a> ${cue.speaker ? html`<span class="speaker">${cue.speaker}:</span> ` : ""}<span class="said">${cue.text}</span></li>`;
  })}</ol></section>`;
}

function chat(messages: ChatMessage[]): SafeHtml {
  if (messages.length === 0) return html``;
  return html`<section class="chat" aria-labelledby="chat-h"><h2 id="chat-h">Chat</h2>
<ol>${messages.map(
    (m) =>
      html`<li>${m.at === undefined ? "" : html`<time>${formatSeconds(m.at)}</time> `}${m.sender ? html`<span class="speaker">${m.sender}:</span> ` : ""}${m.text}</li>`,
  )}</ol></section>`;
}

export function recordingPage(doc: RecordingDocument, extras: RecordingExtras, ctx: SiteContext): string {
  const minutes = durationMinutes(doc);
  const facts = joinHtml([
    html`<dt>Date</dt><dd>${when(doc, ctx)}</dd>`,
    minutes === undefined ? "" : html`<dt>Duration</dt><dd>${minutes} min</dd>`,
    html`<dt>Host</dt><dd>${extras.hostName ?? doc.host_id}</dd>`,
    html`<dt>Organisation</dt><dd><a href="../${organizationPagePath(doc.organization)}">${doc.organization}</a></dd>`,
  ]);
  const downloads = doc.files.map(
    (file) =>
      html`<li><a href="${mediaUrl(ctx, "../", doc, file)}" download>${fileLabel(file)}</a> <span class="size">${humanSize(file.size ?? file.zoom_file_size)}</span></li>`,
  );
  const body = html`<nav class="crumbs" aria-label="Breadcrumb"><a href="../index.html">Home</a> › <a href="../${organizationPagePath(doc.organization)}">${doc.organization}</a></nav>
<article class="recording">
<h1>${topicOf(doc)}</h1>
<dl class="facts">${facts}</dl>
<div class="watch">
<div class="media">${player(doc, ctx, extras.cues.length > 0)}</div>
${transcript(extras.cues)}
</div>
${chat(extras.chat)}
<section class="downloads" aria-labelledby="downloads-h"><h2 id="downloads-h">Downloads</h2><ul>${downloads}</ul></section>
</article>`;
  return page({
    siteTitle: ctx.title,
    title: topicOf(doc),
    root: "../",
    body,
    ...(ctx.mediaOrigin ? { mediaOrigin: ctx.mediaOrigin } : {}),
  });
}

export function searchPage(ctx: SiteContext): string {
  const body = html`<h1>Search</h1>
<p class="no-js">Searching needs JavaScript. Every recording is also listed on the <a href="index.html">home page</a>.</p>`;
  return page({ siteTitle: ctx.title, title: "Search", root: "", body });
}
