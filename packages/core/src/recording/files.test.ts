import { describe, expect, it } from "vitest";
import type { ZoomRecordingFile } from "../zoom/types.js";
import type { RecordingFileEntry } from "./document.js";
import { fileTypeInfo, isDownloadable, planFileNames, recordingTypeOf, safeName } from "./files.js";

const url = "https://example.zoom.us/rec/download/abc";

/** A completed file with a download URL, changed by `fields`; `without` names fields it lacks. */
function zoomFile(
  fields: Partial<ZoomRecordingFile>,
  without: (keyof ZoomRecordingFile)[] = [],
): ZoomRecordingFile {
  const file: ZoomRecordingFile = {
    download_url: url,
    status: "completed",
    recording_start: "2024-07-04T17:02:30Z",
    ...fields,
  };
  for (const field of without) delete file[field];
  return file;
}

function entryFor(key: string, fields: Partial<RecordingFileEntry> = {}): RecordingFileEntry {
  return {
    recording_type: "shared_screen_with_speaker_view",
    s3_url: `https://bucket.s3.amazonaws.com/${key}`,
    etag: '"x"',
    zoom_file_size: 1,
    mime_type: "video/mp4",
    key,
    ...fields,
  };
}

describe("fileTypeInfo", () => {
  it.each([
    ["MP4", "video/mp4", "mp4"],
    ["M4A", "audio/m4a", "m4a"],
    ["TIMELINE", "text/vtt", "vtt"],
    ["TRANSCRIPT", "text/vtt", "vtt"],
    ["CC", "text/vtt", "vtt"],
    ["CHAT", "text/plain", "txt"],
    ["CSV", "text/csv", "csv"],
    ["SUMMARY", "application/json", "json"],
  ])("%s is %s .%s", (fileType, mimeType, extension) => {
    expect(fileTypeInfo({ file_type: fileType, file_extension: "IGNORED" })).toEqual({ mimeType, extension });
  });

  it("falls back to octet-stream and Zoom's extension, lower-cased", () => {
    expect(fileTypeInfo({ file_type: "SUMMARY_NEXT", file_extension: "PDF" })).toEqual({
      mimeType: "application/octet-stream",
      extension: "pdf",
    });
    expect(fileTypeInfo({})).toEqual({ mimeType: "application/octet-stream", extension: "" });
  });
});

describe("recordingTypeOf", () => {
  it("prefers Zoom's recording_type", () => {
    expect(recordingTypeOf({ file_type: "MP4", recording_type: "shared_screen" })).toBe("shared_screen");
  });

  it.each([
    ["TIMELINE", "timeline"],
    ["CC", "closed_caption"],
    ["TRANSCRIPT", "audio_transcript"],
    ["CHAT", "chat_file"],
    ["SUMMARY", "summary"],
    ["POLL", "poll"],
  ])("derives %s -> %s", (fileType, recordingType) => {
    expect(recordingTypeOf({ file_type: fileType })).toBe(recordingType);
  });
});

describe("isDownloadable", () => {
  it("needs a download_url and a completed (or absent) status", () => {
    expect(isDownloadable({ download_url: url, status: "completed" })).toBe(true);
    expect(isDownloadable({ download_url: url })).toBe(true);
    expect(isDownloadable({ download_url: url, status: "processing" })).toBe(false);
    expect(isDownloadable({ status: "completed" })).toBe(false);
    expect(isDownloadable({ download_url: "", status: "completed" })).toBe(false);
  });
});

describe("safeName", () => {
  it("keeps [a-z0-9_] and turns other runs into _", () => {
    expect(safeName("shared_screen_with_speaker_view")).toBe("shared_screen_with_speaker_view");
    expect(safeName("Audio Only")).toBe("audio_only");
    expect(safeName("../../etc/passwd")).toBe("_etc_passwd");
    expect(safeName("a\u0000b/c\\d")).toBe("a_b_c_d");
    expect(safeName("Übersicht")).toBe("_bersicht");
  });

  it("caps the length and is never empty", () => {
    expect(safeName("x".repeat(100))).toHaveLength(64);
    expect(safeName("")).toBe("file");
  });
});

describe("planFileNames", () => {
  it("names the fixture's files {recording_type}.{ext} with their metadata beside them", () => {
    const planned = planFileNames([
      zoomFile({ id: "b", file_type: "M4A", recording_type: "audio_only" }),
      zoomFile({ id: "a", file_type: "MP4", recording_type: "shared_screen_with_speaker_view" }),
    ]);
    expect(planned.map((p) => [p.fileName, p.metadataName, p.mimeType])).toEqual([
      ["shared_screen_with_speaker_view.mp4", "shared_screen_with_speaker_view.json", "video/mp4"],
      ["audio_only.m4a", "audio_only.json", "audio/m4a"],
    ]);
  });

  it("skips files that cannot be downloaded yet", () => {
    const planned = planFileNames([
      zoomFile({ id: "a", file_type: "MP4", recording_type: "shared_screen" }),
      zoomFile({ id: "b", file_type: "TRANSCRIPT", status: "processing" }),
      zoomFile({ id: "c", file_type: "CHAT" }, ["download_url"]),
    ]);
    expect(planned.map((p) => p.fileName)).toEqual(["shared_screen.mp4"]);
  });

  it("keeps both files of one type, the later one with a suffix, ordered by start then id", () => {
    const planned = planFileNames([
      zoomFile({
        id: "z",
        file_type: "MP4",
        recording_type: "shared_screen",
        recording_start: "2024-07-04T18:00:00Z",
      }),
      zoomFile({
        id: "y",
        file_type: "MP4",
        recording_type: "shared_screen",
        recording_start: "2024-07-04T17:00:00Z",
      }),
      zoomFile({
        id: "x",
        file_type: "MP4",
        recording_type: "shared_screen",
        recording_start: "2024-07-04T18:00:00Z",
      }),
    ]);
    expect(planned.map((p) => [p.file.id, p.baseName])).toEqual([
      ["y", "shared_screen"],
      ["x", "shared_screen-2"],
      ["z", "shared_screen-3"],
    ]);
  });

  it("keeps the original order among files with the same start and no id", () => {
    const planned = planFileNames([zoomFile({ file_type: "CC" }), zoomFile({ file_type: "CC" })]);
    expect(planned.map((p) => p.fileName)).toEqual(["closed_caption.vtt", "closed_caption-2.vtt"]);
    expect(planned[0]?.file).not.toBe(planned[1]?.file);
  });

  it("derives names for CC and TIMELINE files that lack id, status and recording_type", () => {
    const planned = planFileNames([
      zoomFile({ file_type: "TIMELINE" }, ["status"]),
      zoomFile({ file_type: "CC" }),
    ]);
    expect(planned.map((p) => [p.recordingType, p.fileName, p.mimeType])).toEqual([
      ["timeline", "timeline.vtt", "text/vtt"],
      ["closed_caption", "closed_caption.vtt", "text/vtt"],
    ]);
  });

  it("writes a SUMMARY's metadata beside it without overwriting it", () => {
    const [summary] = planFileNames([zoomFile({ id: "s", file_type: "SUMMARY", file_extension: "JSON" })]);
    expect(summary).toMatchObject({ fileName: "summary.json", metadataName: "summary.metadata.json" });
  });

  it("keeps a summary's names for JSON: another file that says it is a summary would put its metadata there", () => {
    const planned = planFileNames([
      zoomFile({ id: "s", file_type: "SUMMARY", file_extension: "JSON" }),
      zoomFile({ id: "m", recording_type: "summary", file_type: "MP4" }),
      zoomFile({ id: "d", recording_type: "summary", file_type: "DOCX", file_extension: "DOCX" }),
    ]);
    // Ordered by start, then Zoom file id: d, m, s.
    expect(planned.map((p) => [p.fileName, p.metadataName])).toEqual([
      ["summary_docx.docx", "summary_docx.json"],
      ["summary_mp4.mp4", "summary_mp4.json"],
      ["summary.json", "summary.metadata.json"],
    ]);
  });

  it("never gives a file a reserved metadata name", () => {
    const planned = planFileNames([
      zoomFile({ id: "a", recording_type: "recording", file_type: "MP4" }),
      zoomFile({ id: "b", recording_type: "Past Meeting", file_type: "MP4" }),
      zoomFile({ id: "c", recording_type: "recording_document", file_type: "JSON", file_extension: "json" }),
    ]);
    expect(planned.map((p) => p.fileName)).toEqual([
      "recording-2.mp4",
      "past_meeting-2.mp4",
      "recording_document-2.json",
    ]);
  });

  it("reduces payload names to safe ones", () => {
    const [file] = planFileNames([
      zoomFile({
        id: "a",
        recording_type: "../../other/recording_document",
        file_type: "X",
        file_extension: "/../JS ON",
      }),
    ]);
    expect(file).toMatchObject({
      recordingType: "../../other/recording_document",
      baseName: "_other_recording_document",
    });
    expect(file?.fileName).toBe("_other_recording_document._js_on");
    expect(file?.fileName).not.toMatch(/[/\\]|\.\./);
  });

  it("gives a re-run the same names", () => {
    const files = [
      zoomFile({ id: "v1", file_type: "MP4", recording_type: "shared_screen" }),
      zoomFile({
        id: "v2",
        file_type: "MP4",
        recording_type: "shared_screen",
        recording_start: "2024-07-04T18:00:00Z",
      }),
      zoomFile({ file_type: "CC" }),
    ];
    const first = planFileNames(files);
    const existing = first.map((p) =>
      entryFor(`0a7203ad-04ac-45d8-bd6d-6a778f226c65/${p.fileName}`, {
        recording_type: p.recordingType,
        ...(p.file.id ? { zoom_file_id: p.file.id } : {}),
        ...(p.file.file_type ? { file_type: p.file.file_type } : {}),
        ...(p.file.recording_start ? { recording_start: p.file.recording_start } : {}),
      }),
    );
    const again = planFileNames(files, existing);
    expect(again.map((p) => p.fileName)).toEqual(first.map((p) => p.fileName));
    expect(again.map((p) => p.fileName)).toEqual([
      "shared_screen.mp4",
      "closed_caption.vtt",
      "shared_screen-2.mp4",
    ]);
  });

  it("adds a later event's files without renaming archived ones", () => {
    const existing = [
      entryFor("id/shared_screen.mp4", { zoom_file_id: "v2" }),
      entryFor("id/audio_transcript.vtt", { zoom_file_id: "t-old", recording_type: "audio_transcript" }),
    ];
    const planned = planFileNames(
      [
        // Sorts first, but the name shared_screen belongs to v2 already.
        zoomFile({
          id: "v1",
          file_type: "MP4",
          recording_type: "shared_screen",
          recording_start: "2024-07-04T16:00:00Z",
        }),
        zoomFile({ id: "v2", file_type: "MP4", recording_type: "shared_screen" }),
        zoomFile({ id: "t-new", file_type: "TRANSCRIPT", recording_type: "audio_transcript" }),
      ],
      existing,
    );
    expect(planned.map((p) => [p.file.id, p.fileName])).toEqual([
      ["v1", "shared_screen-2.mp4"],
      ["t-new", "audio_transcript-2.vtt"],
      ["v2", "shared_screen.mp4"],
    ]);
  });

  it("ignores entries without a key and keys that would steer a file onto a reserved or odd name", () => {
    const { key: _unused, ...legacy } = entryFor("unused", { zoom_file_id: "a" });
    const crafted = [
      entryFor("id/recording.json", { zoom_file_id: "b" }),
      entryFor("id/../x y.mp4", { zoom_file_id: "c" }),
    ];
    const planned = planFileNames(
      [
        zoomFile({ id: "a", file_type: "MP4", recording_type: "shared_screen" }),
        zoomFile({ id: "b", file_type: "MP4", recording_type: "speaker_view" }),
        zoomFile({ id: "c", file_type: "M4A", recording_type: "audio_only" }),
      ],
      [legacy, ...crafted],
    );
    expect(planned.map((p) => p.fileName)).toEqual([
      "shared_screen.mp4",
      "speaker_view.mp4",
      "audio_only.m4a",
    ]);
  });
});

describe("planFileNames at scale", () => {
  // Naming was quadratic (22 s for 20,000 files of one type, on the event loop of `zrec serve`). The
  // test's own timeout is the bound: a linear plan takes milliseconds, the quadratic one far longer.
  it("names 20,000 files of one type, with as many already archived, in linear time", () => {
    const files = Array.from({ length: 20_000 }, (_, i) =>
      zoomFile({ id: `f${i}`, file_type: "MP4", recording_type: "shared_screen" }),
    );
    const existing = Array.from({ length: 20_000 }, (_, i) =>
      entryFor(`r/shared_screen-${i + 2}.mp4`, { zoom_file_id: `old${i}` }),
    );
    const started = performance.now();
    const planned = planFileNames(files, existing);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(new Set(planned.map((p) => p.baseName)).size).toBe(20_000);
    expect(planned[0]?.baseName).toBe("shared_screen");
    expect(planned[1]?.baseName).toBe("shared_screen-20002");
  }, 5_000);
});
