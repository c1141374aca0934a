/**
 * An offline stand-in for a slow external job API (a report export, a video transcode): a job
 * is done after a number of status checks, and its state lives in a ledger, as it would on the
 * real service.
 */
import { append, latency, records } from "../shared/fake-service.js";

export interface JobStatus {
  jobId: string;
  status: "QUEUED" | "RUNNING" | "DONE";
  checks: number;
  url?: string;
}

/**
 * Starts the export. Safe to repeat (the job id is derived from the report id), so it may be
 * retried more eagerly than the default: five attempts, one second apart at first.
 *
 * @retry 5 1s
 */
export async function startExport(reportId: string, checksUntilDone: number): Promise<JobStatus> {
  await latency();
  const jobId = `job-${reportId}`;
  await append("export-jobs", { jobId, checksUntilDone });
  return { jobId, status: "QUEUED", checks: 0 };
}

/** One status request to the job API. */
export async function getJobStatus(jobId: string, previous: JobStatus): Promise<JobStatus> {
  await latency();
  const job = (await records<{ jobId: string; checksUntilDone: number }>("export-jobs")).find((j) => j.jobId === jobId);
  if (!job) throw new Error(`Unknown job ${jobId}`);
  const checks = previous.checks + 1;
  if (checks >= job.checksUntilDone) return { jobId, status: "DONE", checks, url: `file:///exports/${jobId}.csv` };
  return { jobId, status: "RUNNING", checks };
}
