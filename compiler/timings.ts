/**
 * Where a build spends its time (`durablec build --timings`): wall-clock phases in the order they
 * ran, each measured from the end of the one before.
 */
export interface Phase {
  name: string;
  ms: number;
}

export class Timings {
  readonly phases: Phase[] = [];
  #last = performance.now();

  /** Ends the current phase under `name`. */
  mark(name: string): void {
    const now = performance.now();
    this.phases.push({ name, ms: now - this.#last });
    this.#last = now;
  }
}

/** The phases as a table, one per line, and their total. */
export function formatTimings(phases: readonly Phase[]): string {
  const rows = [...phases, { name: "total", ms: phases.reduce((sum, p) => sum + p.ms, 0) }];
  const width = Math.max(...rows.map((r) => r.name.length));
  return rows.map((r) => `${r.name.padEnd(width)}  ${Math.round(r.ms).toString().padStart(6)} ms`).join("\n");
}
