import { afterEach, beforeEach } from "vitest";

/**
 * Makes a fresh subject before each test of the enclosing describe, hands it to `use`, and closes it
 * after the test: every contract test starts from an empty backend.
 */
export function eachTest<T extends { close(): Promise<void> }>(
  make: () => Promise<T>,
  use: (made: T) => void,
): void {
  let made: T | undefined;
  beforeEach(async () => {
    made = await make();
    use(made);
  });
  afterEach(async () => {
    await made?.close();
    made = undefined;
  });
}
