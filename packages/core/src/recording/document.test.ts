import { thrownBy } from "@zrec/test-utils/thrown";
import { describe, expect, it } from "vitest";
import { DocumentError } from "../errors.js";
import { documentContentHash, type RecordingDocument, validateDocument } from "./document.js";

/** A document as the older system wrote it: no schema_version, no per-file key. */
function legacyDocument(): Record<string, unknown> {
  return {
    recording_id: "0a7203ad-04ac-45d8-bd6d-6a778f226c65",
    recording_path: "olf/tech-coordinator-s-personal-meeting-room/2022-01-23T10:30",
    meeting_uuid: "CnIDrQSsRdi9bWp3jyJsZQ==",
    parent_meeting_uuid: "lJGvQ8a5RhW3Mt5mbUmUfg==",
    organization: "OLF",
    meeting_id: 7816381929,
    meeting_topic: "OLF Tech Coordinator's Personal Meeting Room",
    start_time: "2022-01-23T15:31:56Z",
    end_time: "2022-01-23T15:34:28Z",
    password: "+6gCkMFr",
    host_id: "OU54QJ6tRoGM55Rlt8YiQg",
    files: [
      {
        recording_type: "audio_only",
        s3_url: "https://bucket.s3.amazonaws.com/0a7203ad-04ac-45d8-bd6d-6a778f226c65/audio_only.m4a",
        etag: '"abc-1"',
        zoom_file_size: 2183386,
        mime_type: "audio/m4a",
      },
      {
        recording_type: "timeline",
        s3_url: "https://bucket.s3.amazonaws.com/0a7203ad-04ac-45d8-bd6d-6a778f226c65/timeline.vtt",
        etag: '"def"',
        zoom_file_size: null,
        mime_type: "text/vtt",
      },
    ],
  };
}

function zrecDocument(): Record<string, unknown> {
  const doc = legacyDocument();
  return {
    ...doc,
    schema_version: 1,
    ingested_at: "2024-07-04T18:00:00.000Z",
    zoom_account: "default",
    disposition: { action: "delete", after: "2025-01-31", note: "kept" },
    files: (doc.files as Record<string, unknown>[]).map((file) => ({
      ...file,
      key: "0a7203ad-04ac-45d8-bd6d-6a778f226c65/audio_only.m4a",
      size: 2183386,
      sha256: "0".repeat(64),
      zoom_file_id: "83ea5b26-2005-4d6f-9b6f-73e6db52488a",
    })),
    extra_field: { kept: true },
  };
}

const errorOf = (value: unknown, source?: string) =>
  thrownBy(DocumentError, () => validateDocument(value, source));

describe("validateDocument", () => {
  it("accepts a document of the older system", () => {
    const doc = legacyDocument();
    expect(validateDocument(doc)).toEqual(doc);
  });

  it("accepts zrec's new fields and keeps unknown ones", () => {
    const doc = zrecDocument();
    expect(validateDocument(doc, "x.json")).toEqual(doc);
  });

  it("keeps fields neither system knows, in file entries too", () => {
    const doc = legacyDocument();
    const files = (doc.files as Record<string, unknown>[]).map((file) => ({
      ...file,
      checksum: { md5: "x" },
    }));
    expect(validateDocument({ ...doc, files }).files[0]).toHaveProperty("checksum", { md5: "x" });
  });

  it("gives a document without files an empty list", () => {
    const { files: _files, ...doc } = legacyDocument();
    expect(validateDocument(doc).files).toEqual([]);
  });

  it.each([
    "recording_id",
    "recording_path",
    "meeting_uuid",
    "parent_meeting_uuid",
    "organization",
    "meeting_id",
    "meeting_topic",
    "start_time",
    "end_time",
    "password",
    "host_id",
  ])("names a missing %s and the source", (field) => {
    const { [field]: _removed, ...doc } = legacyDocument();
    const error = errorOf(doc, "0a7203ad/recording_document.json");
    expect(error.field).toBe(field);
    expect(error.code).toBe("DOCUMENT_INVALID");
    expect(error.message).toContain(`"${field}" is missing`);
    expect(error.message).toContain("0a7203ad/recording_document.json");
  });

  it("refuses a meeting_id given as a numeric string", () => {
    const error = errorOf({ ...legacyDocument(), meeting_id: "7816381929" });
    expect(error.field).toBe("meeting_id");
    expect(error.message).toBe(
      'The recording document is not valid: "meeting_id" should be a number but is a string.',
    );
  });

  it("never echoes a value, such as the password", () => {
    const error = errorOf({ ...legacyDocument(), password: 12345678 });
    expect(error.field).toBe("password");
    expect(error.message).not.toContain("12345678");
  });

  it("refuses a recording_id that is not a canonical UUID", () => {
    for (const recording_id of [
      "../../etc",
      "0A7203AD-04AC-45D8-BD6D-6A778F226C65",
      "CnIDrQSsRdi9bWp3jyJsZQ==",
    ]) {
      expect(errorOf({ ...legacyDocument(), recording_id }).field).toBe("recording_id");
    }
  });

  it("refuses something that is not an object", () => {
    for (const value of [null, [], "doc", 3]) expect(errorOf(value).field).toBe("(document)");
  });

  it("checks files and each entry", () => {
    expect(errorOf({ ...legacyDocument(), files: {} }).field).toBe("files");
    const files = (legacyDocument().files as Record<string, unknown>[]).slice();
    expect(errorOf({ ...legacyDocument(), files: [...files, "x"] }).field).toBe("files[2]");
    const { etag: _etag, ...noEtag } = files[1] as Record<string, unknown>;
    expect(errorOf({ ...legacyDocument(), files: [files[0], noEtag] }).field).toBe("files[1].etag");
    const badSize = { ...files[0], zoom_file_size: "2183386" };
    const error = errorOf({ ...legacyDocument(), files: [badSize] });
    expect(error.field).toBe("files[0].zoom_file_size");
    expect(error.message).toContain("should be a number or null but is a string");
    const { zoom_file_size: _size, ...noSize } = files[0] as Record<string, unknown>;
    expect(errorOf({ ...legacyDocument(), files: [noSize] }).field).toBe("files[0].zoom_file_size");
    expect(errorOf({ ...legacyDocument(), files: [{ ...files[0], key: 5 }] }).field).toBe("files[0].key");
  });

  it("checks the types of new fields when present", () => {
    expect(errorOf({ ...zrecDocument(), schema_version: "1" }).field).toBe("schema_version");
    expect(errorOf({ ...zrecDocument(), ingested_at: 0 }).field).toBe("ingested_at");
    expect(errorOf({ ...zrecDocument(), zoom_account: null }).field).toBe("zoom_account");
    const remove = errorOf({ ...zrecDocument(), disposition: { action: "remove", after: "2025-01-31" } });
    expect(remove.field).toBe("disposition.action");
    expect(remove.message).toContain('should be one of "delete", "keep", "unpublish" but is "remove"');
    expect(errorOf({ ...zrecDocument(), disposition: { action: "Delete", after: "2025-01-31" } }).field).toBe(
      "disposition.action",
    );
    expect(errorOf({ ...zrecDocument(), disposition: "delete" }).field).toBe("disposition");
    expect(errorOf({ ...zrecDocument(), disposition: { after: "2025-01-31" } }).field).toBe(
      "disposition.action",
    );
    for (const after of ["2025-1-31", "31/01/2025", "2025-02-30", "2025-01-31T00:00:00Z"]) {
      const error = errorOf({ ...zrecDocument(), disposition: { action: "delete", after } });
      expect(error.field).toBe("disposition.after");
    }
  });

  it("returns a copy: normalising does not touch the input", () => {
    const { files: _files, ...doc } = legacyDocument();
    validateDocument(doc);
    expect(doc).not.toHaveProperty("files");
  });
});

describe("documentContentHash", () => {
  const doc = () => validateDocument(zrecDocument());

  it("is a sha256 hex digest", () => {
    expect(documentContentHash(doc())).toMatch(/^[0-9a-f]{64}$/);
  });

  it("ignores ingested_at and key order at every level", () => {
    const a = doc();
    const shuffled = Object.fromEntries(Object.entries(a).reverse()) as RecordingDocument;
    shuffled.files = a.files.map((file) => Object.fromEntries(Object.entries(file).reverse()) as typeof file);
    shuffled.ingested_at = "2030-01-01T00:00:00.000Z";
    expect(documentContentHash(shuffled)).toBe(documentContentHash(a));
    const { ingested_at: _at, ...withoutIngestedAt } = a;
    expect(documentContentHash(withoutIngestedAt as RecordingDocument)).toBe(documentContentHash(a));
  });

  it("treats an undefined field like an absent one, as JSON does", () => {
    const withUndefined = doc();
    // What the type forbids, plain JavaScript can still hand over.
    Reflect.set(withUndefined, "zoom_trashed_at", undefined);
    expect(documentContentHash(withUndefined)).toBe(documentContentHash(doc()));
  });

  it("changes when content changes, including file order", () => {
    const a = doc();
    expect(documentContentHash({ ...a, meeting_topic: "Other" })).not.toBe(documentContentHash(a));
    expect(documentContentHash({ ...a, files: [...a.files].reverse() })).not.toBe(documentContentHash(a));
    expect(documentContentHash({ ...a, disposition: { action: "delete", after: "2025-02-01" } })).not.toBe(
      documentContentHash(a),
    );
  });
});
