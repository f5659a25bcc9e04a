/**
 * The destination contract suite, run against the SFTP destination and a real OpenSSH server
 * (test/helpers/sshd.ts). The fixture reads the server's folder straight from its chroot on disk.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeDestinationContract } from '../contract/destination.contract.js';
import { startSshd } from '../helpers/sshd.js';
import type { SshdServer } from '../helpers/sshd.js';
import { sftpDestination, sftpSettingsSchema } from '../../src/destinations/sftp/sftp.js';

let server: SshdServer | undefined;

describeDestinationContract('sftp (OpenSSH, password login)', {
  async setup() {
    server = await startSshd({ label: 'contract' });
    const s = server;
    return {
      driver: sftpDestination,
      settings: sftpSettingsSchema.parse({
        host: s.host,
        port: s.port,
        username: s.user,
        remoteDir: 'Upload',
        trustedFingerprint: s.hostKeyFingerprint,
        retries: 0,
      }),
      secrets: { password: s.password },
      list: async () => readdirSync(s.uploadDir),
      read: async (name) => {
        try {
          return readFileSync(join(s.uploadDir, name));
        } catch {
          return null;
        }
      },
      clear: async () => {
        for (const name of readdirSync(s.uploadDir)) rmSync(join(s.uploadDir, name), { recursive: true, force: true });
      },
    };
  },
  async teardown() {
    await server?.dispose();
  },
});
