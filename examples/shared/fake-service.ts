/**
 * The storage of the examples' fake services. Each service keeps its records in a JSON-lines
 * file, so its state outlives a killed worker exactly as a real payment or inventory system
 * would: that is what makes a crash and an idempotency key visible.
 *
 * The directory is `$DURABLEC_EXAMPLES_DATA`, or `.durable/examples-data` under the working
 * directory. `$DURABLEC_EXAMPLES_LATENCY_MS` adds a network-like delay to every call.
 */
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

export function dataDir(): string {
  return process.env.DURABLEC_EXAMPLES_DATA || join(process.cwd(), ".durable", "examples-data");
}

/** A path inside the data directory (for large data passed around by reference). */
export function dataFile(...parts: string[]): string {
  return join(dataDir(), ...parts);
}

/** Simulated network latency of a service call. */
export async function latency(): Promise<void> {
  const ms = Number(process.env.DURABLEC_EXAMPLES_LATENCY_MS ?? 0);
  if (ms > 0) await delay(ms);
}

/** Appends one record to a service's ledger. */
export async function append<T>(service: string, record: T): Promise<void> {
  const file = dataFile(`${service}.jsonl`);
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, JSON.stringify(record) + "\n");
}

/** Every record a service has written, oldest first. */
export async function records<T>(service: string): Promise<T[]> {
  try {
    const text = await readFile(dataFile(`${service}.jsonl`), "utf8");
    return text
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as T);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** Writes a JSON document into the data directory and returns its path. */
export async function writeJson(path: string, value: unknown): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(value));
  return path;
}

export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, "utf8")) as T;
}
