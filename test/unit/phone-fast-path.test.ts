/** The NANP fast path of the phone transform returns exactly what libphonenumber returns. */
import { describe, expect, it } from 'vitest';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { nanpFastPath } from '../../src/pipeline/transforms.js';

const shapes = (d: string): string[] => [
  d, `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`, `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6)}`, `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`,
  `+1 ${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`, `1-${d}`, `+1${d}`, `1 (${d.slice(0, 3)}) ${d.slice(3)}`,
];

describe('phone fast path', () => {
  it('agrees with libphonenumber on every common shape, in every style', () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const numbers = Array.from({ length: 300 }, () => Array.from({ length: 10 }, (_, i) => (i === 0 ? 2 + Math.floor(rand() * 8) : Math.floor(rand() * 10))).join(''));
    numbers.push('5551234567', '2125550000', '9999999999');
    let fast = 0;
    for (const style of ['e164', 'national', 'digits'] as const) {
      for (const region of ['US', 'CA']) {
        for (const n of numbers) {
          for (const text of shapes(n)) {
            const quick = nanpFastPath(text, region, style);
            if (quick === undefined) continue;
            fast++;
            const parsed = parsePhoneNumberFromString(text, { defaultCountry: region as CountryCode });
            expect(parsed?.isPossible(), text).toBe(true);
            const full = style === 'e164' ? parsed!.number : style === 'national' ? parsed!.formatNational() : parsed!.nationalNumber;
            expect(quick, `${text} ${region} ${style}`).toBe(full);
          }
        }
      }
    }
    expect(fast).toBeGreaterThan(1000);
  });

  it('leaves everything unusual to libphonenumber', () => {
    for (const text of ['555-1234', '+44 20 7946 0958', '0123456789', '1123456789', '+15551234567 ext 5', '555 123 4567 x12', '(555) 123-4567', '11234567890']) {
      const r = nanpFastPath(text, 'US', 'e164');
      if (text === '(555) 123-4567') expect(r).toBe('+15551234567');
      else expect(r, text).toBeUndefined();
    }
    expect(nanpFastPath('5551234567', 'GB', 'e164')).toBeUndefined();
  });
});
