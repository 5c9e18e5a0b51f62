/**
 * `zrec doctor` end to end against s3rver, dynalite and zoom-sim: all ok when everything is in place; a
 * wrong Zoom secret, a missing bucket or a bad profile fails that line (exit 1), a config that does not
 * load the config line (exit 2), and says why without a secret; `--profile` switches the credentials of
 * every AWS backend.
 */
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeWorkspace, runZrec, useBackends, withArchive } from "@zrec/test-utils/cli";
import { useZoomSim } from "@zrec/test-utils/zoom-sim";
import { describe, expect, it } from "vitest";

interface Check {
  check: string;
  ok: boolean;
  detail: string;
  skipped?: boolean;
  suggestion?: string;
}

const sim = useZoomSim({ host: false });
const aws = useBackends("aws");

async function doctor(ws: { dir: string; env: Record<string, string> }, ...args: string[]) {
  const run = await runZrec(["doctor", "--json", ...args], { cwd: ws.dir, env: ws.env });
  const checks = JSON.parse(run.stdout) as Check[];
  return { run, checks, byName: Object.fromEntries(checks.map((c) => [c.check, c])) };
}

describe("zrec doctor", () => {
  it("is all ok against s3rver, dynalite and zoom-sim, and leaves nothing behind", async () => {
    const made = await makeWorkspace(sim(), {}, aws());
    const ws = { ...made, env: { ...made.env, ZOOM_WEBHOOK_SECRET_TOKEN: "webhook-secret-for-doctor" } };
    const { run, checks } = await doctor(ws);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(checks.map((c) => [c.check, c.ok])).toEqual([
      ["config", true],
      ["credentials", true],
      ["storage", true],
      ["index", true],
      ["notify", true],
      ["zoom.accounts.default", true],
      ["zoom.accounts.default.webhook", true],
      ["zoom.accounts.default.scopes", true],
    ]);
    expect(checks[2]?.detail).toMatch(
      /^s3:\/\/zrec-[0-9a-f]+\/archive\/: wrote, read back and deleted \.zrec-doctor\//,
    );
    const left = await withArchive(aws(), ws, async ({ store }) => {
      const keys: string[] = [];
      for await (const key of store.list(".zrec-doctor/")) keys.push(key);
      return keys;
    });
    expect(left).toEqual([]);
    expect(await aws().pendingUploads()).toEqual([]);

    const human = await runZrec(["doctor"], { cwd: ws.dir, env: ws.env });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^ok {6}config {16}loaded and valid: zrec\.config\.json$/m);
    expect(human.stdout).toMatch(/^ok {6}zoom\.accounts\.default {1}Zoom issued an OAuth token/m);
    expect(human.stdout.trim().split("\n").at(-1)).toBe("All checks passed.");
  });

  it("fails the Zoom line when the client secret is wrong, without printing it, exit 1", async () => {
    const ws = await makeWorkspace(sim(), {}, aws());
    const wrong = "not-the-secret-0123456789";
    const { run, byName } = await doctor({ dir: ws.dir, env: { ...ws.env, ZOOM_CLIENT_SECRET: wrong } });
    expect(run.code).toBe(1);
    expect(byName["zoom.accounts.default"]).toMatchObject({ ok: false });
    expect(byName["zoom.accounts.default"]?.detail).toMatch(/Zoom refused the credentials/);
    expect(byName.storage?.ok).toBe(true);
    expect(run.stdout + run.stderr).not.toContain(wrong);

    const human = await runZrec(["doctor"], { cwd: ws.dir, env: { ...ws.env, ZOOM_CLIENT_SECRET: wrong } });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^failed {2}zoom\.accounts\.default/m);
    expect(human.stdout).toMatch(
      /^warning zoom\.accounts\.default\.webhook +no webhook secret \(own or zoom\.webhookSecretToken\)/m,
    );
    expect(human.stdout.trim().split("\n").at(-1)).toBe("1 of 8 checks failed: zoom.accounts.default.");
  });

  it("fails the storage line when the bucket is missing, saying why and what to do", async () => {
    const storage = { ...(aws().config.storage as object), bucket: "no-such-bucket" };
    const ws = await makeWorkspace(sim(), { storage }, aws());
    const { run, byName } = await doctor(ws);
    expect(run.code).toBe(1);
    expect(byName.storage).toMatchObject({ ok: false });
    expect(byName.storage?.detail).toMatch(
      /^s3:\/\/no-such-bucket\/archive\/: writing .* failed: NoSuchBucket/,
    );
    expect(byName.storage?.suggestion).toMatch(/zrec setup/);
    expect(byName.index?.ok).toBe(true);
  });

  it("fails the index line when the table is missing", async () => {
    const index = { ...(aws().config.index as object), table: "no-such-table" };
    const ws = await makeWorkspace(sim(), { index }, aws());
    const { run, byName } = await doctor(ws);
    expect(run.code).toBe(1);
    expect(byName.index?.detail).toMatch(/^DynamoDB table no-such-table: .* the table does not exist/);
  });

  it("uses --profile for every AWS backend, whatever credentials the environment holds", async () => {
    const home = await mkdtemp(join(tmpdir(), "zrec-aws-"));
    const [key, secret] = [aws().env.AWS_ACCESS_KEY_ID, aws().env.AWS_SECRET_ACCESS_KEY];
    await writeFile(
      join(home, "credentials"),
      `[archive]\naws_access_key_id = ${key}\naws_secret_access_key = ${secret}\n`,
    );
    await writeFile(join(home, "config"), "");
    const base = await makeWorkspace(sim(), {}, aws());
    const env = {
      ...base.env,
      AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
      AWS_CONFIG_FILE: join(home, "config"),
      AWS_ACCESS_KEY_ID: "AKIAWRONGWRONGWRONG0",
      AWS_SECRET_ACCESS_KEY: "wrong-secret-access-key",
    };
    const ws = { dir: base.dir, env };

    const wrongKeys = await doctor(ws);
    expect(wrongKeys.run.code).toBe(1);
    expect(wrongKeys.byName.storage?.detail).toMatch(/InvalidAccessKeyId/);

    const withProfile = await doctor(ws, "--profile", "archive");
    expect(withProfile.run.code).toBe(0);
    expect(withProfile.byName.credentials?.detail).toBe(
      "AWS credentials found in profile archive (for storage, index)",
    );

    const ghost = await doctor(ws, "--profile", "ghost");
    expect(ghost.run.code).toBe(1);
    expect(ghost.byName.credentials).toMatchObject({ ok: false });
    expect(ghost.byName.credentials?.detail).toMatch(/profile ghost/);
    const listed = await runZrec(["--profile", "ghost", "list"], { cwd: ws.dir, env });
    expect(listed.code).toBe(1);
    expect(listed.stderr).toMatch(/ghost/);
    for (const run of [wrongKeys.run, withProfile.run, ghost.run, listed]) {
      expect(run.stdout + run.stderr).not.toContain(String(secret));
      expect(run.stdout + run.stderr).not.toContain("wrong-secret-access-key");
    }
  });

  it("reports a configuration that does not load as the failed config line, exit 2 (bad input)", async () => {
    const ws = await makeWorkspace(sim(), { storage: { type: "s3", buckett: "x" } });
    const { run, checks } = await doctor(ws);
    expect(run.code).toBe(2);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ check: "config", ok: false });
    expect(checks[0]?.detail).toMatch(/zrec\.config\.json/);

    const missing = await runZrec(["doctor", "--config", "nothere.json"], { cwd: ws.dir, env: ws.env });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toMatch(/^failed {2}config {16}Config file nothere\.json does not exist\.$/m);
    // An empty file is not the embedded default: doctor and every other command say it is empty.
    await writeFile(join(ws.dir, "zrec.config.json"), "");
    const empty = await runZrec(["doctor"], { cwd: ws.dir, env: ws.env });
    expect(empty.code).toBe(2);
    expect(empty.stdout).toMatch(
      /^failed {2}config {16}Config file zrec\.config\.json is empty: write a configuration \(see docs\/configuration\.md\) or delete it\.$/m,
    );
  });

  it("on the embedded default with no Zoom account: fails the zoom line, warns of store and secret, creates nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "zrec-doctor-"));
    const { run, byName } = await doctor({ dir, env: {} });
    expect(run.code).toBe(1);
    expect(byName.zoom).toMatchObject({ ok: false });
    expect(byName.zoom?.detail).toMatch(/^No Zoom account is configured/);
    expect(byName.credentials).toMatchObject({ ok: true, skipped: true });
    expect(byName.storage).toMatchObject({ ok: true, warning: true });
    expect(byName.storage?.detail).toMatch(/zrec-data does not exist yet \(zrec setup creates it;/);
    expect(byName.webhook).toMatchObject({ ok: true, warning: true });
    const human = await runZrec(["doctor"], { cwd: dir, env: {} });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^failed {2}zoom {18}No Zoom account is configured/m);
    expect(human.stdout).toMatch(/ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET/);
    expect(human.stdout).not.toMatch(/All checks passed/);
    const after = await runZrec(["doctor", "--quiet"], { cwd: dir, env: {} });
    expect(after.stdout).toBe("");
    expect(after.code).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it("fails the storage line when storage.root is mistyped next to an existing index", async () => {
    const ws = await makeWorkspace(sim(), {});
    const setup = await runZrec(["setup"], { cwd: ws.dir, env: ws.env });
    expect(setup.code).toBe(0);
    const config = JSON.parse(await readFile(join(ws.dir, "zrec.config.json"), "utf8"));
    await writeFile(
      join(ws.dir, "typo.json"),
      JSON.stringify({ ...config, storage: { type: "fs", root: "./zrec-dta" } }),
    );
    const { run, byName } = await doctor(ws, "--config", "typo.json");
    expect(run.code).toBe(1);
    expect(byName.storage).toMatchObject({ ok: false });
    expect(byName.storage?.detail).toMatch(/zrec-dta \(storage\.root\) does not exist, but the index does/);
    expect(await readdir(ws.dir)).not.toContain("zrec-dta");
  });
});
