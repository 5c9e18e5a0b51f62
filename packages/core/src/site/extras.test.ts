import { describe, expect, it } from "vitest";
import type { ObjectStore } from "../ports.js";
import type { RecordingDocument } from "../recording/document.js";
import { loadExtras } from "./extras.js";

/** Only what loadExtras asks of a store: head and get of a few keys. */
function storeOf(objects: Record<string, string>): ObjectStore {
  const bytes = (key: string) => (key in objects ? Buffer.from(objects[key] ?? "") : undefined);
  return {
    head: async (key: string) => {
      const body = bytes(key);
      return body === undefined ? undefined : { size: body.length };
    },
    get: async (key: string) => bytes(key),
  } as unknown as ObjectStore;
}

const doc = {
  recording_id: "0a7203ad-04ac-45d8-bd6d-6a778f226c65",
  files: [],
} as unknown as RecordingDocument;

describe("loadExtras", () => {
  it("takes the host's name from past_meeting.json", async () => {
    const store = storeOf({ [`${doc.recording_id}/past_meeting.json`]: '{"user_name":"Ada"}' });
    expect((await loadExtras(store, doc)).hostName).toBe("Ada");
  });

  it("takes a webinar's host name from past_webinar.json", async () => {
    const store = storeOf({ [`${doc.recording_id}/past_webinar.json`]: '{"user_name":"Grace"}' });
    expect((await loadExtras(store, doc)).hostName).toBe("Grace");
  });

  it("leaves the name out when neither is there or it does not parse", async () => {
    expect((await loadExtras(storeOf({}), doc)).hostName).toBeUndefined();
    const broken = storeOf({ [`${doc.recording_id}/past_meeting.json`]: "{not json" });
    expect((await loadExtras(broken, doc)).hostName).toBeUndefined();
  });
});
