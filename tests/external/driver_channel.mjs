// The JSON-lines channel between a Node client script and its pytest driver: events out on stdout,
// messages in on stdin, and a watchdog so a stuck flow ends the process instead of the CI run.

import { createInterface } from 'node:readline';

export const WATCHDOG_MS = 90_000;

export function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

export const watchdog = setTimeout(() => {
  emit({ event: 'error', message: `no result within ${WATCHDOG_MS} ms` });
  process.exit(2);
}, WATCHDOG_MS);

const stdinLines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

export async function nextMessage() {
  const { value, done } = await stdinLines.next();
  if (done) throw new Error('the driver closed stdin');
  return JSON.parse(value);
}
