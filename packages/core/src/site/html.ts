/**
 * HTML built only through `html\`…\``: every interpolated value is escaped unless it is itself a
 * `SafeHtml` made here, so host-chosen text (topics, names, chat, transcripts) can never become markup.
 */

/** Markup that is already safe to place in a page. Only this module makes one. */
export class SafeHtml {
  readonly #text: string;
  constructor(text: string, token: symbol) {
    if (token !== MAKER) throw new TypeError("SafeHtml is made only by html`` and joinHtml");
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

const MAKER = Symbol("SafeHtml");

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/**
 * Text made safe for element content and for quoted attribute values. Control characters other than
 * tab and newline are dropped: they have no business in a page and some confuse parsers.
 * @example
 * escapeHtml('<b title="x">'); // "&lt;b title=&quot;x&quot;&gt;"
 */
export function escapeHtml(value: string): string {
  let out = "";
  for (const c of value) {
    const code = c.charCodeAt(0);
    if ((code < 0x20 && c !== "\t" && c !== "\n" && c !== "\r") || code === 0x7f) continue;
    out += ESCAPES[c] ?? c;
  }
  return out;
}

type Part = SafeHtml | string | number | undefined | null | false | readonly Part[];

function render(part: Part): string {
  if (part === undefined || part === null || part === false) return "";
  if (part instanceof SafeHtml) return part.toString();
  if (Array.isArray(part)) return part.map((p) => render(p)).join("");
  return escapeHtml(String(part));
}

/**
 * @example
 * html`<h1>${topic}</h1>`; // the topic escaped
 */
export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? "");
  });
  return new SafeHtml(out, MAKER);
}

/** Pieces of markup joined (each escaped when it is plain text). */
export function joinHtml(parts: readonly Part[], separator = ""): SafeHtml {
  return new SafeHtml(parts.map((p) => render(p)).join(separator), MAKER);
}

/**
 * A URL path segment from stored names: every character outside the unreserved set is percent-encoded,
 * so a name cannot add a scheme, a query or a `..` step.
 */
export function urlSegment(value: string): string {
  const encoded = encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
  return encoded === "." || encoded === ".." ? encoded.replace(/\./g, "%2E") : encoded;
}
