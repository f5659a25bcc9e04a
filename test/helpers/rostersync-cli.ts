/** The real `rostersync` CLI from the TypeScript sources, for tests that spawn it as a separate process (see child-process.ts). */
import { main } from '../../src/cli/main.js';

await main(process.argv);
