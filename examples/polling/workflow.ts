import { waitFor } from "durablec";
import { getJobStatus, startExport, type JobStatus } from "./services.js";

export interface ExportRequest {
  reportId: string;
  /** How many status checks the fake job needs before it is done. */
  checksUntilDone?: number;
}

export async function exportReport(request: ExportRequest): Promise<{ reportId: string; url: string; checks: number }> {
  "use durable";
  const job = await startExport(request.reportId, request.checksUntilDone ?? 3);
  // Each check is a checkpointed step; between checks the function is suspended, not sleeping.
  const done = await waitFor((state: JobStatus) => getJobStatus(job.jobId, state), {
    until: (state) => state.status === "DONE",
    initialState: job,
    backoff: { initialDelay: "1s", maxDelay: "30s", rate: 2 },
  });
  return { reportId: request.reportId, url: done.url!, checks: done.checks };
}
