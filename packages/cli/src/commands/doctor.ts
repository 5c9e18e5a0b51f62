/** `zrec doctor`: is the configuration usable, and can every backend and Zoom account be reached? */
import type { DoctorCheck } from "@zrec/core";
import { Command } from "commander";
import { SilentExit } from "../errors.js";
import { withGlobals } from "../options.js";
import { type Output, printJson } from "../ui/output.js";

export function doctorCommand(): Command {
  return new Command("doctor")
    .addHelpText(
      "after",
      "\nWrites one probe object under .zrec-doctor/ in the store and deletes it; sends no notification.\n" +
        "Exit 0 when every check is ok, 1 when any failed, 2 when the configuration does not load.",
    )
    .action(
      withGlobals(async ({ options, out }) => {
        const [core, { resolveFor }] = await Promise.all([import("@zrec/core"), import("../session.js")]);
        const checks: DoctorCheck[] = [];
        const report = (check: DoctorCheck) => {
          checks.push(check);
          show(check, out);
        };

        let resolved: Awaited<ReturnType<typeof resolveFor>> | undefined;
        // A configuration that cannot be loaded is bad input, exit 2 as for every other command; a
        // backend or Zoom account that does not answer is a failed check, exit 1.
        let badConfig = false;
        try {
          resolved = await resolveFor(options);
          const from = resolved.source ?? "the embedded default (no config file found)";
          report({ check: "config", ok: true, detail: `loaded and valid: ${from}` });
        } catch (error) {
          // A configuration that does not load is this command's finding, not its failure to run.
          const suggestion = error instanceof core.ZrecError ? error.suggestion : undefined;
          badConfig = (error as { badInput?: unknown }).badInput === true;
          report({
            check: "config",
            ok: false,
            detail: core.messageOf(error),
            ...(suggestion ? { suggestion } : {}),
          });
        }
        if (resolved !== undefined) await core.runDoctor(resolved.config, { onCheck: report });

        const failed = checks.filter((check) => !check.ok);
        const warned = checks.filter((check) => check.warning === true);
        if (out.json) printJson(checks);
        else if (failed.length === 0 && warned.length === 0) out.line("\nAll checks passed.");
        else if (failed.length === 0)
          out.line(
            `\nNo check failed; ${warned.length === 1 ? "1 warning" : `${warned.length} warnings`}: ${warned.map((c) => c.check).join(", ")}.`,
          );
        else
          out.line(
            `\n${failed.length} of ${checks.length} checks failed: ${failed.map((c) => c.check).join(", ")}.`,
          );
        // The result is already on stdout; main.ts only needs the exit code.
        if (failed.length > 0) throw new SilentExit(badConfig ? 2 : 1);
      }),
    );
}

function show(check: DoctorCheck, out: Output): void {
  const status = !check.ok ? "failed" : check.skipped ? "skipped" : check.warning ? "warning" : "ok";
  const detail = check.skipped ? check.detail.replace(/^skipped: /, "") : check.detail;
  // Lines appear as checks finish, so the column cannot be sized to the longest name: a longer name
  // (an account's `zoom.accounts.NAME.webhook`) keeps one space before its detail.
  out.line(`${status.padEnd(8)}${`${check.check} `.padEnd(22)}${detail}`);
  if (check.suggestion) out.line(`${" ".repeat(30)}${check.suggestion}`);
}
