/** An offline stand-in for the mail system that asks people for decisions. */
import { append, latency } from "../shared/fake-service.js";

export interface ExpenseReport {
  reportId: string;
  employee: string;
  amount: number;
  approver: string;
  escalateTo: string;
}

/**
 * Asks someone to approve or reject. The message carries the callback id, which the approval
 * page sends back (`durablec callback succeed <id> '{"approved":true}'`, or the HTTP API).
 */
export async function requestApproval(to: string, report: ExpenseReport, callbackId: string): Promise<void> {
  await latency();
  await append("approval-requests", { to, reportId: report.reportId, amount: report.amount, callbackId });
}

export async function notifyEmployee(report: ExpenseReport, outcome: string): Promise<void> {
  await latency();
  await append("outbox", { to: report.employee, subject: `Expense ${report.reportId}: ${outcome}` });
}
