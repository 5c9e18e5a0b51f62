/**
 * How many bytes of each part still arriving the upload's `writeArriving` laid down without a gap from
 * the part's start: what `storeWritten` may take without the part's bytes (multipart-base.ts). Only
 * bytes are counted, so the order of writes matters as much: a write from the part's start begins a
 * new try, and a write of an earlier try that lands after it (its bytes may lie over the new try's)
 * leaves nothing counted. A failed write leaves nothing counted either. A caller must not begin a
 * write of an earlier try once a new try has begun (PartSink waits for them first): nothing here can
 * tell which try a write that begins then belongs to.
 */

interface PartWrites {
  /** Bytes counted; undefined once nothing may count until the next try. */
  count: number | undefined;
  /** Tries begun: a write remembers the one it belongs to. */
  tries: number;
  /** Writes into the part not finished yet. */
  writing: number;
}

/**
 * @example
 * ```ts
 * const ahead = new WrittenAhead();
 * const write = ahead.begin(2, 0, 4096); // part 2, from its start
 * write.done(true);
 * ahead.take(2); // { count: 4096, writing: 0 }
 * ```
 */
export class WrittenAhead {
  private readonly parts = new Map<number, PartWrites>();

  /** A write of `length` bytes `from` bytes into part `partNumber` begins; call `done` once it ends. */
  begin(partNumber: number, from: number, length: number): { done(ok: boolean): void } {
    let part = this.parts.get(partNumber);
    if (!part) {
      part = { count: undefined, tries: 0, writing: 0 };
      this.parts.set(partNumber, part);
    }
    if (from === 0) {
      part.tries++;
      part.count = 0;
    }
    const entry = part;
    const tryOf = part.tries;
    const before = part.count;
    part.writing++;
    return {
      done: (ok) => {
        entry.writing--;
        if (tryOf !== entry.tries || !ok) {
          entry.count = undefined;
          return;
        }
        if (before === from && entry.count === before) entry.count = before + length;
      },
    };
  }

  /**
   * What part `partNumber` has counted, and its writes still in flight. The part is forgotten unless a
   * write is still in flight: that write's end must still be able to void the count.
   */
  take(partNumber: number): { count: number; writing: number } {
    const part = this.parts.get(partNumber);
    if (part?.writing === 0) this.parts.delete(partNumber);
    return { count: part?.count ?? 0, writing: part?.writing ?? 0 };
  }
}
