/**
 * Loads a synthetic district of any size into PostgreSQL or SQLite (deterministic for a seed).
 *
 *   node dist/bench/load.js --students 100000 --target postgres --database rs_bench_100k
 *   node dist/bench/load.js --students 10000 --target sqlite --file /tmp/district-10k.db
 *
 * Generation and loading are the demo's (src/demo/generator.ts, postgres-loader.ts, sqlite-loader.ts).
 */
import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { DEFAULT_SEED } from '../src/demo/generator.js';
import { benchDatabaseName, ensurePostgresDistrict, ensureSqliteDistrict } from './district.js';

const positiveInt = (value: string): number => {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return n;
};

const program = new Command('load')
  .description('Load a deterministic synthetic school district into PostgreSQL or SQLite.')
  .requiredOption('--students <n>', 'number of students (schools ≈ n/600, teachers ≈ n/20, ≈6 enrollments and ≈1.5 guardians per student)', positiveInt)
  .option('--target <engine>', 'postgres or sqlite', 'postgres')
  .option('--database <name>', 'PostgreSQL database (created when missing; default rs_bench_<size>)')
  .option('--file <path>', 'SQLite file (default ./district-<size>.db)')
  .option('--seed <n>', 'generator seed', positiveInt, DEFAULT_SEED)
  .option('--reload', 'load again even when the database already holds this district', false)
  .action(async (opts: { students: number; target: string; database?: string; file?: string; seed: number; reload: boolean }) => {
    const log = (m: string): void => console.log(m);
    if (opts.target === 'postgres') {
      const database = opts.database ?? benchDatabaseName(opts.students, opts.seed);
      const r = await ensurePostgresDistrict(opts.students, database, { reload: opts.reload, seed: opts.seed, log });
      console.log(r.loaded ? `Loaded ${database} in ${(r.ms / 1000).toFixed(1)} s.` : `${database} is ready.`);
    } else if (opts.target === 'sqlite') {
      const file = resolve(opts.file ?? `district-${benchDatabaseName(opts.students, opts.seed).replace(/^rs_bench_/, '')}.db`);
      const r = ensureSqliteDistrict(opts.students, file, { reload: opts.reload, seed: opts.seed, log });
      console.log(r.loaded ? `Built ${file} in ${(r.ms / 1000).toFixed(1)} s.` : `${file} is ready.`);
    } else {
      throw new InvalidArgumentError(`--target must be postgres or sqlite, got "${opts.target}"`);
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`load: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
