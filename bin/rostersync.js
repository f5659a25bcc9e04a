#!/usr/bin/env node
// Commands that run the pipeline run with the agent's Node/V8 flags (src/shared/node-flags.ts):
// started without them, this starts itself again with them (src/service/relaunch.ts).
import('../dist/src/shared/node-flags.js')
  .then(async (flags) => {
    const { availableParallelism } = await import('node:os');
    const plan = flags.relaunchPlan({ argv: process.argv, execArgv: process.execArgv, env: process.env, cores: availableParallelism() });
    if (plan) return (await import('../dist/src/service/relaunch.js')).relaunch(plan);
    return (await import('../dist/src/cli/main.js')).main(process.argv);
  })
  .catch((err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  });
