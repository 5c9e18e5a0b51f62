/** `--profile NAME`: every AWS backend of the loaded configuration uses it; the embedded ones are untouched. */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/config.js";
import { globalOptions } from "../src/options.js";
import { buildProgram } from "../src/program.js";

async function folderWith(config: unknown) {
  const dir = await mkdtemp(join(tmpdir(), "zrec-profile-"));
  await writeFile(join(dir, "zrec.config.json"), JSON.stringify(config));
  return dir;
}

describe("--profile", () => {
  it("replaces the profile of the S3, DynamoDB and SQS blocks", async () => {
    const cwd = await folderWith({
      storage: { type: "s3", bucket: "recordings", profile: "from-file" },
      index: { type: "dynamodb", table: "recordings" },
      notify: { type: "sqs", queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/recordings" },
    });
    const { config } = await resolveConfig({ cwd, env: {}, profile: "archive-admin" });
    expect(config.storage).toMatchObject({ type: "s3", profile: "archive-admin" });
    expect(config.index).toMatchObject({ type: "dynamodb", profile: "archive-admin" });
    expect(config.notify).toMatchObject({ type: "sqs", profile: "archive-admin" });
  });

  it("leaves the file's profiles alone without it, and the embedded backends alone with it", async () => {
    const cwd = await folderWith({ storage: { type: "s3", bucket: "recordings", profile: "from-file" } });
    expect((await resolveConfig({ cwd, env: {} })).config.storage).toMatchObject({ profile: "from-file" });
    const embedded = await resolveConfig({ cwd: await folderWith({}), env: {}, profile: "archive-admin" });
    expect(JSON.stringify(embedded.config)).not.toContain("archive-admin");
  });

  it("refuses an empty name", async () => {
    await expect(resolveConfig({ cwd: await folderWith({}), env: {}, profile: " " })).rejects.toMatchObject({
      code: "INPUT_INVALID",
      message: "--profile needs the name of a profile from the AWS config files.",
    });
  });

  it("is a global option, before or after the command", async () => {
    for (const argv of [
      ["--profile", "p1", "list"],
      ["list", "--profile", "p1"],
    ]) {
      const program = await buildProgram(argv);
      let seen: string | undefined;
      const list = program.commands.find((c) => c.name() === "list");
      list?.action((_flags: unknown, command) => {
        seen = globalOptions(command).profile;
      });
      await program.parseAsync(argv, { from: "user" });
      expect(seen, argv.join(" ")).toBe("p1");
    }
  });
});
