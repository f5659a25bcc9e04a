/** Driver-settings validation with messages that name the field (`config.settings.host: …`). */
import type { z } from 'zod';
import { badRequest } from '../services.js';

/** `config.settings.port: Too small…; config.settings.host: …` */
export function describeIssues(error: z.ZodError, where: string): string {
  return error.issues
    .map((i) => {
      const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      return `${where}${path}: ${i.message}`;
    })
    .join('; ');
}

export function checkSettings(schema: z.ZodType, settings: unknown, where = 'config.settings'): void {
  const result = schema.safeParse(settings);
  if (!result.success) throw badRequest(describeIssues(result.error, where));
}
