/** `zrec get <recording-id>`: the recording document from the index, on stdout or into a file. */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Command } from "commander";
import { withGlobals } from "../options.js";
import { printJson } from "../ui/output.js";

export function getCommand(): Command {
  return new Command("get")
    .argument("<recording-id>", "the recording id (a UUID as `zrec list` shows), or Zoom's meeting uuid")
    .option("-o, --output <file>", "write the document to this file (to edit it, then `zrec reindex` it)")
    .option("-f, --force", "overwrite the --output file if it exists")
    .action(
      withGlobals(async ({ options, out }, id: string, flags: { output?: string; force?: boolean }) => {
        const [core, { withExistingBackends }] = await Promise.all([
          import("@zrec/core/archive"),
          import("../session.js"),
        ]);
        const recordingId = toRecordingId(id, core);

        const document = await withExistingBackends(options, async ({ backends }) => {
          const found = await backends.index.get(recordingId);
          if (!found) {
            throw new core.NotFoundError(
              `Recording ${recordingId} is not in the index (${backends.index.description}).`,
              {
                suggestion: "Run `zrec list` to see the recordings it holds.",
              },
            );
          }
          return found;
        });

        if (flags.output === undefined) {
          // The document is the result: JSON either way, but --quiet still means nothing on stdout.
          return out.json ? printJson(document) : out.line(JSON.stringify(document, null, 2));
        }
        const target = path.resolve(flags.output);
        try {
          // `wx` refuses to replace a file: an edited copy waiting for `zrec reindex` must not be lost.
          await writeFile(target, `${JSON.stringify(document, null, 2)}\n`, {
            flag: flags.force ? "w" : "wx",
          });
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "EEXIST") {
            throw new core.InputError(`${flags.output} already exists.`, {
              suggestion: "Pass --force to overwrite it, or choose another --output file.",
            });
          }
          throw new core.InputError(`${flags.output} cannot be written: ${core.messageOf(error)}.`, {
            cause: error,
          });
        }
        if (out.json) printJson({ recording_id: recordingId, output: target });
        else out.line(`Wrote recording ${recordingId} to ${flags.output}`);
      }),
    );
}

/**
 * Accepts the id as `list` prints it, in upper case too, or Zoom's base64 meeting uuid (what Zoom's
 * web portal and webhooks show), since that is often what a user has at hand.
 */
function toRecordingId(given: string, core: typeof import("@zrec/core/archive")): string {
  const lower = given.trim().toLowerCase();
  if (core.isRecordingId(lower)) return lower;
  try {
    return core.recordingIdFromUuid(given.trim());
  } catch {
    throw new core.InputError(`"${given}" is not a recording id.`, {
      suggestion:
        "Give the UUID `zrec list` shows (like 0a7203ad-04ac-45d8-bd6d-6a778f226c65) or Zoom's meeting uuid.",
    });
  }
}
