import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError, InputError } from "@zrec/core";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "./config.js";

const SECRET = "very-secret-client-value";

/** A temp folder holding `files` (relative path -> content). */
async function testdir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "zrec-config-"));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

const env = {};

describe("resolveConfig", () => {
  it("uses the embedded default, relative to the cwd, when no file is found", async () => {
    const cwd = await testdir({});
    const resolved = await resolveConfig({ cwd, env });
    expect(resolved.source).toBeUndefined();
    expect(resolved.baseDir).toBe(cwd);
    expect(resolved.config.storage).toEqual({ type: "fs", root: path.join(cwd, "zrec-data") });
  });

  it("finds zrec.config.json in the cwd and resolves its paths against its folder", async () => {
    const cwd = await testdir({
      "zrec.config.json": JSON.stringify({ storage: { type: "fs", root: "archive" } }),
    });
    const resolved = await resolveConfig({ cwd, env });
    expect(resolved.source).toBe("zrec.config.json");
    expect(resolved.config.storage).toEqual({ type: "fs", root: path.join(cwd, "archive") });
  });

  it("reads YAML", async () => {
    const yaml = await testdir({
      "zrec.config.yaml": "ingest:\n  partSizeMiB: 16\ntimezone: Europe/Berlin\n",
    });
    const fromYaml = await resolveConfig({ cwd: yaml, env });
    expect(fromYaml.config.ingest.partSizeMiB).toBe(16);
    expect(fromYaml.config.timezone).toBe("Europe/Berlin");
  });

  it("refuses a folder holding two configuration files, naming the one read and the one ignored", async () => {
    const both = await testdir({
      "zrec.config.json": '{"roundMinutes": 10}',
      "zrec.config.yaml": "roundMinutes: 15\n",
      ".zrecrc": "roundMinutes: 20\n",
      "package.json": '{"name": "x"}',
    });
    const error = await resolveConfig({ cwd: both, env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(
      `3 configuration files in ${both}: zrec would read zrec.config.json and ignore zrec.config.yaml, .zrecrc.`,
    );
    expect((error as InputError).suggestion).toMatch(/--config/);
    // --config settles it; a package.json without a "zrec" key is no configuration file.
    const named = await resolveConfig({ cwd: both, env, configPath: ".zrecrc" });
    expect(named.config.roundMinutes).toBe(20);
    const withPackage = await testdir({
      "zrec.config.json": "{}",
      "package.json": '{"name": "x", "zrec": {"roundMinutes": 15}}',
    });
    await expect(resolveConfig({ cwd: withPackage, env })).rejects.toThrow(
      /zrec would read zrec\.config\.json and ignore package\.json \(key "zrec"\)\.$/,
    );
  });

  it("reads the zrec key of package.json", async () => {
    const cwd = await testdir({ "package.json": JSON.stringify({ name: "x", zrec: { roundMinutes: 15 } }) });
    const resolved = await resolveConfig({ cwd, env });
    expect(resolved.config.roundMinutes).toBe(15);
    expect(resolved.source).toBe('package.json (key "zrec")');
  });

  it("does not look in parent folders", async () => {
    const root = await testdir({ "zrec.config.json": '{"roundMinutes": 10}', "sub/keep": "" });
    const resolved = await resolveConfig({ cwd: path.join(root, "sub"), env });
    expect(resolved.source).toBeUndefined();
    expect(resolved.config.roundMinutes).toBe(5);
  });

  it("loads exactly the --config file, relative to the cwd, with paths relative to that file", async () => {
    const cwd = await testdir({
      "zrec.config.json": '{"roundMinutes": 10}',
      "conf/custom.yml": "storage:\n  type: fs\n  root: ../data\n",
    });
    const resolved = await resolveConfig({ cwd, env, configPath: "conf/custom.yml" });
    expect(resolved.source).toBe(path.join("conf", "custom.yml"));
    expect(resolved.baseDir).toBe(path.join(cwd, "conf"));
    expect(resolved.config.storage).toEqual({ type: "fs", root: path.join(cwd, "data") });
    expect(resolved.config.roundMinutes).toBe(5);
  });

  it("says a --config file that does not exist does not exist", async () => {
    const cwd = await testdir({});
    const error = await resolveConfig({ cwd, env, configPath: "missing.json" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe("Config file missing.json does not exist.");
  });

  it("names the file and the key for an unknown key", async () => {
    const cwd = await testdir({ "zrec.config.json": JSON.stringify({ ingest: { partSize: 8 } }) });
    const error = await resolveConfig({ cwd, env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("zrec.config.json");
    expect((error as Error).message).toContain("partSize");
    expect((error as ConfigError).badInput).toBe(true);
  });

  it("names the file and where it is broken, without quoting a secret", async () => {
    const account = `"accounts": {"default": {"accountId": "a", "clientId": "b", "clientSecret": "${SECRET}"}}`;
    const json = await testdir({ "zrec.config.json": `{"zoom": {${account},}}` });
    const jsonError = await resolveConfig({ cwd: json, env }).catch((e: unknown) => e);
    expect(jsonError).toBeInstanceOf(InputError);
    expect((jsonError as Error).message).toMatch(
      /^Config file zrec\.config\.json is not valid JSON: .*line 1/,
    );
    expect((jsonError as Error).message).not.toContain(SECRET);

    const yaml = await testdir({ "zrec.config.yaml": `zoom:\n  webhookSecretToken: "${SECRET}\n  x: [\n` });
    const yamlError = await resolveConfig({ cwd: yaml, env }).catch((e: unknown) => e);
    expect(yamlError).toBeInstanceOf(InputError);
    expect((yamlError as Error).message).toMatch(
      /^Config file zrec\.config\.yaml is not valid YAML: .*line \d+, column \d+\.$/,
    );
    expect((yamlError as Error).message).not.toContain(SECRET);
  });

  it("refuses a --config file of a kind it cannot read, or one without zrec settings", async () => {
    const cwd = await testdir({ "zrec.conf": "x", "package.json": '{"name": "x"}' });
    await expect(resolveConfig({ cwd, env, configPath: "zrec.conf" })).rejects.toThrow(
      /^Config file zrec\.conf could not be read/,
    );
    await expect(resolveConfig({ cwd, env, configPath: "package.json" })).rejects.toThrow(
      /holds no zrec configuration/,
    );
    await expect(resolveConfig({ cwd, env, configPath: "." })).rejects.toThrow(/is a folder/);
  });

  it("refuses a found or named file that holds nothing: empty, blank, only comments or null", async () => {
    const cases: [string, string, string][] = [
      ["zrec.config.json", "", "is empty"],
      ["zrec.config.json", " \n", "is empty"],
      ["zrec.config.json", "null", "holds no settings (only comments or null)"],
      ["zrec.config.yaml", "", "is empty"],
      ["zrec.config.yaml", "# storage:\n#   root: /data\n", "holds no settings (only comments or null)"],
      [".zrecrc", "null\n", "holds no settings (only comments or null)"],
      ["zrec.config.cjs", "module.exports = undefined;\n", "exports no configuration"],
    ];
    for (const [file, content, what] of cases) {
      const cwd = await testdir({ [file]: content });
      const found = await resolveConfig({ cwd, env }).catch((e: unknown) => e);
      expect(found, `${file} ${JSON.stringify(content)}`).toBeInstanceOf(InputError);
      expect((found as Error).message).toBe(
        `Config file ${file} ${what}: write a configuration (see docs/configuration.md) or delete it.`,
      );
      await expect(resolveConfig({ cwd, env, configPath: file })).rejects.toThrow(
        `Config file ${file} ${what}: write a configuration (see docs/configuration.md) or leave out --config.`,
      );
    }
  });

  it("reads JSON itself as cosmiconfig would: $import merged, a list refused", async () => {
    const cwd = await testdir({ "list.json": "[]" });
    await expect(resolveConfig({ cwd, env, configPath: "list.json" })).rejects.toThrow(/not a list/);

    const imports = await testdir({
      "zrec.config.json": JSON.stringify({ $import: "base.json", roundMinutes: 10 }),
      "base.json": JSON.stringify({ roundMinutes: 30, timezone: "Europe/Berlin" }),
    });
    const merged = (await resolveConfig({ cwd: imports, env })).config;
    expect([merged.roundMinutes, merged.timezone]).toEqual([10, "Europe/Berlin"]);
  });

  it("lays secrets from the environment over the file", async () => {
    const cwd = await testdir({
      "zrec.config.json": JSON.stringify({
        zoom: { accounts: { default: { accountId: "a", clientId: "b" } } },
      }),
    });
    const resolved = await resolveConfig({ cwd, env: { ZOOM_CLIENT_SECRET: SECRET } });
    expect(resolved.config.zoom.accounts.default?.clientSecret).toBe(SECRET);
  });

  it("leaves a Zoom variable the file does not complete to the commands that talk to Zoom", async () => {
    const cwd = await testdir({});
    const resolved = await resolveConfig({ cwd, env: { ZOOM_CLIENT_SECRET: SECRET } });
    expect(resolved.config.zoom.accounts.default?.accountId).toBe("");
    const typo = await testdir({
      "zrec.config.json": JSON.stringify({
        zoom: { accounts: { default: { accountId: "a", clientid: "b" } } },
      }),
    });
    await expect(resolveConfig({ cwd: typo, env: { ZOOM_CLIENT_SECRET: SECRET } })).rejects.toThrow(
      'zrec.config.json: unknown key "zoom.accounts.default.clientid" (did you mean "clientId"?)',
    );
  });
});
