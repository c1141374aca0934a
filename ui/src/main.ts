import { api, type BuildStatus, type FunctionInfo } from "./api.js";
import { clear, formatTime, h } from "./dom.js";
import { renderExecution } from "./execution.js";
import { renderList } from "./list.js";
import { startForm } from "./start.js";

/** The dev UI: a hash router over two views, the execution list and one execution. */
const app = document.getElementById("app")!;
/** Shared with the views and updated in place when a rebuild changes the entries. */
const functions: FunctionInfo[] = [];
const entriesLine = h("span", { class: "muted" });
const buildBanner = h("div", { class: "build-banner", role: "alert", hidden: true });
let current: AbortController | undefined;
let known = "";

function route(): void {
  current?.abort();
  current = new AbortController();
  const view = h("main", { class: "view" });
  const m = /^#\/executions\/(.+)$/.exec(location.hash);
  clear(
    app,
    h("header", { class: "top" }, h("h1", {}, h("a", { href: "#/" }, "durablec dev")), entriesLine),
    buildBanner,
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

function showBuild(build: BuildStatus | undefined): void {
  buildBanner.hidden = !build || build.ok;
  if (build && !build.ok) {
    clear(
      buildBanner,
      h("strong", {}, `The last build failed (${formatTime(build.time)}); the handlers of the previous build keep running.`),
      build.diagnostics ? h("pre", {}, build.diagnostics) : null,
    );
  }
}

/** Entries and build status: read at start, then every three seconds (a rebuild may change them). */
async function refreshFunctions(): Promise<boolean> {
  const r = await api.functions();
  const text = JSON.stringify(r);
  if (text === known) return false;
  known = text;
  const before = functions.map((f) => f.name).join();
  functions.splice(0, functions.length, ...r.functions);
  entriesLine.textContent = functions.length ? `entries: ${functions.map((f) => f.name).join(", ")}` : "no entries registered";
  showBuild(r.build);
  return functions.map((f) => f.name).join() !== before;
}

async function main(): Promise<void> {
  try {
    await refreshFunctions();
  } catch (e) {
    clear(app, h("p", { role: "alert", class: "error" }, `Cannot reach the durablec API: ${(e as Error).message}`));
    return;
  }
  window.addEventListener("hashchange", route);
  route();
  window.setInterval(() => {
    // The banner changes at once; new or removed entries redraw the list page unless someone is typing there.
    refreshFunctions().then(
      (changed) => changed && !location.hash.startsWith("#/executions/") && document.activeElement === document.body && route(),
      () => {},
    );
  }, 3000);
}

void main();
