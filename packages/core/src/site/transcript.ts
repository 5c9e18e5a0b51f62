/**
 * Reading what was said: Zoom's transcript (WebVTT, one cue per utterance, "Name: words") and its chat
 * file (plain text, one message per "HH:MM:SS From Name to Whom: words" line). Both are host-controlled
 * input, so sizes are bounded and anything that does not parse is kept as plain text or left out,
 * never an error that stops a build.
 */

export interface Cue {
  /** Seconds from the start of the recording. */
  start: number;
  speaker?: string;
  text: string;
}

export interface ChatMessage {
  /** Seconds from the start, when the line carried a time. */
  at?: number;
  sender?: string;
  text: string;
}

/** More than this many cues or messages is not a real meeting; the rest is left off the page. */
const MAX_CUES = 20_000;
const MAX_TEXT = 2_000;
const TIME = /^(?:(\d{1,3}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$/;

/**
 * @example
 * parseSeconds("01:02:03.500"); // 3723.5
 */
export function parseSeconds(value: string): number | undefined {
  const match = TIME.exec(value.trim());
  if (!match) return undefined;
  const [, h = "0", m = "0", s = "0", ms = "0"] = match;
  return Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(ms.padEnd(3, "0")) / 1000;
}

/** "1:02:03" or "02:03": how a time stamp is shown. */
export function formatSeconds(total: number): string {
  const whole = Math.max(0, Math.floor(total));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function splitSpeaker(text: string): { speaker?: string; text: string } {
  const match = /^([^:\n]{1,80}):\s+(.*)$/s.exec(text);
  return match?.[1] && match[2] ? { speaker: match[1].trim(), text: match[2] } : { text };
}

/**
 * The cues of a WebVTT file, in file order.
 * @example
 * parseTranscript("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nAda: Hello")[0]; // { start: 1, speaker: "Ada", text: "Hello" }
 */
export function parseTranscript(vtt: string): Cue[] {
  const cues: Cue[] = [];
  for (const block of vtt.replace(/\r\n?/g, "\n").split(/\n{2,}/)) {
    if (cues.length >= MAX_CUES) break;
    const lines = block.split("\n");
    const timing = lines.findIndex((line) => line.includes("-->"));
    if (timing < 0) continue;
    const start = parseSeconds((lines[timing] ?? "").split("-->")[0] ?? "");
    const text = lines
      .slice(timing + 1)
      .join(" ")
      // Cue markup (<v Name>, <b>, <00:01.000>) is not shown as such: the page escapes text, so drop
      // the tags, but only tags: a "<" that starts none ("if x < 5") is text.
      .replace(/<\/?(?:[a-z][^<>]{0,200}|\d[\d:.]{0,20})>/gi, "")
      .replace(/&(amp|lt|gt|nbsp|lrm|rlm|quot|apos|#\d{1,7}|#x[\da-f]{1,6});/gi, decodeEntity)
      .trim()
      .slice(0, MAX_TEXT);
    if (start === undefined || text === "") continue;
    cues.push({ start, ...splitSpeaker(text) });
  }
  return cues;
}

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  nbsp: " ",
  lrm: "\u200e",
  rlm: "\u200f",
  quot: '"',
  apos: "'",
};

/** WebVTT escapes "&", "<" and ">" in cue text; searching for "amp" must not find every "Q&A". */
function decodeEntity(whole: string, name: string): string {
  const lower = name.toLowerCase();
  if (!lower.startsWith("#")) return ENTITIES[lower] ?? whole;
  const code = lower.startsWith("#x") ? Number.parseInt(lower.slice(2), 16) : Number(lower.slice(1));
  // Control characters and unpaired surrogates are not text; the page would show them as garbage.
  const printable = code >= 0x20 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) && code !== 0x7f;
  return printable ? String.fromCodePoint(code) : whole;
}

const CHAT_LINE = /^(\d{1,2}:\d{2}:\d{2})\s+From\s+(.{1,200}?)\s*:\s?(.*)$/;

/**
 * Zoom's chat file: older files put the message on the time stamp's line, newer ones on the lines that
 * follow it (indented with a tab). Lines that are neither are kept as messages of their own.
 */
export function parseChat(text: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const raw of text.replace(/\r\n?/g, "\n").split("\n")) {
    if (messages.length >= MAX_CUES) break;
    const line = raw.trimEnd();
    if (line.trim() === "") continue;
    const header = CHAT_LINE.exec(line);
    if (header) {
      const [, time = "", sender = "", rest = ""] = header;
      const at = parseSeconds(time);
      messages.push({ ...(at === undefined ? {} : { at }), sender: sender.trim(), text: rest.trim() });
      continue;
    }
    const last = messages.at(-1);
    if (last && /^\s/.test(raw)) {
      last.text = `${last.text} ${line.trim()}`.trim().slice(0, MAX_TEXT);
    } else {
      messages.push({ text: line.trim().slice(0, MAX_TEXT) });
    }
  }
  return messages;
}
