/**
 * Save and delete for an editor of a named configuration item (a source, a destination): the
 * pending and error state, the toasts and where to go afterwards (the confirmation is DeleteButton's).
 */
import { useState } from 'react';
import { errorMessage } from './errors.js';
import { navigateAfterSave } from './router.js';
import { useToasts } from './toasts.js';
import type { ConnectionResultView } from '../components/connection-result.js';

export interface SaveDeleteOptions<Saved extends { readonly config: { readonly name: string } }> {
  /** "Source", "Destination": the first word of the toasts. */
  readonly kind: string;
  readonly screen: 'sources' | 'destinations';
  /** The saved item's name before this edit (undefined for a new one). */
  readonly currentName: string | undefined;
  save(): Promise<Saved>;
  remove(name: string): Promise<unknown>;
  /** After a successful save, before the list reloads. */
  afterSave?(saved: Saved): void;
  /** The list of items changed (saved or deleted). */
  onChanged(): void;
  /**
   * "Save offers to test": asked before saving whether the edit changed how the item connects (type,
   * settings, a secret typed); if so the saved item is tested right after the save, and the result
   * follows the saved notice — a failure stays on screen but never undoes the save.
   */
  connectionChanged?(): boolean;
  testSaved?(saved: Saved): Promise<ConnectionResultView>;
}

export function useSaveDelete<Saved extends { readonly config: { readonly name: string } }>(options: SaveDeleteOptions<Saved>) {
  const toasts = useToasts();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const save = async (): Promise<void> => {
    setSaving(true);
    setError(null);
    const testAfterwards = Boolean(options.testSaved && options.connectionChanged?.());
    try {
      const saved = await options.save();
      options.afterSave?.(saved);
      toasts.info(`${options.kind} ${saved.config.name} saved.${testAfterwards ? ' Testing its connection…' : ''}`);
      if (testAfterwards) void testSaved(saved);
      options.onChanged();
      if (saved.config.name !== options.currentName) navigateAfterSave(options.screen, saved.config.name);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  const testSaved = async (saved: Saved): Promise<void> => {
    const what = `${options.kind} ${saved.config.name}`;
    let result: ConnectionResultView;
    try {
      result = await options.testSaved!(saved);
    } catch (err) {
      result = { ok: false, message: errorMessage(err) };
    }
    if (result.ok) toasts.info(`${what}: connection tested after saving — ${result.message}`);
    else toasts.error(`${what} is saved, but its connection test failed: ${result.error?.message ?? result.message}${result.error?.hint ? ` ${result.error.hint}` : ''}`);
  };

  const remove = async (): Promise<void> => {
    const name = options.currentName;
    if (name === undefined) return;
    try {
      await options.remove(name);
      toasts.info(`${options.kind} ${name} deleted.`);
      options.onChanged();
      navigateAfterSave(options.screen);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return { saving, error, save, remove };
}
