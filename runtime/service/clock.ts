/** The service's notion of time. Every timestamp the runtime stores comes from a Clock. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** True when time only moves when told to (tests); the runtime then jumps instead of sleeping. */
  readonly virtual: boolean;
}

export class RealClock implements Clock {
  readonly virtual = false;
  now(): number {
    return Date.now();
  }
}

/**
 * Time that moves only when the runtime (or a test) advances it, so a workflow that sleeps for
 * 30 days finishes at once, without faking timers process-wide.
 *
 * @example
 * const clock = new VirtualClock(Date.parse("2026-01-01T00:00:00Z"));
 * const rt = createRuntime({ clock });
 * await rt.runUntilIdle(); // jumps from one due wait, retry or timeout to the next
 */
export class VirtualClock implements Clock {
  readonly virtual = true;
  #now: number;
  constructor(start: number = Date.now()) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  /** Moves time forward to `t` (never backwards). */
  advanceTo(t: number): void {
    if (t > this.#now) this.#now = t;
  }
  advanceBy(ms: number): void {
    this.#now += Math.max(0, ms);
  }
}
