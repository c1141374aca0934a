import { api, type FunctionInfo } from "./api.js";
import { h } from "./dom.js";

/** The "Start an execution" form: an entry, a JSON input (checked before it is sent), an optional name. */
export function startForm(functions: FunctionInfo[], onStarted: (arn: string) => void): HTMLElement {
  const fn = h("select", { id: "start-fn" }, functions.map((f) => h("option", { value: f.name }, f.name)));
  const input = h("textarea", { id: "start-input", rows: 4, spellcheck: "false" }, "{}");
  const name = h("input", { id: "start-name", placeholder: "optional; generated when empty" });
  const error = h("p", { role: "alert", class: "error", hidden: true });
  const submit = h("button", { type: "submit", class: "primary" }, "Start");
  const form = h(
    "form",
    {
      class: "start-form",
      "aria-label": "Start an execution",
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        error.hidden = true;
        const text = input.value.trim() || "{}";
        try {
          JSON.parse(text);
        } catch (e) {
          error.textContent = `The input is not valid JSON: ${(e as Error).message}`;
          error.hidden = false;
          return;
        }
        submit.disabled = true;
        try {
          const exec = await api.start(fn.value, text, name.value.trim() || undefined);
          onStarted(exec.arn);
        } catch (e) {
          error.textContent = (e as Error).message;
          error.hidden = false;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("h2", {}, "Start an execution"),
    h("label", {}, "Entry ", fn),
    h("label", { class: "block" }, "Input (JSON)", input),
    h("label", {}, "Name ", name),
    error,
    h("div", {}, submit),
  );
  if (functions.length === 0) {
    submit.disabled = true;
    error.textContent = "No handler is registered: pass a module or a project to durablec dev.";
    error.hidden = false;
  }
  return form;
}
