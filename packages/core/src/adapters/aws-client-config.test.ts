import { createServer, type Socket } from "node:net";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AWS_TIMEOUTS, awsClientConfig } from "./aws-client-config.js";

describe("awsClientConfig", () => {
  // Accepts every connection and never answers, as a wedged proxy or endpoint does.
  const sockets: Socket[] = [];
  const silent = createServer((socket) => void sockets.push(socket));
  let endpoint: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("gives every client a connect and an idle timeout", () => {
    expect(awsClientConfig({}).requestHandler).toEqual(AWS_TIMEOUTS);
    expect(AWS_TIMEOUTS.socketTimeout).toBeGreaterThan(0);
    expect(AWS_TIMEOUTS.connectionTimeout).toBeGreaterThan(0);
  });

  it("fails a request that gets no answer with a TimeoutError instead of waiting for ever", async () => {
    const client = new S3Client({
      ...awsClientConfig({ endpoint }, { connectionTimeout: 1_000, socketTimeout: 300 }),
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
      forcePathStyle: true,
      maxAttempts: 1,
    });
    const started = Date.now();
    const error = await client
      .send(new HeadObjectCommand({ Bucket: "b", Key: "k" }))
      .catch((e: unknown) => e);
    client.destroy();
    expect(error).toMatchObject({ name: "TimeoutError" });
    // The test's own timeout would be the bound without it; this says how far inside it we are.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
