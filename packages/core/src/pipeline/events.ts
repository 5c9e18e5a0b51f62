/** What a running ingest reports: the CLI shows it as progress, the Lambda adapter logs it. */
export type IngestEvent =
  | { type: "metadata"; recording_id: string; topic: string; files: number }
  | { type: "file-start"; key: string; total?: number }
  | { type: "file-progress"; key: string; loaded: number; total?: number }
  /** The copy reuses `from` bytes an earlier, interrupted copy stored (`resumed at … of …`). */
  | { type: "file-resumed"; key: string; from: number; total: number }
  /** The stage's time budget ran out: `loaded` bytes are stored and checkpointed, the next call goes on. */
  | { type: "file-suspended"; key: string; loaded: number; total: number }
  | { type: "file-done"; key: string; size: number; skipped: boolean }
  | { type: "warning"; message: string };
