/**
 * Where command output goes. stdout carries results: human text, or with --json nothing but JSON.
 * stderr carries warnings and progress. --quiet silences the human text and the warnings.
 */
import type { GlobalOptions } from "../options.js";

export interface Output {
  readonly json: boolean;
  /** A line of human text on stdout; nothing with --json or --quiet. */
  line(text?: string): void;
  /** A warning on stderr; nothing with --quiet. */
  warn(text: string): void;
  /** A remark about the run on stderr (`zrec: resumed …`); nothing with --quiet. */
  note(text: string): void;
}

export interface Streams {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * @example
 * const out = createOutput(globalOptions(command));
 * if (out.json) printJson(result); else out.line(`Ingested ${result.recording_id}`);
 */
export function createOutput(
  options: Pick<GlobalOptions, "json" | "quiet">,
  streams: Streams = process,
): Output {
  const human = !options.json && !options.quiet;
  return {
    json: options.json,
    line: (text = "") => {
      if (human) streams.stdout.write(`${escapeControl(text, "\n")}\n`);
    },
    warn: (text) => {
      if (!options.quiet) streams.stderr.write(`zrec: warning: ${escapeControl(text, "\n")}\n`);
    },
    note: (text) => {
      if (!options.quiet) streams.stderr.write(`zrec: ${escapeControl(text, "\n")}\n`);
    },
  };
}

/**
 * Host-chosen text (a topic, a name, Zoom's error message) with every C0 and C1 control character and
 * DEL written as `\\xNN` (`\\t`, `\\n`, `\\r` for those three): shown raw, `ESC]0;…BEL` retitles the
 * operator's terminal, `ESC[2J` clears it and `\\r\\n` forges a line in a cron log. `keep` names the
 * characters left alone, for text whose newlines zrec wrote itself.
 * @example
 * escapeControl("a\u001b[2Jb"); // "a\\x1b[2Jb"
 */
export function escapeControl(text: string, keep = ""): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
    out +=
      !control || keep.includes(char)
        ? char
        : (NAMED_ESCAPES[char] ?? `\\x${code.toString(16).padStart(2, "0")}`);
  }
  return out;
}

const NAMED_ESCAPES: Record<string, string> = { "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** The machine-readable result: pretty JSON on stdout (also with --quiet, since it was asked for). */
export function printJson(value: unknown, streams: Pick<Streams, "stdout"> = process): void {
  streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const MiB = 1024 * 1024;

/** Sizes as people read them: bytes below 1 KiB, then KiB, MiB, GiB with one decimal. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MiB) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  return `${(bytes / (1024 * MiB)).toFixed(1)} GiB`;
}

/**
 * Left-aligned columns separated by two spaces; the last column is not padded, so no line ends in
 * spaces. Width counts code points, which is right for the ids, dates and paths shown here.
 * @example
 * formatTable(["id", "files"], [["0a72…", "3"]]);
 */
export function formatTable(headers: string[], rows: string[][]): string {
  // A cell is one line: its own newlines are escaped, so a value cannot start a row of its own.
  const all = [headers, ...rows].map((row) => row.map((cell) => escapeControl(cell)));
  const widths = headers.map((_, column) => Math.max(...all.map((row) => [...(row[column] ?? "")].length)));
  return all
    .map((row) =>
      row
        .map((cell, column) =>
          column === row.length - 1 ? cell : cell + " ".repeat((widths[column] ?? 0) - [...cell].length),
        )
        .join("  "),
    )
    .join("\n");
}

/** `resumed 0a72…/shared_screen.mp4 at 256 MiB of 384 MiB`: a copy that reuses an interrupted one's parts. */
export function resumedLine(event: { key: string; from: number; total: number }): string {
  return `resumed ${event.key} at ${formatBytes(event.from)} of ${formatBytes(event.total)}`;
}
