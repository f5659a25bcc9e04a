/**
 * fast-hash: the two-lane, three-lane and single-string loops read two code units at a time; their
 * outputs must stay exactly those of the original unit-by-unit definition (fingerprint files written
 * by earlier versions are diffed against them). Checked against fixed vectors computed with the
 * original code, and against a unit-by-unit reference implementation on random values.
 */
import { describe, expect, it } from 'vitest';
import { hashKey64, hashValues64Into, hashValues96 } from '../../src/pipeline/fast-hash.js';

/** The original definition, one code unit at a time (fast-hash.ts before the two-unit loops). */
function reference(values: readonly string[], lanes: 2 | 3, salt = 0): number[] {
  const mix = (h: number, k: number): number => {
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    return (Math.imul(h, 5) + 0xe6546b64) | 0;
  };
  const fmix = (h: number): number => {
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  };
  let h0 = 0x9747b28c ^ salt;
  let h1 = 0x2d358dcc ^ salt;
  let h2 = 0x6a09e667;
  let pending = -1;
  let length = 0;
  for (let v = 0; v < values.length; v++) {
    const s = values[v]!;
    for (let i = 0; i <= s.length; i++) {
      const c = i < s.length ? s.charCodeAt(i) : v < values.length - 1 ? 0x1f : -1;
      if (c < 0) break;
      length++;
      if (pending < 0) {
        pending = c;
        continue;
      }
      const k = pending | (c << 16);
      pending = -1;
      h0 = mix(h0, k);
      h1 = mix(h1, k ^ 0x5bd1e995);
      h2 = mix(h2, k ^ 0x27d4eb2f);
    }
  }
  if (pending >= 0) {
    h0 = mix(h0, pending);
    h1 = mix(h1, pending ^ 0x5bd1e995);
    h2 = mix(h2, pending ^ 0x27d4eb2f);
  }
  const out = [fmix(h0 ^ length), fmix(h1 ^ length), fmix(h2 ^ length)];
  return out.slice(0, lanes);
}

/** A seeded generator, so a failure can be reproduced. */
function random(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
}

describe('fast-hash', () => {
  it('hashes keys and rows to the values the original code gave (fixed vectors)', () => {
    const pair = new Uint32Array(2);
    const keys: [string, number, number, number][] = [
      ['', 0, 3954623016, 3057225784],
      ['a', 0, 298494453, 138002305],
      ['ab', 0, 1395310093, 4062561462],
      ['SE42', 7, 3869938268, 1170962258],
      ['user-123-abc', 0xdeadbeef, 1431963187, 1367756446],
      ['é中\ud83d\ude00x', 3, 221505470, 725209464],
    ];
    for (const [key, salt, a, b] of keys) {
      hashKey64(key, pair, salt);
      expect([key, pair[0], pair[1]]).toEqual([key, a, b]);
    }
    const rows: [string[], string][] = [
      [[], '28c2b6eb389039b6695ff409'],
      [[''], '28c2b6eb389039b6695ff409'],
      [['a', 'b'], 'aad9919b7ad6cf5e21033efd'],
      [['ab', 'c'], 'ca86459ee965181f2e5a79d6'],
      [['a', 'bc'], '85b012463903b7542dcd5c1b'],
      [['ab', ''], '3962005fdd172fd45151eb1a'],
      [['u1', 'active', '2026-01-01', 'Ann', 'Lee', '', 'student'], '8c7a1a5056ea6bd1e6f6cd83'],
      [['x', '', '', 'y\u001f', 'é'], 'fa542d05a8bdaa1d7f46fccd'],
    ];
    for (const [values, hex] of rows) expect([values, hashValues96(values).toString('hex')]).toEqual([values, hex]);
  });

  it('matches the unit-by-unit definition on random values (odd and even lengths, empty values, surrogates)', () => {
    const units = ['a', 'Z', '0', '\u001f', 'é', '\ud83d\ude00', '\u0000', '中', '\uffff'];
    const next = random(42);
    const text = (): string => Array.from({ length: next(9) }, () => units[next(units.length)]).join('');
    const pair = new Uint32Array(2);
    const row = new Uint32Array(4);
    for (let t = 0; t < 5000; t++) {
      const values = Array.from({ length: next(6) }, text);
      const salt = next(0x7fffffff) * 2 + next(2);
      const expected96 = reference(values, 3);
      const got = hashValues96(values);
      expect([values, got.readUInt32LE(0), got.readUInt32LE(4), got.readUInt32LE(8)]).toEqual([values, ...expected96]);
      hashValues64Into(values, row, 1);
      expect([values, row[1], row[2]]).toEqual([values, expected96[0], expected96[1]]);
      const key = text();
      hashKey64(key, pair, salt);
      expect([key, pair[0], pair[1]]).toEqual([key, ...reference([key], 2, salt)]);
    }
  });
});
