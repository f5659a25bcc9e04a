/**
 * What the SIS-profile tests share: reading every entity a profile defines through the real source
 * driver, and a full OneRoster 1.1 delivery from a source to a local folder, checked by the
 * independent OneRoster checker (oneroster-check.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openAgent, type AgentContext } from '../../src/home/context.js';
import { runDestination } from '../../src/agent/runner.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import type { Entity } from '../../src/shared/format.js';
import type { SisProfile } from '../../src/shared/sis-profile.js';
import { getSourceDriver } from '../../src/sources/registry.js';
import type { Row } from '../../src/sources/types.js';
import { checkOneRosterSet, type OneRosterCheck } from './oneroster-check.js';
import type { Opened } from './cleanup.js';

/** Every row of each entity the profile defines, read through the driver with the profile's own query or file. */
export async function readProfileEntities(
  profile: SisProfile,
  driverId: string,
  settings: Record<string, unknown>,
): Promise<Partial<Record<Entity, Row[]>>> {
  const session = await getSourceDriver(driverId).open(settings, {});
  const out: Partial<Record<Entity, Row[]>> = {};
  try {
    for (const [entity, def] of Object.entries(profile.entities) as [Entity, NonNullable<SisProfile['entities'][Entity]>][]) {
      const rows: Row[] = [];
      const { notes: _notes, ...request } = def;
      for await (const { row } of session.read({ entity, ...request, profile: profile.name })) rows.push(row);
      out[entity] = rows;
    }
  } finally {
    await session.close();
  }
  return out;
}

export interface DeliveryResult {
  readonly ctx: AgentContext;
  readonly status: string;
  readonly message: string;
  readonly outbox: string;
  readonly check: OneRosterCheck;
}

/**
 * A fresh agent home with `source` (a source configuration: type, settings and either `profile` or
 * `entities`) and a OneRoster 1.1 folder destination whose unmapped schools keep their SIS codes;
 * one manual run, then the delivered folder checked against the OneRoster 1.1 CSV binding.
 */
export async function deliverOneRoster(opened: Opened, source: Record<string, unknown>): Promise<DeliveryResult> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-profile-delivery-'));
  opened.dirs.push(home);
  const ctx = openAgent(home);
  opened.contexts.push(ctx);
  const outbox = path.join(home, 'outbox');
  ctx.store.saveSource(sourceConfigSchema.parse({ name: 'sis', ...source }));
  ctx.store.saveDestination(
    destinationConfigSchema.parse({
      name: 'oneroster',
      source: 'sis',
      format: 'oneroster-1.1',
      type: 'folder',
      unmappedSchool: 'use-sis-code',
      settings: { path: outbox },
    }),
  );
  const result = await runDestination(ctx, 'oneroster', { trigger: 'manual' });
  const check = fs.existsSync(outbox) ? checkOneRosterSet(outbox) : { problems: ['nothing was delivered'], modes: {}, rows: {}, deleted: {} };
  return { ctx, status: result.status, message: result.message, outbox, check };
}
