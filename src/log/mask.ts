/**
 * Keeps personal values out of text that leaves the run record: alert mails and webhooks
 * (src/notify/compose.ts) and the agent's log (logger.ts).
 */
const HIDDEN = '[value hidden]';
/** A run of 7 or more digits, possibly split by spaces, dots, dashes or brackets: a phone number, an ID, a date of birth. */
const DIGIT_RUN = /\+?\(?\d(?:[\d\s()./-]*\d){6,}/g;
/** A quoted value that holds a digit or an @ (findings quote the value they speak of). */
const QUOTED_VALUE = /"[^"\n]*[\d@][^"\n]*"/g;
const EMAIL = /[^\s"'<>@]+@[^\s"'<>@]+\.[A-Za-z]{2,}/g;
/** The agent's own timestamps in messages (run times, the last delivery) are not personal: they stay. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?$/;

/**
 * Hides personal values inside free text (a run's message, a finding's message): every value the
 * run's findings name, quoted values with digits or an @, e-mail addresses, and runs of 7+ digits.
 */
export function maskValues(text: string, knownValues: readonly string[] = []): string {
  let out = text;
  for (const v of knownValues) if (v.trim().length >= 4) out = out.split(v).join(HIDDEN);
  return out
    .replace(QUOTED_VALUE, `"${HIDDEN}"`)
    .replace(EMAIL, HIDDEN)
    .replace(DIGIT_RUN, (run) => (ISO_TIME.test(run.trim()) ? run : HIDDEN));
}

/**
 * A date with a time of day, as the agent writes its own times: ISO (`2026-12-03T02:00:00.000Z`)
 * or a schedule's local time (`2026-12-03 02:00 CET`). Not when quoted: a quoted value is data.
 */
const AGENT_TIME = /(?<!")\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?/g;
/** Stand-ins without digits, so the masking cannot take a protected time for a phone number. */
const slot = (i: number): string => `\uE000${String.fromCharCode(97 + (i % 26)).repeat(Math.floor(i / 26) + 1)}\uE000`;

/** maskValues for the agent's log lines: the same rules, but the agent's own date-times (next run, last delivery) stay readable. */
export function maskLogText(text: string): string {
  const kept: string[] = [];
  const protectedText = text.replace(AGENT_TIME, (time) => slot(kept.push(time) - 1));
  const masked = maskValues(protectedText);
  return kept.length ? masked.replace(/\uE000([a-z]+)\uE000/g, (_, letters: string) => kept[(letters.length - 1) * 26 + letters.charCodeAt(0) - 97]!) : masked;
}
