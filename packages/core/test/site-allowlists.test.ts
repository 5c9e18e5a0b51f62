/**
 * The nginx configuration and the S3 bucket policy docs/site.md gives for publishing a folder store or
 * a bucket: read from the guide as written and applied to every name ingest gives a recording's files
 * and their metadata. Each file the site links must be served (a Zoom summary is JSON too); no
 * metadata (passcodes, join URLs, host emails) may be.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { planFileNames } from "../src/recording/files.js";
import type { ZoomRecordingFile } from "../src/zoom/types.js";

const guide = readFileSync(fileURLToPath(new URL("../../../docs/site.md", import.meta.url)), "utf8");
const ID = "0a7203ad-04ac-45d8-bd6d-6a778f226c65";

/** Two files of every type zrec names (a paused and resumed recording has `-2`s), with Zoom's types. */
function recordingFiles(): ZoomRecordingFile[] {
  const types: [string, string | undefined][] = [
    ["MP4", "shared_screen_with_speaker_view"],
    ["M4A", "audio_only"],
    ["TIMELINE", undefined],
    ["TRANSCRIPT", undefined],
    ["CC", undefined],
    ["CHAT", undefined],
    ["CSV", "poll"],
    ["SUMMARY", undefined],
    // What Zoom never sends and a crafted event could: its metadata must not get a summary's name.
    ["M4A", "summary"],
  ];
  return types.flatMap(([fileType, recordingType], index) =>
    [1, 2].map((n) => ({
      id: `file-${index}-${n}`,
      file_type: fileType,
      ...(recordingType ? { recording_type: recordingType } : {}),
      recording_start: `2025-02-03T15:0${n}:00Z`,
      download_url: "https://zoom.us/rec/download/x",
      status: "completed",
    })),
  );
}

const planned = planFileNames(recordingFiles());
const served = planned.map((file) => file.fileName);
const metadata = [
  ...planned.map((file) => file.metadataName),
  "recording_document.json",
  "meeting.json",
  "past_meeting.json",
  "webinar.json",
  "past_webinar.json",
  "recording.json",
];

/** The fenced block of `language` that contains `marker`. */
function block(language: string, marker: string): string {
  for (const match of guide.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, "g"))) {
    if (match[1]?.includes(marker)) return match[1];
  }
  throw new Error(`docs/site.md has no ${language} block with ${marker}`);
}

/**
 * nginx's choice of location for `uri` (exact, then the longest prefix, which `^~` makes final, then
 * the regular expressions in order, then that prefix), and whether it serves: a block that returns
 * nothing serves the file.
 */
function nginxServes(config: string, uri: string): boolean {
  const locations = [...config.matchAll(/location\s+(=|\^~|~\*?)?\s*(\S+)\s*\{([^}]*)\}/g)].map((m) => ({
    modifier: m[1] ?? "",
    pattern: m[2] ?? "",
    serves: !/return\s+\d+/.test(m[3] ?? ""),
  }));
  const exact = locations.find((l) => l.modifier === "=" && l.pattern === uri);
  if (exact) return exact.serves;
  const prefix = locations
    .filter((l) => (l.modifier === "" || l.modifier === "^~") && uri.startsWith(l.pattern))
    .sort((a, b) => b.pattern.length - a.pattern.length)[0];
  if (prefix?.modifier === "^~") return prefix.serves;
  for (const l of locations) {
    if (l.modifier.startsWith("~") && new RegExp(l.pattern, l.modifier === "~*" ? "i" : "").test(uri)) {
      return l.serves;
    }
  }
  return prefix?.serves ?? false;
}

/** Whether the policy's `Resource` patterns (`*` any run, `?` one character) grant `key`. */
function s3Grants(policy: string, key: string): boolean {
  const resources = (JSON.parse(policy) as { Statement: { Resource: string[] }[] }).Statement.flatMap(
    (statement) => statement.Resource,
  );
  return resources.some((resource) => {
    const pattern = resource.replace("arn:aws:s3:::BUCKET/PREFIX", "");
    const regex = pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    return new RegExp(`^${regex}$`).test(key);
  });
}

describe("docs/site.md's nginx configuration and S3 bucket policy", () => {
  const nginx = block("nginx", "server_name");
  const policy = block("json", "s3:GetObject");
  /** Whether both publish the recording file `name`. */
  const publishes = (name: string) => ({
    nginx: nginxServes(nginx, `/${ID}/${name}`),
    s3: s3Grants(policy, `${ID}/${name}`),
  });

  it("serve every file a recording's page links, a summary's JSON too", () => {
    expect(served).toContain("summary.json");
    expect(served).toContain("summary-2.json");
    for (const name of served) expect(publishes(name), name).toEqual({ nginx: true, s3: true });
    expect(nginxServes(nginx, "/site/index.html")).toBe(true);
    expect(s3Grants(policy, "site/index.html")).toBe(true);
  });

  it("serve no metadata, the index, the outbox or the site's manifest", () => {
    expect(metadata).toContain("summary.metadata.json");
    expect(metadata).toContain("timeline.json");
    for (const name of metadata) expect(publishes(name), name).toEqual({ nginx: false, s3: false });
    for (const path of ["/index.db", "/outbox.jsonl", "/site/build.json", "/.zrec-tmp/x"]) {
      expect(nginxServes(nginx, path), path).toBe(false);
    }
  });
});
