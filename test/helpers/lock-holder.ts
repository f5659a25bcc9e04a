/**
 * A second process that takes a destination's run lock and holds it until its stdin closes or it
 * is killed: `node --import ts-register.mjs lock-holder.ts HOME DESTINATION`. Prints
 * "LOCKED <pid>" once it holds the lock, "BUSY <message>" if it could not take it.
 */
import { openAgent, closeAgent } from '../../src/home/context.js';
import { acquireDestinationLock, DestinationBusyError } from '../../src/scheduler/lock.js';

const [home, destination] = process.argv.slice(2);
const ctx = openAgent(home);
try {
  const lock = acquireDestinationLock(ctx.store, destination!, { purpose: 'test-holder', heartbeatMs: 200 });
  process.stdout.write(`LOCKED ${process.pid}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    lock.release();
    closeAgent(ctx);
    process.stdout.write('RELEASED\n');
    process.exit(0);
  });
} catch (err) {
  process.stdout.write(`${err instanceof DestinationBusyError ? 'BUSY' : 'ERROR'} ${(err as Error).message}\n`);
  closeAgent(ctx);
  process.exit(3);
}
