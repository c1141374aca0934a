import { listChunks, processChunk, writeSummary } from "./services.js";

export interface BatchJob {
  batchId: string;
  records: number;
  chunkSize?: number;
}

export interface BatchSummary {
  batchId: string;
  chunks: number;
  records: number;
  flagged: number;
  amountCents: number;
  summary: string;
}

export async function processBatch(job: BatchJob): Promise<BatchSummary> {
  "use durable";
  // Only chunk references go into the checkpoints; the records are read inside each step.
  const chunks = await listChunks(job.batchId, job.records, job.chunkSize ?? 100);

  let records = 0;
  let flagged = 0;
  let amountCents = 0;
  const reports: string[] = [];
  // @durable concurrency=10
  for (const chunk of chunks) {
    const result = await processChunk(job.batchId, chunk);
    records += result.records;
    flagged += result.flagged;
    amountCents += result.amountCents;
    reports.push(result.report);
  }

  const summary = await writeSummary(job.batchId, reports);
  return { batchId: job.batchId, chunks: chunks.length, records, flagged, amountCents, summary };
}
