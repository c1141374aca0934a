import { api, type FunctionInfo } from "./api.js";
import { clear, h } from "./dom.js";
import { renderExecution } from "./execution.js";
import { renderList } from "./list.js";
import { startForm } from "./start.js";

/** The dev UI: a hash router over two views, the execution list and one execution. */
const app = document.getElementById("app")!;
let functions: FunctionInfo[] = [];
let current: AbortController | undefined;

function route(): void {
  current?.abort();
  current = new AbortController();
  const view = h("main", { class: "view" });
  const m = /^#\/executions\/(.+)$/.exec(location.hash);
  clear(
    app,
    h(
      "header",
      { class: "top" },
      h("h1", {}, h("a", { href: "#/" }, "durablec dev")),
      h("span", { class: "muted" }, functions.length ? `entries: ${functions.map((f) => f.name).join(", ")}` : "no entries registered"),
    ),
    h("div", { class: "layout" }, view, m ? null : h("aside", { class: "panel side" }, startForm(functions, (arn) => (location.hash = `#/executions/${encodeURIComponent(arn)}`)))),
  );
  let arn: string | undefined;
  try {
    arn = m ? decodeURIComponent(m[1]!) : undefined;
  } catch {
    clear(view, h("p", { role: "alert", class: "error" }, "This address names no execution: its ARN is not URL-encoded correctly."));
    return;
  }
  if (arn !== undefined) renderExecution(view, arn, functions, current.signal);
  else renderList(view, functions, current.signal);
}

async function main(): Promise<void> {
  try {
    functions = (await api.functions()).functions;
  } catch (e) {
    clear(app, h("p", { role: "alert", class: "error" }, `Cannot reach the durablec API: ${(e as Error).message}`));
    return;
  }
  window.addEventListener("hashchange", route);
  route();
}

void main();
