/** The destination contract suite, run against the folder ("outbox") destination on a real folder. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDestinationContract } from '../contract/destination.contract.js';
import { folderDestination, folderSettingsSchema } from '../../src/destinations/folder/folder.js';

describeDestinationContract('folder (local outbox)', {
  async setup() {
    const dir = mkdtempSync(join(tmpdir(), 'rs-outbox-'));
    return {
      driver: folderDestination,
      settings: folderSettingsSchema.parse({ path: dir }),
      secrets: {},
      list: async () => readdirSync(dir),
      read: async (name) => {
        try {
          return readFileSync(join(dir, name));
        } catch {
          return null;
        }
      },
      clear: async () => {
        for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
      },
    };
  },
});
