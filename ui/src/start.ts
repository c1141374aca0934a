import { api, ApiError, type FunctionInfo } from "./api.js";
import { clear, h } from "./dom.js";
import { exampleOf, shapeText } from "./input-shape.js";

/**
 * The "Start an execution" form: an entry, a JSON input, an optional name. The server checks the
 * input against the entry's event schema; each problem it finds is listed under the input, and
 * nothing is started. The expected input of the selected entry is shown, with an example to start from.
 */
export function startForm(functions: FunctionInfo[], onStarted: (arn: string) => void): HTMLElement {
  const fn = h("select", { id: "start-fn" }, functions.map((f) => h("option", { value: f.name }, f.name)));
  const input = h("textarea", { id: "start-input", rows: 4, spellcheck: "false", "aria-describedby": "start-problems" }, "{}");
  const name = h("input", { id: "start-name", placeholder: "optional; generated when empty" });
  const error = h("p", { role: "alert", class: "error", hidden: true });
  const problems = h("ul", { id: "start-problems", class: "problems", "aria-label": "Input problems", hidden: true });
  const shape = h("div", { class: "input-shape" });
  const submit = h("button", { type: "submit", class: "primary" }, "Start");

  const selected = () => functions.find((f) => f.name === fn.value);
  const showShape = () => {
    const schema = selected()?.eventSchema;
    if (!schema) return clear(shape, h("p", { class: "muted small" }, "This entry's input is not typed: any JSON is accepted."));
    clear(
      shape,
      h("details", { class: "shape" }, h("summary", {}, "Expected input"), h("pre", { "aria-label": "Expected input" }, shapeText(schema))),
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            const current = selected()?.eventSchema;
            if (current) input.value = JSON.stringify(exampleOf(current), null, 2);
          },
        },
        "Fill in an example",
      ),
    );
  };
  fn.addEventListener("change", showShape);

  const form = h(
    "form",
    {
      class: "start-form",
      "aria-label": "Start an execution",
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        error.hidden = true;
        problems.hidden = true;
        input.removeAttribute("aria-invalid");
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
          if (e instanceof ApiError && e.problems?.length) {
            error.textContent = `The input does not match the type of ${fn.value}'s event (${e.problems.length} problem${e.problems.length === 1 ? "" : "s"}); nothing was started.`;
            clear(problems, e.problems.map((p) => h("li", {}, h("code", {}, p.path), ": ", p.message)));
            problems.hidden = false;
            input.setAttribute("aria-invalid", "true");
          } else error.textContent = (e as Error).message;
          error.hidden = false;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("h2", {}, "Start an execution"),
    h("label", {}, "Entry ", fn),
    shape,
    h("label", { class: "block" }, "Input (JSON)", input),
    error,
    problems,
    h("label", {}, "Name ", name),
    h("div", {}, submit),
  );
  if (functions.length === 0) {
    submit.disabled = true;
    error.textContent = "No handler is registered: pass a module or a project to durablec dev.";
    error.hidden = false;
  } else showShape();
  return form;
}
