import {
  type BatchWriteItemCommandOutput,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { BatchWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import {
  describeRecordingIndex,
  documentWithEverything,
  indexedDocument,
} from "@zrec/test-utils/conformance";
import { startDynalite, useDynalite } from "@zrec/test-utils/dynalite";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BackendError } from "../errors.js";
import type { RecordingIndex } from "../ports.js";
import { createDynamoDbIndex } from "./dynamodb-index.js";
import { ensureTable, ORGANIZATION_INDEX, RECORDING_INDEXES } from "./dynamodb-table.js";

const doc = indexedDocument;

/** Records the name (and index, for queries) of every command the client sends. */
function recordCommands(client: DynamoDBClient): string[] {
  const seen: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { IndexName?: string };
      seen.push(`${context.commandName}${input.IndexName ? ` ${input.IndexName}` : ""}`);
      return next(args);
    },
    { step: "initialize" },
  );
  return seen;
}

/** Makes the next `rounds` BatchWriteItem calls write only half their items, as a throttled table does. */
function throttleBatchWrites(client: DynamoDBClient, rounds: number): void {
  let left = rounds;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "BatchWriteItemCommand" || left <= 0) return next(args);
      left--;
      const input = args.input as BatchWriteCommandInput;
      const [table, requests = []] = Object.entries(input.RequestItems ?? {})[0] ?? [];
      if (table === undefined) return next(args);
      const half = Math.floor(requests.length / 2);
      const unprocessed = {
        [table]: requests.slice(half),
      } as BatchWriteItemCommandOutput["UnprocessedItems"];
      // DynamoDB refuses an empty batch; a table that writes nothing still answers.
      if (half === 0)
        return { output: { UnprocessedItems: unprocessed, $metadata: {} }, response: {} } as never;
      const result = await next({
        ...args,
        input: { ...input, RequestItems: { [table]: requests.slice(0, half) } },
      });
      (result.output as BatchWriteItemCommandOutput).UnprocessedItems = unprocessed;
      return result;
    },
    { step: "initialize" },
  );
}

const dynalite = useDynalite();
let client: DynamoDBClient;
let table: string;
let index: RecordingIndex;
let tables = 0;

describeRecordingIndex("DynamoDB", async () => {
  const contractClient = dynalite().client();
  const contractTable = `contract-${++tables}`;
  await ensureTable(contractClient, contractTable);
  const index = createDynamoDbIndex({ client: contractClient, table: contractTable });
  return { index, close: async () => index.close?.() };
});

beforeEach(async () => {
  client = dynalite().client();
  table = `recordings-${++tables}`;
  expect(await ensureTable(client, table)).toBe("created");
  index = createDynamoDbIndex({ client, table, batchRetry: { baseDelayMs: 1, maxDelayMs: 5 } });
});
afterEach(async () => {
  await index.close?.();
});

describe("ensureTable", () => {
  it("is idempotent and creates the older system's key and indexes", async () => {
    expect(await ensureTable(client, table)).toBe("exists");
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    expect(Table?.TableStatus).toBe("ACTIVE");
    expect(Table?.KeySchema).toEqual([{ AttributeName: "recording_id", KeyType: "HASH" }]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(Table?.GlobalSecondaryIndexes?.map((gsi) => gsi.IndexName).sort()).toEqual([
      "meeting-index",
      "organization-index",
      "path-index",
    ]);
    const meeting = Table?.GlobalSecondaryIndexes?.find((gsi) => gsi.IndexName === "meeting-index");
    expect(meeting?.KeySchema).toEqual([
      { AttributeName: "meeting_id", KeyType: "HASH" },
      { AttributeName: "start_time", KeyType: "RANGE" },
    ]);
    expect(Table?.AttributeDefinitions).toContainEqual({ AttributeName: "meeting_id", AttributeType: "N" });
    expect(RECORDING_INDEXES.every((i) => i.hash.name !== "recording_id")).toBe(true);
  });

  it("waits until a new table is ACTIVE", async () => {
    const slow = await startDynalite({ createTableMs: 300 });
    try {
      const slowClient = slow.client();
      expect(await ensureTable(slowClient, "slow")).toBe("created");
      const { Table } = await slowClient.send(new DescribeTableCommand({ TableName: "slow" }));
      expect(Table?.TableStatus).toBe("ACTIVE");
    } finally {
      await slow.close();
    }
  });

  it("reports an existing table that lacks the indexes instead of using it", async () => {
    await client.send(
      new CreateTableCommand({
        TableName: "bare",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "recording_id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "recording_id", KeyType: "HASH" }],
      }),
    );
    const error = await ensureTable(client, "bare").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: "INDEX_FAILED", suggestion: expect.stringMatching(/zrec setup/) });
    expect((error as Error).message).toMatch(
      /^DynamoDB table bare exists but is not laid out as zrec needs: /,
    );
    expect((error as Error).message).toContain(
      "it has no global secondary index organization-index (HASH organization (S), RANGE start_time (S))",
    );
  });
});

describe("createDynamoDbIndex", () => {
  it("stores a document in the older system's item shape", async () => {
    const document = documentWithEverything(1);
    await index.put(document);
    expect(index.description).toBe(`DynamoDB table ${table}`);
    const raw = await client.send(
      new GetItemCommand({ TableName: table, Key: { recording_id: { S: document.recording_id } } }),
    );
    expect(raw.Item?.recording_id).toEqual({ S: document.recording_id });
    expect(raw.Item?.meeting_id).toEqual({ N: "8000000001" });
    expect(raw.Item?.password).toEqual({ S: "" });
    expect(raw.Item?.files?.L?.[0]?.M?.zoom_file_size).toEqual({ NULL: true });
    expect(raw.Item?.files?.L?.[0]?.M?.size).toEqual({ N: "1234" });
    expect(raw.Item).not.toHaveProperty("left_out");
  });

  it("writes 120 documents in one putMany, in batches of 25, retrying unprocessed items", async () => {
    const seen = recordCommands(client);
    throttleBatchWrites(client, 2);
    const documents = Array.from({ length: 120 }, (_, i) => doc(i));
    await index.putMany(documents);
    expect(seen.filter((name) => name === "BatchWriteItemCommand")).toHaveLength(5 + 2);
    expect(await index.list()).toHaveLength(120);
    expect(await index.get(documents[119]?.recording_id ?? "")).toEqual(documents[119]);
  });

  it("gives up on items the table keeps leaving unprocessed, saying how many", async () => {
    throttleBatchWrites(client, Number.POSITIVE_INFINITY);
    const limited = createDynamoDbIndex({ client, table, batchRetry: { attempts: 3, baseDelayMs: 1 } });
    const error = await limited.putMany([doc(1), doc(2), doc(3), doc(4)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: "INDEX_FAILED" });
    // 4 -> 2 written, 2 left; 2 -> 1 written, 1 left; 1 -> none written, 1 left.
    expect((error as Error).message).toBe(
      `DynamoDB table ${table}: writing 4 recordings failed: the table left 1 unwritten after 3 tries (first: recording ${doc(4).recording_id}).`,
    );
  });

  it("lists an organization through its index, newest first, ties broken by recording_id", async () => {
    const same = "2024-06-01T12:00:00Z";
    await index.putMany([
      ...Array.from({ length: 30 }, (_, i) =>
        doc(100 + i, {
          organization: "folio",
          start_time: `2024-02-${String(i + 1).padStart(2, "0")}T12:00:00Z`,
        }),
      ),
      doc(203, { organization: "folio", start_time: same }),
      doc(201, { organization: "folio", start_time: same }),
      doc(202, { organization: "folio", start_time: same }),
      doc(300, { organization: "olf", start_time: "2030-01-01T00:00:00Z" }),
    ]);
    const seen = recordCommands(client);
    const ids = (docs: { recording_id: string }[]) => docs.map((d) => Number(d.recording_id.slice(-4)));
    expect(ids(await index.list({ organization: "folio", since: "2024-02-28", limit: 4 }))).toEqual([
      201, 202, 203, 129,
    ]);
    expect(ids(await index.list({ organization: "folio", limit: 2 }))).toEqual([201, 202]);
    expect(seen.every((name) => name === `QueryCommand ${ORGANIZATION_INDEX}`)).toBe(true);
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });

  it("names the table and the recording when the table does not exist, and suggests zrec setup", async () => {
    const missing = createDynamoDbIndex({ client, table: "no-such-table" });
    const error = await missing.put(doc(3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: "INDEX_FAILED", suggestion: expect.stringContaining("zrec setup") });
    expect((error as Error).message).toBe(
      `DynamoDB table no-such-table: writing recording ${doc(3).recording_id} failed: the table does not exist`,
    );
    await expect(missing.get(doc(3).recording_id)).rejects.toThrow(
      /reading recording .* the table does not exist/,
    );
    await expect(missing.list({ organization: "folio" })).rejects.toThrow(BackendError);
    await expect(missing.putMany([doc(3)])).rejects.toThrow(BackendError);
  });

  it("builds its own client from region and endpoint, and destroys it on close", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "dynalite");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "dynalite");
    try {
      const own = createDynamoDbIndex({ table, endpoint: dynalite().endpoint, region: "us-east-1" });
      await own.put(doc(9));
      expect(await index.get(doc(9).recording_id)).toEqual(doc(9));
      await own.close?.();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
