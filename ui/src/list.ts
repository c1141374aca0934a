import { api, type Execution, type FunctionInfo } from "./api.js";
import { clear, formatDuration, formatTime, h, statusBadge } from "./dom.js";

const STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"];
const PAGE = 50;

/** Filters survive going to an execution and back. */
const filters = { status: "", functionName: "", search: "" };

/**
 * The execution list: newest first, one page at a time (the store is never read whole), filtered
 * by status and entry, searched by name or id, refreshed every two seconds.
 */
export function renderList(root: HTMLElement, functions: FunctionInfo[], signal: AbortSignal): void {
  const status = h("select", { id: "f-status", onchange: () => ((filters.status = status.value), reload()) }, h("option", { value: "" }, "All statuses"), STATUSES.map((s) => h("option", { value: s }, s)));
  status.value = filters.status;
  const entry = h("select", { id: "f-entry", onchange: () => ((filters.functionName = entry.value), reload()) }, h("option", { value: "" }, "All entries"), functions.map((f) => h("option", { value: f.name }, f.name)));
  entry.value = filters.functionName;
  let typing: number | undefined;
  const search = h("input", {
    id: "f-search",
    type: "search",
    placeholder: "execution name or id",
    value: filters.search,
    oninput: () => {
      clearTimeout(typing);
      typing = window.setTimeout(() => ((filters.search = search.value.trim()), reload()), 250);
    },
  });
  const body = h("tbody");
  const error = h("p", { role: "alert", class: "error", hidden: true });
  const summary = h("p", { class: "muted", "aria-live": "polite" });
  const more = h("button", { type: "button", hidden: true, onclick: () => void loadMore() }, "Load more");
  let rows: Execution[] = [];
  let nextToken: string | undefined;
  let pages = 1;

  const draw = () => {
    const now = Date.now();
    clear(
      body,
      rows.map((e) =>
        h(
          "tr",
          {},
          h("td", {}, h("a", { href: `#/executions/${encodeURIComponent(e.arn)}` }, e.name)),
          h("td", {}, e.functionName),
          h("td", {}, statusBadge(e.status)),
          h("td", {}, formatTime(e.startTime)),
          h("td", { class: "num" }, formatDuration((e.endTime ? Date.parse(e.endTime) : now) - Date.parse(e.startTime)), e.endTime ? "" : "…"),
        ),
      ),
    );
    summary.textContent = rows.length ? `${rows.length}${nextToken ? "+" : ""} execution${rows.length === 1 ? "" : "s"}` : "No executions match.";
    more.hidden = !nextToken;
  };
  const query = () => ({ status: filters.status, functionName: filters.functionName, search: filters.search, limit: PAGE });
  const fetchPages = async (n: number) => {
    let out: Execution[] = [];
    let token: string | undefined;
    for (let i = 0; i < n; i++) {
      const page = await api.listExecutions({ ...query(), nextToken: token });
      out = out.concat(page.executions);
      token = page.nextToken;
      if (!token) break;
    }
    return { out, token };
  };
  const reload = async (keepPages = false) => {
    if (!keepPages) pages = 1;
    try {
      const { out, token } = await fetchPages(pages);
      if (signal.aborted) return;
      rows = out;
      nextToken = token;
      error.hidden = true;
      draw();
    } catch (e) {
      error.textContent = (e as Error).message;
      error.hidden = false;
    }
  };
  const loadMore = async () => {
    pages++;
    await reload(true);
  };

  clear(
    root,
    h(
      "section",
      { class: "panel", "aria-label": "Executions" },
      h("h2", {}, "Executions"),
      h(
        "div",
        { class: "filters" },
        h("label", {}, "Status ", status),
        h("label", {}, "Entry ", entry),
        h("label", {}, "Search ", search),
      ),
      error,
      h("table", { class: "list" }, h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Entry"), h("th", {}, "Status"), h("th", {}, "Started"), h("th", {}, "Duration"))), body),
      summary,
      more,
    ),
  );
  void reload();
  const timer = window.setInterval(() => void reload(true), 2000);
  signal.addEventListener("abort", () => window.clearInterval(timer));
}
