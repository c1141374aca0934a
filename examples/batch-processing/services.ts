/**
 * An offline stand-in for a data source with thousands of records (say, yesterday's card
 * transactions) and for the object store the results go to. Records are generated from the
 * batch id, so every run of a batch sees the same data.
 */
import { createHash } from "node:crypto";
import { dataFile, latency, readJson, writeJson } from "../shared/fake-service.js";

export interface Transaction {
  id: string;
  account: string;
  amountCents: number;
  currency: string;
}

/** A chunk of the batch: only where it starts and how many records, never the records. */
export interface ChunkRef {
  offset: number;
  count: number;
}

export interface ChunkResult {
  /** Where the chunk's detailed report was written: state carries the path, not the data. */
  report: string;
  records: number;
  flagged: number;
  amountCents: number;
}

function transaction(batchId: string, index: number): Transaction {
  const digest = createHash("sha256").update(`${batchId}:${index}`).digest();
  return {
    id: `${batchId}-${String(index).padStart(6, "0")}`,
    account: `acct-${digest.readUInt16BE(0) % 500}`,
    amountCents: digest.readUInt32BE(2) % 200_000,
    currency: "EUR",
  };
}

/** Lists the chunks of a batch (asks the source how many records it has). */
export async function listChunks(batchId: string, records: number, chunkSize: number): Promise<ChunkRef[]> {
  await latency();
  const chunks: ChunkRef[] = [];
  for (let offset = 0; offset < records; offset += chunkSize) chunks.push({ offset, count: Math.min(chunkSize, records - offset) });
  void batchId;
  return chunks;
}

/**
 * Fetches the chunk's records, screens them (amounts of 1,500 EUR or more are flagged) and
 * writes the detailed report to a file. Writing the same chunk again overwrites the same file,
 * so a retried chunk is harmless.
 */
export async function processChunk(batchId: string, chunk: ChunkRef): Promise<ChunkResult> {
  await latency();
  const rows = Array.from({ length: chunk.count }, (_, i) => transaction(batchId, chunk.offset + i));
  const flagged = rows.filter((t) => t.amountCents >= 150_000);
  const report = await writeJson(dataFile("batches", batchId, `chunk-${chunk.offset}.json`), { chunk, rows, flagged: flagged.map((t) => t.id) });
  return { report, records: rows.length, flagged: flagged.length, amountCents: rows.reduce((sum, t) => sum + t.amountCents, 0) };
}

/** Merges the chunk reports into one summary file and returns its path. */
export async function writeSummary(batchId: string, reports: string[]): Promise<string> {
  await latency();
  const flagged: string[] = [];
  for (const report of reports) flagged.push(...(await readJson<{ flagged: string[] }>(report)).flagged);
  return writeJson(dataFile("batches", batchId, "summary.json"), { batchId, chunks: reports.length, flagged });
}
