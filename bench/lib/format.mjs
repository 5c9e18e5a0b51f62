/** Numbers and Markdown tables for the report. */

export const KiB = 1024;
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** `128 MiB`, `1 GiB`. */
export function size(bytes) {
  return bytes >= GiB && bytes % GiB === 0 ? `${bytes / GiB} GiB` : `${+(bytes / MiB).toFixed(1)} MiB`;
}

export function fixed(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : "–";
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A Markdown table; numbers right-aligned. */
export function table(headers, rows) {
  const align = headers.map((_, i) =>
    rows.every((row) => /^[-+]?[\d.,–]+( ?[a-zA-Z/%×]+)?$/.test(String(row[i]))) ? "---:" : "---",
  );
  return [headers, align, ...rows].map((row) => `| ${row.join(" | ")} |`).join("\n");
}

/** One target line: `met` / `NOT MET`, what was asked, what was measured. */
export function target(name, met, measured) {
  return { name, met, measured };
}

export function targetLines(targets) {
  return targets.map((t) => `- ${t.met ? "met" : "**not met**"}: ${t.name} (${t.measured})`).join("\n");
}
