/**
 * A deterministic place for fault tests to kill a publishing process (test/integration/publish-fault.test.ts).
 * With ROSTERSYNC_TEST_PAUSE_AT set to a point's name — `copy:1` (a folder destination copied its first
 * file into staging), `rename:1` (the first data file was renamed into place) — the process writes its
 * pid to ROSTERSYNC_TEST_PAUSE_FILE and waits there until it is killed. Unset (always, outside these
 * tests), it is one environment lookup.
 */
import { writeFileSync } from 'node:fs';

export async function pauseForTest(point: string): Promise<void> {
  if (process.env.ROSTERSYNC_TEST_PAUSE_AT !== point) return;
  const signalFile = process.env.ROSTERSYNC_TEST_PAUSE_FILE;
  if (signalFile) writeFileSync(signalFile, String(process.pid));
  // An interval keeps the event loop alive, so the process stays exactly here until the test kills it.
  await new Promise<never>(() => setInterval(() => undefined, 60_000));
}
