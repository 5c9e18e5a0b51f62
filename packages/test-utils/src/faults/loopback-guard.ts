/**
 * A download dispatcher for the attack tests that can only ever reach this machine: requests to a
 * loopback origin go through a real Agent; any other origin is recorded and refused synchronously,
 * before a socket exists. So even if zrec's allowlist were broken, a test of `http://169.254.169.254/`
 * would fail loudly instead of sending traffic there.
 */
import { Agent, Dispatcher } from "undici";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export class LoopbackOnly extends Dispatcher {
  /** Every origin zrec asked to connect to, loopback or not, in order. */
  readonly attempted: string[] = [];
  /** The non-loopback ones, which were refused here. */
  readonly refused: string[] = [];
  private readonly agent = new Agent({ keepAliveTimeout: 1_000 });

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = String(options.origin ?? "");
    this.attempted.push(origin);
    let host = "";
    try {
      host = new URL(origin).hostname;
    } catch {
      // Not a URL: refused below like any other non-loopback origin.
    }
    if (!LOOPBACK.has(host)) {
      this.refused.push(origin);
      throw new Error(`test guard: refusing to connect to ${origin}`);
    }
    return this.agent.dispatch(options, handler);
  }

  override async close(): Promise<void> {
    await this.agent.close();
  }

  override async destroy(): Promise<void> {
    await this.agent.destroy();
  }
}
