import { describe, expect, it } from "vitest";
import { DOCUMENT_FIELDS, FILE_FIELDS, isKnownValidDocument } from "./document-check.js";
import { documentSchemas } from "./document-schema.js";

const { document: documentSchema, file: fileSchema, disposition: dispositionSchema } = documentSchemas();

const ID = "0a7203ad-04ac-45d8-bd6d-6a778f226c65";

/** As the older system wrote it. */
function legacyDocument(): Record<string, unknown> {
  return {
    recording_id: ID,
    recording_path: "olf/tech-coordinator-s-personal-meeting-room/2022-01-23T10:30",
    meeting_uuid: "CnIDrQSsRdi9bWp3jyJsZQ==",
    parent_meeting_uuid: "lJGvQ8a5RhW3Mt5mbUmUfg==",
    meeting_id: 7816381929,
    meeting_topic: "OLF Tech Coordinator's Personal Meeting Room",
    password: "",
    host_id: "OU54QJ6tRoGM55Rlt8YiQg",
    organization: "OLF",
    start_time: "2022-01-23T15:31:56Z",
    end_time: "2022-01-23T15:34:28Z",
    files: [
      {
        recording_type: "timeline",
        s3_url: `https://bucket.s3.amazonaws.com/${ID}/timeline.vtt`,
        etag: '"def"',
        zoom_file_size: null,
        mime_type: "text/vtt",
      },
    ],
  };
}

/** As zrec writes it: every optional field, and one neither system knows. */
function zrecDocument(): Record<string, unknown> {
  return {
    ...legacyDocument(),
    schema_version: 1,
    ingested_at: "2024-07-04T18:00:00.000Z",
    zoom_account: "default",
    zoom_trashed_at: "2024-07-04T18:01:00.000Z",
    disposition: { action: "delete", after: "2025-01-31", note: "kept" },
    files: [
      {
        recording_type: "audio_only",
        s3_url: `https://bucket.s3.amazonaws.com/${ID}/audio_only.m4a`,
        etag: '"abc-1"',
        zoom_file_size: 2183386,
        mime_type: "audio/m4a",
        key: `${ID}/audio_only.m4a`,
        size: 2183386,
        sha256: "0".repeat(64),
        file_type: "M4A",
        recording_start: "2024-07-04T17:00:00Z",
        recording_end: "2024-07-04T17:30:00Z",
        zoom_file_id: "83ea5b26-2005-4d6f-9b6f-73e6db52488a",
      },
    ],
    extra_field: { kept: true },
  };
}

const known = (fields: Record<string, readonly string[]>) => Object.values(fields).flat().sort();

/** Values that are right in some field and wrong in most: kinds, edge numbers, dates, ids. */
const CANDIDATES: unknown[] = [
  undefined,
  null,
  "",
  "text",
  "2025-01-31",
  "2025-02-30",
  "31/01/2025",
  ID,
  ID.toUpperCase(),
  "delete",
  "keep",
  "unpublish",
  "remove",
  0,
  -1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  {},
  [],
  [{}],
  new Date(0),
];

function set(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

describe("isKnownValidDocument", () => {
  it("knows exactly the fields the schema has (a new field must be checked here too)", () => {
    expect(known(DOCUMENT_FIELDS)).toEqual(Object.keys(documentSchema.shape).sort());
    expect(known(FILE_FIELDS)).toEqual(Object.keys(fileSchema.shape).sort());
    expect(Object.keys(dispositionSchema.shape).sort()).toEqual(["action", "after"]);
  });

  it("says yes to the documents either system writes, so they skip zod's parse", () => {
    const withoutFiles = legacyDocument();
    delete withoutFiles.files;
    for (const document of [
      legacyDocument(),
      zrecDocument(),
      withoutFiles,
      { ...legacyDocument(), files: null },
    ]) {
      expect(isKnownValidDocument(document)).toBe(true);
      expect(documentSchema.safeParse(document).success).toBe(true);
    }
  });

  it("never says yes where the schema says no, whatever value any field holds", () => {
    const mutants: Record<string, unknown>[] = [];
    for (const base of [legacyDocument, zrecDocument]) {
      for (const value of CANDIDATES) {
        for (const key of [...known(DOCUMENT_FIELDS), "extra_field"]) {
          const document = base();
          set(document, key, value);
          mutants.push(document);
        }
        for (const key of known(FILE_FIELDS)) {
          const document = base();
          set((document.files as Record<string, unknown>[])[0] as Record<string, unknown>, key, value);
          mutants.push(document);
        }
        for (const key of ["action", "after"]) {
          const document = zrecDocument();
          set(document.disposition as Record<string, unknown>, key, value);
          mutants.push(document);
        }
        const document = base();
        document.files = [value];
        mutants.push(document);
      }
    }
    for (const notObject of CANDIDATES) mutants.push(notObject as Record<string, unknown>);
    mutants.push(Object.assign(Object.create(null), legacyDocument()));

    let agreedYes = 0;
    for (const mutant of mutants) {
      if (!isKnownValidDocument(mutant)) continue;
      expect(documentSchema.safeParse(mutant).success, JSON.stringify(mutant)).toBe(true);
      agreedYes += 1;
    }
    // The test is worth something only if both answers came up.
    expect(agreedYes).toBeGreaterThan(50);
    expect(agreedYes).toBeLessThan(mutants.length - 500);
  });
});
