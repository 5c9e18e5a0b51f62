/** `zrec reindex <document.json>`: put an edited recording document back into the store and the index. */
import { Command } from "commander";
import { withGlobals } from "../options.js";
import { printJson } from "../ui/output.js";

export function reindexCommand(): Command {
  return new Command("reindex")
    .argument("<document.json>", "the recording document, e.g. from `zrec get <id> --output doc.json`")
    .option("--no-notify", "do not send the website builder a `reindexed` message")
    .option("--remote", "reindex on AWS (the deployed reindex function) instead of here")
    .addHelpText(
      "after",
      "\nThe document replaces {recording_id}/recording_document.json and the index row of that id.\n" +
        "Exit 2 when the file is missing or not JSON, a field is missing or of the wrong type, or the\n" +
        "archive has no recording with that recording_id; nothing is written then.",
    )
    .action(
      withGlobals(async ({ options, out }, file: string, flags: { notify: boolean; remote?: boolean }) => {
        const [core, { readJsonFile }, { withPipeline }] = await Promise.all([
          import("@zrec/core"),
          import("../json-file.js"),
          import("../session.js"),
        ]);
        const value = await readJsonFile(file, process.cwd());
        // Checked before the backends are opened: a bad document must not even create an empty index.
        const document = core.validateDocument(value, file);
        if (flags.remote) {
          // The deployed reindex function always notifies: say so rather than silently notify.
          if (!flags.notify) throw new core.InputError("--no-notify cannot be combined with --remote.");
          return (await import("../remote.js")).runRemote(options, "reindexFunction", document);
        }

        const { result, store, index, notify } = await withPipeline(
          options,
          async ({ backends }, { config }) => ({
            result: await core.reindex(document, { backends }, { notify: flags.notify, source: file }),
            store: backends.store.description,
            index: backends.index.description,
            notify: config.notify.type,
          }),
        );

        if (out.json) return printJson({ ...result, recording_path: document.recording_path });
        const notified = !result.notified
          ? "no (--no-notify)"
          : notify === "none"
            ? "no (notify.type is none)"
            : "yes, one `reindexed` message";
        out.line(`Reindexed recording ${result.recording_id}`);
        out.line(`  path      ${document.recording_path}`);
        out.line(`  document  ${result.document_key} in ${store}`);
        out.line(`  index     row ${result.recording_id} in ${index}`);
        out.line(`  notified  ${notified}`);
      }),
    );
}
