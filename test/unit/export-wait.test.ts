/** #16.3: a wait for an export file still being written says which file and why, so the run's log can show it. */
import { afterAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntilComplete } from '../../src/sources/export-folder.js';

const dir = mkdtempSync(join(tmpdir(), 'rs-export-wait-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('waitUntilComplete onWaiting', () => {
  it('reports a fresh file, then that its size is still changing with the size, and resolves once it is quiet', async () => {
    const file = join(dir, 'students.csv');
    writeFileSync(file, 'id\n');
    const reasons: string[] = [];
    let appends = 0;
    const grower = setInterval(() => {
      if (++appends <= 4) appendFileSync(file, `${'x'.repeat(500_000)}\n`);
    }, 150);
    try {
      await waitUntilComplete(file, { quietMs: 1000, maxWaitMs: 60_000, pollMs: 100, onWaiting: (why) => reasons.push(why) });
    } finally {
      clearInterval(grower);
    }
    expect(reasons[0]).toBe('written moments ago; waiting until it has not changed for 1 s (0.0 MB)');
    expect(reasons[1]).toMatch(/^size still changing \(\d+\.\d MB\)$/);
    // reported again at most every 10 s while it grows
    expect(reasons.filter((r) => r.startsWith('size still changing'))).toHaveLength(1);
  }, 60_000);

  it('says nothing for a file that was already complete', async () => {
    const file = join(dir, 'old.csv');
    writeFileSync(file, 'id\n1\n');
    const reasons: string[] = [];
    await new Promise((r) => setTimeout(r, 300));
    await waitUntilComplete(file, { quietMs: 200, maxWaitMs: 10_000, onWaiting: (why) => reasons.push(why) });
    expect(reasons).toEqual([]);
  });
});
