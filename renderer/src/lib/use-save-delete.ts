/**
 * Save and delete for an editor of a named configuration item (a source, a destination): the
 * pending and error state, the toasts and where to go afterwards (the confirmation is DeleteButton's).
 */
import { useState } from 'react';
import { errorMessage } from './errors.js';
import { navigateAfterSave } from './router.js';
import { useToasts } from './toasts.js';

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
}

export function useSaveDelete<Saved extends { readonly config: { readonly name: string } }>(options: SaveDeleteOptions<Saved>) {
  const toasts = useToasts();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const save = async (): Promise<void> => {
    setSaving(true);
    setError(null);
    try {
      const saved = await options.save();
      options.afterSave?.(saved);
      toasts.info(`${options.kind} ${saved.config.name} saved.`);
      options.onChanged();
      if (saved.config.name !== options.currentName) navigateAfterSave(options.screen, saved.config.name);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
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
