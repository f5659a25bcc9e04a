/**
 * "Which vendors received data about student X, when, and which columns?" — for a data-privacy
 * request, answered without any copy of the rows: each destination's fingerprints of its last good
 * delivery hold the record keys (never the values), and the audit ledger says when that delivery was
 * published, where, and which personal-data columns held a value. Earlier deliveries are counted
 * per file but cannot be attributed to one student, since only the last delivery's keys are kept.
 */
import type { AgentContext } from '../home/context.js';
import type { AuditEntry } from '../store/store.js';
import type { StudentReceipt } from '../shared/audit.js';
import { filesHoldingKey, fingerprintPath } from '../pipeline/fingerprints.js';

/** The ledger entry that carried `file` in a run: the file itself, or the zip it was packed in (columns named `file:column`). */
function carrier(entries: readonly AuditEntry[], file: string): { entry: AuditEntry; columns: readonly string[] } | undefined {
  const own = entries.find((e) => e.file === file);
  if (own) return { entry: own, columns: own.personalColumns };
  const zip = entries.find((e) => e.personalColumns.some((c) => c.startsWith(`${file}:`)) || e.file.endsWith('.zip'));
  return zip ? { entry: zip, columns: zip.personalColumns.filter((c) => c.startsWith(`${file}:`)).map((c) => c.slice(file.length + 1)) } : undefined;
}

export function whoReceived(ctx: AgentContext, studentId: string): StudentReceipt[] {
  const receipts: StudentReceipt[] = [];
  for (const destination of ctx.store.listDestinations()) {
    const files = filesHoldingKey(fingerprintPath(ctx.layout.fingerprintsDir, destination.name), studentId);
    if (!files.length) continue;
    const complete = ctx.store.listAudit({ destination: destination.name }).filter((e) => e.status === 'complete');
    const lastRun = complete.at(-1)?.runId;
    const last = complete.filter((e) => e.runId === lastRun);
    for (const file of files) {
      const found = carrier(last, file);
      if (!found) continue;
      const sameFile = complete.filter((e) => e.file === found.entry.file);
      receipts.push({
        destination: destination.name,
        destinationType: destination.type,
        file,
        runId: found.entry.runId,
        deliveredAt: found.entry.deliveredAt,
        remotePath: found.entry.remotePath,
        personalColumns: found.columns,
        earlierDeliveries: sameFile.length - 1,
        firstDeliveredAt: sameFile[0]!.deliveredAt,
      });
    }
  }
  return receipts;
}
