/** A resumable copy stopped because its budget ran out; the next copy with the same resumeId goes on. */
export class CopySuspended extends Error {
  constructor(
    readonly key: string,
    readonly loaded: number,
    readonly total: number,
  ) {
    super(`the copy of ${key} stopped at ${loaded} of ${total} bytes: its time budget ran out`);
    this.name = "CopySuspended";
  }
}
