/**
 * The SQL of the database profiles that cannot be run here (no SQL Server or Oracle on this machine):
 * Infinite Campus and Aeries are parsed as T-SQL by node-sql-parser's TransactSQL grammar, and every
 * profile query passes the read-only guard for its engine. The MariaDB profiles run against real
 * fixtures instead (test/integration/profiles-mariadb.test.ts).
 *
 * Limits, said plainly:
 * - node-sql-parser 5 does not know STRING_AGG's `WITHIN GROUP (ORDER BY …)` clause (SQL Server 2017+):
 *   that clause, and only that, is removed before parsing.
 * - No maintained JavaScript parser knows Oracle's dialect (node-sql-parser has none; dt-sql-parser 4
 *   dropped PL/SQL): PowerSchool's Oracle SQL is checked by the read-only guard's Oracle lexer only.
 */
import { describe, expect, it } from 'vitest';
import sqlParser from 'node-sql-parser';
import { BUILT_IN_PROFILES } from '../../src/profiles/registry.js';
import type { ProfileEngine, SisProfile } from '../../src/shared/sis-profile.js';
import { assertReadOnlySelect } from '../../src/sources/sql-guard.js';

const parser = new sqlParser.Parser();

/** `WITHIN GROUP (ORDER BY …)` with at most one level of nested parentheses inside. */
const WITHIN_GROUP = /\s*WITHIN GROUP \(ORDER BY (?:[^()]|\([^()]*\))*\)/g;

function parseTsql(sql: string): sqlParser.AST | sqlParser.AST[] {
  return parser.astify(sql.replace(WITHIN_GROUP, ''), { database: 'TransactSQL' });
}

const queriesOf = (profile: SisProfile): [string, string][] =>
  Object.entries(profile.entities).flatMap(([entity, e]) => (e?.query ? [[entity, e.query] as [string, string]] : []));

const onEngine = (engine: ProfileEngine): SisProfile[] => BUILT_IN_PROFILES.filter((p) => p.engines.includes(engine));

describe('SQL Server profiles parse as T-SQL', () => {
  const profiles = onEngine('mssql');
  it('covers Infinite Campus and Aeries', () => {
    expect(profiles.map((p) => p.id).sort()).toEqual(['aeries', 'infinite-campus']);
  });

  for (const profile of profiles) {
    for (const [entity, query] of queriesOf(profile)) {
      it(`${profile.id} ${entity}: one SELECT`, () => {
        const ast = parseTsql(query);
        const statements = Array.isArray(ast) ? ast : [ast];
        expect(statements).toHaveLength(1);
        expect(statements[0]!.type).toBe('select');
      });
    }
  }

  it('the check has teeth: T-SQL with a syntax error or another dialect is refused', () => {
    expect(() => parseTsql('SELECT a AS x FROM t WHERE')).toThrow();
    expect(() => parseTsql('SELECT a FROM t LIMIT 10 OFFSET 5 ROWS ONLY FETCH')).toThrow();
  });
});

describe('every database profile query passes the read-only guard for each of its engines', () => {
  for (const profile of BUILT_IN_PROFILES.filter((p) => !p.engines.includes('folder'))) {
    it(`${profile.id} (${profile.engines.join(', ')})`, () => {
      for (const engine of profile.engines) {
        if (engine === 'folder') continue;
        for (const [entity, query] of queriesOf(profile)) expect(() => assertReadOnlySelect(query, engine, `${entity} under ${profile.id}`)).not.toThrow();
      }
    });
  }

  it('the profiles not verified against a live server say so', () => {
    for (const id of ['powerschool', 'infinite-campus', 'aeries']) {
      const profile = BUILT_IN_PROFILES.find((p) => p.id === id)!;
      expect(profile.verification.testedInCi).toBe(false);
      expect(profile.verification.note).toMatch(/^Not verified against a live server/);
    }
  });
});
