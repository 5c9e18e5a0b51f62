/**
 * The DynamoDB table the recording index lives in, laid out as the older system created it, so a table
 * it wrote is used as is. This file is the one definition of that layout: `zrec setup` creates it from
 * here and the index queries the index names declared here.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  type KeySchemaElement,
  type TableDescription,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { BackendError, ErrorCode, messageOf } from "../errors.js";
import { type AwsBackendOptions, awsClientConfig } from "./aws-client-config.js";

export interface KeyAttribute {
  name: string;
  type: "S" | "N";
}

export interface SecondaryIndexDefinition {
  name: string;
  hash: KeyAttribute;
  range?: KeyAttribute;
}

/** The table's hash key: one item per recording. */
export const RECORDING_KEY: KeyAttribute = { name: "recording_id", type: "S" };

export const ORGANIZATION_INDEX = "organization-index";
const MEETING_INDEX = "meeting-index";
const PATH_INDEX = "path-index";

const START_TIME: KeyAttribute = { name: "start_time", type: "S" };

/** The older system's global secondary indexes, each projecting the whole item. */
export const RECORDING_INDEXES: readonly SecondaryIndexDefinition[] = [
  { name: ORGANIZATION_INDEX, hash: { name: "organization", type: "S" }, range: START_TIME },
  { name: MEETING_INDEX, hash: { name: "meeting_id", type: "N" }, range: START_TIME },
  { name: PATH_INDEX, hash: { name: "recording_path", type: "S" } },
];

/**
 * The CreateTable request for the index table: key `recording_id`, the three indexes, on-demand billing.
 * @example
 * await client.send(new CreateTableCommand(recordingTableDefinition("zoom-recordings")));
 */
function recordingTableDefinition(table: string): CreateTableCommandInput {
  const attributes = new Map<string, KeyAttribute>([[RECORDING_KEY.name, RECORDING_KEY]]);
  for (const index of RECORDING_INDEXES) {
    for (const key of [index.hash, index.range]) if (key) attributes.set(key.name, key);
  }
  return {
    TableName: table,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [...attributes.values()].map(
      (key): AttributeDefinition => ({ AttributeName: key.name, AttributeType: key.type }),
    ),
    KeySchema: keySchema(RECORDING_KEY),
    GlobalSecondaryIndexes: RECORDING_INDEXES.map((index) => ({
      IndexName: index.name,
      KeySchema: keySchema(index.hash, index.range),
      Projection: { ProjectionType: "ALL" },
    })),
  };
}

/**
 * A DynamoDB client for `index.region`, `index.endpoint` and `index.profile`; the caller destroys it.
 * @example
 * const client = createDynamoDbClient({ region: "us-east-1" });
 * try { await ensureTable(client, "zoom-recordings"); } finally { client.destroy(); }
 */
export function createDynamoDbClient(options: AwsBackendOptions): DynamoDBClient {
  return new DynamoDBClient(awsClientConfig(options));
}

/**
 * Creates the index table when it is missing and waits until it is ACTIVE. An existing table is left
 * alone but checked: one that lacks an index (or keys it differently) is reported, not silently used,
 * because `list` would fail on it later in a less helpful way.
 *
 * @returns "created" when this call made the table, "exists" when it was there already.
 * @throws BackendError (INDEX_FAILED) naming the table and what is wrong with it.
 * @example
 * const outcome = await ensureTable(client, "zoom-recordings"); // "created" the first time, then "exists"
 */
export async function ensureTable(client: DynamoDBClient, table: string): Promise<"created" | "exists"> {
  const description = `DynamoDB table ${table}`;
  const fail = (action: string, cause: unknown) =>
    new BackendError(ErrorCode.INDEX_FAILED, `${description}: ${action} failed: ${messageOf(cause)}`, {
      cause,
    });

  let existing = await describeTable(client, table).catch((error: unknown) => {
    throw fail("describing the table", error);
  });
  let outcome: "created" | "exists" = "exists";
  if (existing === undefined) {
    try {
      await client.send(new CreateTableCommand(recordingTableDefinition(table)));
      outcome = "created";
    } catch (error) {
      // Someone else (another `zrec setup`) created it between our two calls: check theirs like any other.
      if (errorName(error) !== "ResourceInUseException") throw fail("creating the table", error);
    }
  }
  if (existing?.TableStatus !== "ACTIVE") {
    try {
      // AWS takes seconds to minutes (longer with indexes); the SDK's default first wait is 20 s.
      await waitUntilTableExists(
        { client, minDelay: 1, maxDelay: 10, maxWaitTime: 600 },
        { TableName: table },
      );
      existing = await describeTable(client, table);
    } catch (error) {
      throw fail("waiting for the table to become ACTIVE", error);
    }
  }
  if (outcome === "exists") checkLayout(description, existing);
  return outcome;
}

async function describeTable(client: DynamoDBClient, table: string): Promise<TableDescription | undefined> {
  try {
    const output = await client.send(new DescribeTableCommand({ TableName: table }));
    return output.Table;
  } catch (error) {
    if (errorName(error) === "ResourceNotFoundException") return undefined;
    throw error;
  }
}

function checkLayout(description: string, table: TableDescription | undefined): void {
  const types = new Map((table?.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  const describeKeys = (schema: KeySchemaElement[] | undefined) =>
    (schema ?? []).map((k) => `${k.KeyType} ${k.AttributeName} (${types.get(k.AttributeName)})`).join(", ");
  const problems: string[] = [];

  const wantedKey = expectedKeys(RECORDING_KEY);
  if (describeKeys(table?.KeySchema) !== wantedKey) {
    problems.push(`its key is ${describeKeys(table?.KeySchema) || "unknown"}, not ${wantedKey}`);
  }
  for (const index of RECORDING_INDEXES) {
    const found = table?.GlobalSecondaryIndexes?.find((gsi) => gsi.IndexName === index.name);
    const wanted = expectedKeys(index.hash, index.range);
    if (found === undefined) {
      problems.push(`it has no global secondary index ${index.name} (${wanted})`);
    } else if (describeKeys(found.KeySchema) !== wanted) {
      problems.push(`its index ${index.name} is keyed ${describeKeys(found.KeySchema)}, not ${wanted}`);
    } else if (found.Projection?.ProjectionType !== "ALL") {
      problems.push(`its index ${index.name} does not project all attributes`);
    }
  }
  if (problems.length === 0) return;
  throw new BackendError(
    ErrorCode.INDEX_FAILED,
    `${description} exists but is not laid out as zrec needs: ${problems.join("; ")}.`,
    {
      suggestion:
        "Add what is missing with `aws dynamodb update-table` (one index per call), or set index.table to a new name and run `zrec setup` to create it.",
    },
  );
}

function keySchema(hash: KeyAttribute, range?: KeyAttribute): KeySchemaElement[] {
  const schema: KeySchemaElement[] = [{ AttributeName: hash.name, KeyType: "HASH" }];
  if (range) schema.push({ AttributeName: range.name, KeyType: "RANGE" });
  return schema;
}

function expectedKeys(hash: KeyAttribute, range?: KeyAttribute): string {
  return [hash, range]
    .filter((key): key is KeyAttribute => key !== undefined)
    .map((key, i) => `${i === 0 ? "HASH" : "RANGE"} ${key.name} (${key.type})`)
    .join(", ");
}

/** The AWS error name (`ResourceNotFoundException`, …) of an SDK error, if it is one. */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
