import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createStore, type ZoomRecordingEvent } from "@zrec/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  executionInput,
  objectTokenStore,
  TOKEN_PREFIX,
  TOKEN_REF_FIELD,
  tokenKey,
  withoutTokenRef,
} from "./download-token.js";

const event = {
  event: "recording.completed",
  event_ts: 1_720_000_000_000,
  download_token: "eyJ.secret.token",
  payload: { account_id: "acct", object: { uuid: "u", recording_files: [] } },
} as unknown as ZoomRecordingEvent;

describe("download tokens kept by reference", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "zrec-tokens-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("takes the token out of the execution input and names the stored one instead", () => {
    const input = executionInput(event, "rec-completed-abc");
    expect(JSON.stringify(input)).not.toContain("secret");
    expect(input[TOKEN_REF_FIELD]).toBe("rec-completed-abc");
    expect(executionInput(event, undefined)).not.toHaveProperty(TOKEN_REF_FIELD);
    expect(executionInput(event, undefined)).not.toHaveProperty("download_token");
    expect(withoutTokenRef(input)).toEqual(executionInput(event, undefined));
    expect(withoutTokenRef(null)).toBeNull();
  });

  it("refuses a reference that is not an execution name, so it cannot reach another key", async () => {
    expect(tokenKey("0a7203ad-completed-3f9c0a1b2d4e")).toBe(
      `${TOKEN_PREFIX}0a7203ad-completed-3f9c0a1b2d4e`,
    );
    for (const bad of ["", "../0a7203ad/recording.json", "a/b", "x".repeat(81), "a b"]) {
      expect(() => tokenKey(bad), bad).toThrow(/execution name/);
    }
    const tokens = objectTokenStore(await createStore({ type: "fs", root: dir }));
    await expect(tokens.delete("../escape")).rejects.toThrow(/execution name/);
  });

  it("stores, reads back and deletes a token under the reserved prefix", async () => {
    const tokens = objectTokenStore(await createStore({ type: "fs", root: dir }));
    await tokens.put("run-1", "eyJ.secret.token");
    expect(await readdir(path.join(dir, TOKEN_PREFIX))).toHaveLength(1);
    expect(await tokens.get("run-1")).toBe("eyJ.secret.token");
    await tokens.delete("run-1");
    expect(await tokens.get("run-1")).toBeUndefined();
    await tokens.delete("run-1");
  });
});
