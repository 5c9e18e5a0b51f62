// Types for the two files of undici that `undici-request.ts` loads on their own (undici types only its
// index). They are the index's own classes and functions, so its types describe them.
declare module "undici/lib/dispatcher/agent.js" {
  import { Agent } from "undici";
  export default Agent;
}

declare module "undici/lib/api/api-request.js" {
  import type { Dispatcher } from "undici";
  /** The function behind `Dispatcher.prototype.request`: called with a dispatcher as `this`. */
  export default function request(
    this: Dispatcher,
    options: Dispatcher.RequestOptions,
  ): Promise<Dispatcher.ResponseData>;
}
