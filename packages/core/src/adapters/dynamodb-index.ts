/**
 * The recording index on DynamoDB, in the older system's item shape: each item is the recording
 * document itself (key `recording_id`), so the website builders and tools that read the table keep
 * working. The table's layout lives in `dynamodb-table.ts`.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  PutCommand,
  paginateQuery,
  paginateScan,
} from "@aws-sdk/lib-dynamodb";
import { BackendError, ErrorCode, messageOf } from "../errors.js";
import type { ListFilter, RecordingIndex } from "../ports.js";
import type { RecordingDocument } from "../recording/document.js";
import { defaultRetryPolicy, type RetryPolicy, withRetry } from "../retry.js";
import type { AwsBackendOptions } from "./aws-client-config.js";
import { createDynamoDbClient, errorName, ORGANIZATION_INDEX } from "./dynamodb-table.js";

export type DynamoDbIndexOptions = ({ client: DynamoDBClient } | AwsBackendOptions) & {
  /** The table's name; `zrec setup` (`ensureTable`) creates it. */
  table: string;
  /**
   * How BatchWriteItem's unprocessed items are retried in `putMany`. Default 8 tries, 100 ms doubling
   * up to 5 s between them (about 11 s in all before giving up).
   */
  batchRetry?: Partial<RetryPolicy> & { sleep?: (ms: number) => Promise<void> };
};

/** BatchWriteItem's limit per request. */
const BATCH_SIZE = 25;
const BATCH_RETRY: RetryPolicy = { ...defaultRetryPolicy, attempts: 8, baseDelayMs: 100, maxDelayMs: 5_000 };
const MISSING_TABLE_SUGGESTION = "Run `zrec setup` to create it, or check index.table and index.region.";

/** Thrown inside the retry loop while BatchWriteItem leaves items unprocessed. */
class Unprocessed extends Error {}

type Item = Record<string, NativeAttributeValue>;
type WriteRequests = NonNullable<BatchWriteCommandInput["RequestItems"]>[string];

/**
 * Opens the DynamoDB index. No request is made until the first call; `zrec setup` makes the table.
 *
 * `put` always replaces the item. The index is a copy of `{id}/recording_document.json`, which is the
 * truth: a conditional write (say, "only if ingested_at is newer") would stop `reindex` and
 * `rebuild-db` from repairing a wrong row, and would trust the clocks of different machines. Two
 * concurrent writers of one recording write documents built from the same stored objects, so the last
 * write loses nothing that storage does not still hold.
 *
 * @example
 * const index = createDynamoDbIndex({ table: "zoom-recordings", region: "us-east-1" });
 * await index.put(document);
 * const recent = await index.list({ organization: "folio", since: "2024-01-01", limit: 20 });
 * await index.close?.();
 */
export function createDynamoDbIndex(options: DynamoDbIndexOptions): RecordingIndex {
  const { table } = options;
  const description = `DynamoDB table ${table}`;
  const owned = "client" in options ? undefined : createDynamoDbClient(options);
  const base = "client" in options ? options.client : (owned as DynamoDBClient);
  // Documents may carry undefined optional fields; DynamoDB has no such value, so they are left out.
  const documents = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  const batchRetry = { ...BATCH_RETRY, ...options.batchRetry };

  const fail = (action: string, cause: unknown) => {
    const name = errorName(cause);
    const missingTable = name === "ResourceNotFoundException";
    const missingIndex = name === "ValidationException" && /index/i.test(messageOf(cause));
    const reason = missingTable ? "the table does not exist" : messageOf(cause);
    const suggestion = missingTable
      ? MISSING_TABLE_SUGGESTION
      : missingIndex
        ? "Run `zrec setup`: it checks that the table has the indexes zrec needs."
        : undefined;
    return new BackendError(ErrorCode.INDEX_FAILED, `${description}: ${action} failed: ${reason}`, {
      cause,
      ...(suggestion === undefined ? {} : { suggestion }),
    });
  };

  async function writeBatch(batch: RecordingDocument[], total: number): Promise<void> {
    let pending: WriteRequests = batch.map((document) => ({ PutRequest: { Item: document } }));
    try {
      await withRetry(
        async () => {
          const output = await documents.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
          pending = output.UnprocessedItems?.[table] ?? [];
          if (pending.length > 0) throw new Unprocessed();
        },
        { ...batchRetry, retryable: (error) => error instanceof Unprocessed },
      );
    } catch (error) {
      const first = pending[0]?.PutRequest?.Item?.recording_id ?? batch[0]?.recording_id;
      if (!(error instanceof Unprocessed))
        throw fail(`writing ${total} recordings (at recording ${first})`, error);
      throw new BackendError(
        ErrorCode.INDEX_FAILED,
        `${description}: writing ${total} recordings failed: the table left ${pending.length} unwritten after ${batchRetry.attempts} tries (first: recording ${first}).`,
        {
          suggestion:
            "The table is throttling writes. Run the same command again (writing a recording twice is harmless), or raise the table's capacity.",
        },
      );
    }
  }

  async function collect(filter: ListFilter, limit: number | undefined): Promise<RecordingDocument[]> {
    const topic = filter.topic ? filter.topic.toLowerCase() : undefined;
    // DynamoDB's `contains` is case-sensitive and folds nothing, so the topic is matched here.
    const matches = (item: Item) =>
      topic === undefined ||
      (typeof item.meeting_topic === "string" && item.meeting_topic.toLowerCase().includes(topic));
    const since = filter.since === undefined ? {} : { ":since": filter.since };
    const found: RecordingDocument[] = [];

    if (filter.organization === undefined) {
      const pages = paginateScan(
        { client: documents },
        {
          TableName: table,
          ...(filter.since === undefined
            ? {}
            : {
                FilterExpression: "#start >= :since",
                ExpressionAttributeNames: { "#start": "start_time" },
                ExpressionAttributeValues: since,
              }),
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) if (matches(item)) found.push(item as RecordingDocument);
      }
      return found;
    }

    const pages = paginateQuery(
      // Without a topic to filter by, each page needs little more than `limit` items.
      { client: documents, ...(limit !== undefined && topic === undefined ? { pageSize: limit + 1 } : {}) },
      {
        TableName: table,
        IndexName: ORGANIZATION_INDEX,
        KeyConditionExpression: `#org = :org${filter.since === undefined ? "" : " AND #start >= :since"}`,
        ExpressionAttributeNames: {
          "#org": "organization",
          ...(filter.since === undefined ? {} : { "#start": "start_time" }),
        },
        ExpressionAttributeValues: { ":org": filter.organization, ...since },
        ScanIndexForward: false,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) if (matches(item)) found.push(item as RecordingDocument);
      if (limit !== undefined && pastLimit(found, limit)) break;
    }
    return found;
  }

  return {
    description,

    async put(document) {
      try {
        await documents.send(new PutCommand({ TableName: table, Item: document }));
      } catch (error) {
        throw fail(`writing recording ${document.recording_id}`, error);
      }
    },

    async replaceIf(document, expected) {
      const names: Record<string, string> = { "#id": "recording_id" };
      const values: Record<string, unknown> = {};
      let condition = "attribute_not_exists(#id)";
      if (expected !== undefined) {
        const clauses = ["attribute_exists(#id)"];
        // Placeholders of letters only, as DynamoDB's documentation shows them.
        for (const [placeholder, field, value] of [
          ["ingested", "ingested_at", expected.ingested_at],
          ["trashed", "zoom_trashed_at", expected.zoom_trashed_at],
        ] as const) {
          names[`#${placeholder}`] = field;
          if (value === undefined) clauses.push(`attribute_not_exists(#${placeholder})`);
          else {
            values[`:${placeholder}`] = value;
            clauses.push(`#${placeholder} = :${placeholder}`);
          }
        }
        condition = clauses.join(" AND ");
      }
      try {
        await documents.send(
          new PutCommand({
            TableName: table,
            Item: document,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
          }),
        );
        return true;
      } catch (error) {
        if (errorName(error) === "ConditionalCheckFailedException") return false;
        throw fail(`writing recording ${document.recording_id}`, error);
      }
    },

    async putMany(list) {
      // BatchWriteItem refuses two writes of one key in a request; the last document given wins.
      const unique = [...new Map(list.map((document) => [document.recording_id, document])).values()];
      // Batches already written stay written when a later one fails: re-running is harmless.
      for (let start = 0; start < unique.length; start += BATCH_SIZE) {
        await writeBatch(unique.slice(start, start + BATCH_SIZE), list.length);
      }
    },

    async get(recordingId) {
      try {
        const output = await documents.send(
          new GetCommand({ TableName: table, Key: { recording_id: recordingId }, ConsistentRead: true }),
        );
        return output.Item as RecordingDocument | undefined;
      } catch (error) {
        throw fail(`reading recording ${recordingId}`, error);
      }
    },

    async list(filter: ListFilter = {}) {
      const limit = filter.limit === undefined ? undefined : Math.max(0, Math.floor(filter.limit));
      if (limit === 0) return [];
      let found: RecordingDocument[];
      try {
        found = await collect(filter, limit);
      } catch (error) {
        throw fail("listing recordings", error);
      }
      found.sort(newestFirst);
      return limit === undefined ? found : found.slice(0, limit);
    },

    async delete(recordingId) {
      try {
        await documents.send(new DeleteCommand({ TableName: table, Key: { recording_id: recordingId } }));
      } catch (error) {
        throw fail(`deleting recording ${recordingId}`, error);
      }
    },

    async close() {
      owned?.destroy();
    },
  };
}

/**
 * A query on the organization index yields items newest first, so once an item older than the
 * `limit`-th has arrived, no later item can sort before it (ties on start_time are settled by
 * recording_id, as in the SQLite index, so items tied with the `limit`-th are still read).
 */
function pastLimit(found: RecordingDocument[], limit: number): boolean {
  const boundary = found[limit - 1];
  const last = found.at(-1);
  if (found.length <= limit || boundary === undefined || last === undefined) return false;
  const [lastStart, boundaryStart] = [startOf(last), startOf(boundary)];
  return lastStart !== undefined && boundaryStart !== undefined && lastStart < boundaryStart;
}

/** start_time descending (a missing one last), then recording_id ascending: the SQLite index's order. */
function newestFirst(a: RecordingDocument, b: RecordingDocument): number {
  const [x, y] = [startOf(a), startOf(b)];
  if (x !== y) {
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    return x < y ? 1 : -1;
  }
  return a.recording_id < b.recording_id ? -1 : a.recording_id > b.recording_id ? 1 : 0;
}

function startOf(document: RecordingDocument): string | undefined {
  return typeof document.start_time === "string" ? document.start_time : undefined;
}
