/**
 * The Node/V8 flags the agent runs with (src/shared/node-flags.ts): the defaults per core count,
 * the ROSTERSYNC_V8_FLAGS override, which flags a process still lacks, and when bin/rostersync.js
 * starts itself again with them (relaunchPlan); the signals the re-launching process passes on.
 */
import { describe, expect, it } from 'vitest';
import {
  agentNodeFlags,
  cliCommand,
  defaultNodeFlags,
  flagName,
  missingNodeFlags,
  NODE_FLAGS_ENV,
  parseNodeFlagList,
  RELAUNCHED_ENV,
  relaunchPlan,
} from '../../src/shared/node-flags.js';
import { forwardedSignals } from '../../src/service/relaunch.js';

describe('defaultNodeFlags', () => {
  it('V8 helper threads = cores − 2, at least one', () => {
    expect(defaultNodeFlags(1)).toEqual(['--v8-pool-size=1']);
    expect(defaultNodeFlags(2)).toEqual(['--v8-pool-size=1']);
    expect(defaultNodeFlags(3)).toEqual(['--v8-pool-size=1']);
    expect(defaultNodeFlags(4)).toEqual(['--v8-pool-size=2']);
    expect(defaultNodeFlags(16)).toEqual(['--v8-pool-size=14']);
  });
});

describe('agentNodeFlags and ROSTERSYNC_V8_FLAGS', () => {
  it('uses the defaults for the cores when the variable is not set', () => {
    expect(agentNodeFlags({ cores: 2, env: {} })).toEqual(defaultNodeFlags(2));
  });

  it('uses the administrator’s flags instead; set but empty means none (Node’s own defaults)', () => {
    expect(agentNodeFlags({ cores: 2, env: { [NODE_FLAGS_ENV]: '  --v8-pool-size=3   --max-semi-space-size=16 ' } })).toEqual(['--v8-pool-size=3', '--max-semi-space-size=16']);
    expect(agentNodeFlags({ cores: 2, env: { [NODE_FLAGS_ENV]: '' } })).toEqual([]);
  });

  it('refuses a word that is not a flag, naming it', () => {
    expect(() => parseNodeFlagList('--v8-pool-size=1 script.js')).toThrow(/ROSTERSYNC_V8_FLAGS holds "script\.js", which is not a Node\/V8 flag/);
  });
});

describe('missingNodeFlags', () => {
  it('compares flag names: a value, underscores or NODE_OPTIONS do not make a flag missing', () => {
    expect(flagName('--v8-pool-size=3')).toBe('v8-pool-size');
    expect(flagName('--single_threaded_gc')).toBe('single-threaded-gc');
    const wanted = ['--single-threaded-gc', '--v8-pool-size=1'];
    expect(missingNodeFlags(wanted, [])).toEqual(wanted);
    expect(missingNodeFlags(wanted, ['--single_threaded_gc'])).toEqual(['--v8-pool-size=1']);
    // an explicit pool size wins over ours
    expect(missingNodeFlags(wanted, ['--single-threaded-gc', '--v8-pool-size=4'])).toEqual([]);
    expect(missingNodeFlags(wanted, ['--single-threaded-gc'], '--max-old-space-size=512 --v8-pool-size=2')).toEqual([]);
  });
});

describe('cliCommand', () => {
  it('is the first word that is not an option; --home takes a value', () => {
    expect(cliCommand(['run', 'vendor'])).toBe('run');
    expect(cliCommand(['--home', '/srv/rs', '--json', 'agent'])).toBe('agent');
    expect(cliCommand(['--home=/srv/rs', 'ui'])).toBe('ui');
    expect(cliCommand(['--version'])).toBeUndefined();
    expect(cliCommand([])).toBeUndefined();
  });
});

describe('relaunchPlan', () => {
  const base = { argv: ['/usr/bin/node', '/opt/rostersync/bin/rostersync.js', 'run', 'vendor', '--home', '/srv/rs'], execArgv: [], env: {}, cores: 2 };

  it('starts a pipeline command again with the missing flags before the script, keeping its own flags and every argument', () => {
    expect(relaunchPlan({ ...base, execArgv: ['--enable-source-maps'] })).toEqual({
      args: ['--enable-source-maps', '--v8-pool-size=1', '/opt/rostersync/bin/rostersync.js', 'run', 'vendor', '--home', '/srv/rs'],
      added: ['--v8-pool-size=1'],
    });
    expect(relaunchPlan({ ...base, cores: 8, env: { [NODE_FLAGS_ENV]: '--single-threaded-gc --v8-pool-size=2' }, execArgv: ['--single-threaded-gc'] })?.added).toEqual(['--v8-pool-size=2']);
    for (const command of ['agent', 'ui', 'preview', 'demo']) expect(relaunchPlan({ ...base, argv: ['node', 'rs.js', command] })?.added, command).toEqual(defaultNodeFlags(2));
  });

  it('not for other commands, not when every flag is there, never twice, not when the administrator wants none', () => {
    expect(relaunchPlan({ ...base, argv: ['node', 'rs.js', 'logs', '--follow'] })).toBeUndefined();
    expect(relaunchPlan({ ...base, argv: ['node', 'rs.js', '--version'] })).toBeUndefined();
    expect(relaunchPlan({ ...base, execArgv: ['--v8-pool-size=1'] })).toBeUndefined();
    expect(relaunchPlan({ ...base, env: { NODE_OPTIONS: '--v8-pool-size=2' } })).toBeUndefined();
    expect(relaunchPlan({ ...base, env: { [RELAUNCHED_ENV]: '1' } })).toBeUndefined();
    expect(relaunchPlan({ ...base, env: { [NODE_FLAGS_ENV]: '' } })).toBeUndefined();
  });

  it('an invalid ROSTERSYNC_V8_FLAGS stops a pipeline command with the reason', () => {
    expect(() => relaunchPlan({ ...base, env: { [NODE_FLAGS_ENV]: 'fast' } })).toThrow(/"fast", which is not a Node\/V8 flag/);
  });
});

describe('forwardedSignals', () => {
  it('passes on SIGTERM and SIGHUP; SIGINT only without a terminal (a terminal’s Ctrl+C reaches the child itself); nothing on Windows', () => {
    expect(forwardedSignals(true, 'linux')).toEqual(['SIGTERM', 'SIGHUP']);
    expect(forwardedSignals(false, 'linux')).toEqual(['SIGTERM', 'SIGHUP', 'SIGINT']);
    expect(forwardedSignals(false, 'win32')).toEqual([]);
  });
});
