/**
 * The error `run` throws, when it is an instance of `type`: tests then assert on its fields. Any other
 * error is rethrown as is, and returning normally fails the test, so the caller's assertions cannot pass
 * by accident.
 */
export function thrownBy<E extends Error>(
  type: abstract new (...args: never[]) => E,
  run: () => unknown,
  what = "",
): E {
  try {
    run();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected a ${type.name}${what === "" ? "" : ` for ${what}`}`);
}
