/**
 * Waiting for a promise no longer than a stop: what a caller (Ctrl+C, a shutdown) or a budget (Lambda)
 * needs when the promise itself may never settle (a stalled read, a slow answer from Zoom).
 */

/**
 * `promise`, or the reason of the first of `signals` to abort, as soon as one does. The promise is
 * left to settle on its own; its later failure is handled, not reported as unhandled.
 * @example
 * const next = await untilAborted(chunks.next(), callerSignal, budgetSignal);
 */
export function untilAborted<T>(promise: Promise<T>, ...signals: (AbortSignal | undefined)[]): Promise<T> {
  const live = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  const aborted = live.find((signal) => signal.aborted);
  if (aborted) {
    promise.catch(() => {});
    return Promise.reject(aborted.reason);
  }
  if (live.length === 0) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (event: Event) => reject((event.target as AbortSignal).reason);
    for (const signal of live) signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      for (const signal of live) signal.removeEventListener("abort", onAbort);
    });
  });
}
