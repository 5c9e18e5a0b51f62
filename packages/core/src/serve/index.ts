/**
 * `zrec serve`'s HTTP side: the webhook receiver and the server that ties it to the job queue and the
 * worker pool.
 */
export { createWebhookReceiver, type ReceiverOptions } from "./receiver.js";
export { type RunningServer, type ServeOptions, startServing } from "./server.js";
