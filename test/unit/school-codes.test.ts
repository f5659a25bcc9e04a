/**
 * Site-map codes that lost their leading zeros (src/shared/school-codes.ts): which imported codes
 * are found, what they would be padded to, when no fix is offered, and the sentences an admin reads.
 */
import { describe, expect, it } from 'vitest';
import { describeLostLeadingZeros, findLostLeadingZeros, padLostLeadingZeros, padQuestion, type KnownSchoolCode } from '../../src/shared/school-codes.js';

const entry = (schoolCode: string, label = '') => ({ schoolCode, siteId: `SITE-${schoolCode}`, label });
const source = (...codes: string[]): KnownSchoolCode[] => codes.map((code) => ({ code, from: 'source' }));

describe('codes that lost their leading zeros', () => {
  it('finds 3, 5, 7 when the source has 003, 005, 007, pads them and asks once', () => {
    const entries = [entry('3', 'Lincoln'), entry('5'), entry('7'), entry('100')];
    const found = findLostLeadingZeros(entries, source('003', '005', '007', '100'));
    expect(found.map((f) => [f.imported, f.padded, f.from])).toEqual([
      ['3', '003', 'source'],
      ['5', '005', 'source'],
      ['7', '007', 'source'],
    ]);
    expect(padQuestion(found)).toBe('Pad to 003, 005, 007?');
    expect(padLostLeadingZeros(entries, found).map((e) => e.schoolCode)).toEqual(['003', '005', '007', '100']);
    expect(padLostLeadingZeros(entries, found)[0]).toEqual({ schoolCode: '003', siteId: 'SITE-3', label: 'Lincoln' });
    expect(describeLostLeadingZeros(found)[0]).toBe('School code 3 (Lincoln) is 003 in the source: the leading zeros were probably lost (Excel drops them from numbers).');
  });

  it('leaves codes alone that the SIS has as written, that are not digits, or that match nothing', () => {
    expect(findLostLeadingZeros([entry('3'), entry('03A'), entry('42')], source('3', '003', '0042x'))).toEqual([]);
    expect(findLostLeadingZeros([entry('12')], source('003', '005'))).toEqual([]);
    expect(findLostLeadingZeros([entry('003')], source('003'))).toEqual([]);
  });

  it('names where the padded code was seen: source before site map before last run', () => {
    const known: KnownSchoolCode[] = [
      { code: '003', from: 'last run' },
      { code: '003', from: 'site map' },
      { code: '009', from: 'last run' },
    ];
    const found = findLostLeadingZeros([entry('3'), entry('9')], known);
    expect(found.map((f) => [f.imported, f.padded, f.from])).toEqual([
      ['3', '003', 'site map'],
      ['9', '009', 'last run'],
    ]);
    expect(describeLostLeadingZeros(found)[1]).toContain('is 009 in the last run');
  });

  it('offers no fix when several codes fit or the padded code already has its own row', () => {
    const ambiguous = findLostLeadingZeros([entry('3')], source('03', '003'));
    expect(ambiguous).toEqual([{ imported: '3', label: '', candidates: ['003', '03'], from: 'source', notPadded: 'it could be 003 or 03' }]);
    expect(padQuestion(ambiguous)).toBeUndefined();
    expect(padLostLeadingZeros([entry('3')], ambiguous)[0]!.schoolCode).toBe('3');
    expect(describeLostLeadingZeros(ambiguous)[0]).toBe('School code 3 matches 003, 03 in the source without the leading zeros, but is not padded: it could be 003 or 03.');

    const taken = findLostLeadingZeros([entry('3'), entry('003')], source('003'));
    expect(taken).toEqual([{ imported: '3', label: '', candidates: ['003'], from: 'source', notPadded: '003 has its own row in the file' }]);
  });

  it('with nothing known, pads to the width of the file’s own zero-padded codes (when they agree)', () => {
    const found = findLostLeadingZeros([entry('001'), entry('002'), entry('3'), entry('1234')], []);
    expect(found.map((f) => [f.imported, f.padded, f.from])).toEqual([['3', '003', 'file']]);
    expect(describeLostLeadingZeros(found)[0]).toBe('School code 3 looks like it lost its leading zeros: the other codes in this file have 3 digits, so it would be 003.');
    // Widths that disagree, or no zero-padded code at all: nothing to go by.
    expect(findLostLeadingZeros([entry('001'), entry('0002'), entry('3')], [])).toEqual([]);
    expect(findLostLeadingZeros([entry('100'), entry('3')], [])).toEqual([]);
    // Known codes win over the file's widths: a code the source does not have is not guessed at.
    expect(findLostLeadingZeros([entry('001'), entry('3')], source('001'))).toEqual([]);
  });
});
