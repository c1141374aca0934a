import { waitForCallback } from "durablec";
import { notifyEmployee, requestApproval, type ExpenseReport } from "./services.js";

export interface Answer {
  approved: boolean;
  comment?: string;
}

export interface Outcome {
  reportId: string;
  status: "approved" | "rejected" | "escalated";
  decidedBy?: string;
  comment?: string;
}

export async function approveExpense(report: ExpenseReport): Promise<Outcome> {
  "use durable";
  let answer: Answer;
  try {
    answer = await waitForCallback<Answer>((callbackId) => requestApproval(report.approver, report, callbackId), {
      timeout: { hours: 24 },
    });
  } catch (error) {
    if (!isTimeout(error)) throw error;
    // Nobody answered within a day: hand it to the escalation contact and tell the employee.
    await notifyEmployee(report, `escalated to ${report.escalateTo}`);
    return { reportId: report.reportId, status: "escalated", decidedBy: report.escalateTo };
  }
  const status = answer.approved ? "approved" : "rejected";
  await notifyEmployee(report, status);
  return { reportId: report.reportId, status, decidedBy: report.approver, ...(answer.comment ? { comment: answer.comment } : {}) };
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && /timed? ?out/i.test(`${error.name} ${error.message}`);
}
