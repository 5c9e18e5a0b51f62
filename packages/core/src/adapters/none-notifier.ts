import type { Notifier } from "../ports.js";

/**
 * The notifier for `notify.type = "none"`: nobody is waiting for news, so messages are dropped.
 * @example
 * const notifier = createNoneNotifier();
 * await notifier.send({ event: "ingested", document }); // does nothing
 */
export function createNoneNotifier(): Notifier {
  return {
    description: "no notifier",
    async send() {},
  };
}
