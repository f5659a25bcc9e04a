/**
 * The unsaved-changes guard shared by every form: a form whose value differs from what was loaded or
 * saved makes leaving the page ask "Discard unsaved changes?" (keep editing / discard) — through a
 * link, the sidebar, `navigate`, the back button — and makes the browser ask before closing or
 * reloading the tab. One provider in the shell; each form calls `useUnsavedChanges(current, saved)`.
 */
import { createContext, useContext, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ConfirmDialog } from '../components/ui.js';
import { sameFormValue } from './form-value.js';
import { setLeaveCheck } from './router.js';

interface Registry {
  /** Forms with unsaved changes, by the id of the hook that reported them. */
  readonly dirty: Set<string>;
}

const UnsavedChangesContext = createContext<Registry | null>(null);

export function UnsavedChangesProvider(props: { readonly children: ReactNode }): ReactNode {
  const registry = useRef<Registry>({ dirty: new Set() }).current;
  const [pending, setPending] = useState<(() => void) | null>(null);

  useEffect(
    () =>
      setLeaveCheck((proceed) => {
        if (registry.dirty.size === 0) return true;
        setPending(() => proceed);
        return false;
      }),
    [registry],
  );
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent): void => {
      if (registry.dirty.size === 0) return;
      // The browser shows its own question; the text is not customisable any more.
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [registry]);

  const discard = (): void => {
    const proceed = pending;
    setPending(null);
    // The page being left takes its edits with it: nothing holds the next page back.
    registry.dirty.clear();
    proceed?.();
  };
  return (
    <UnsavedChangesContext.Provider value={registry}>
      {props.children}
      <DiscardDialog open={pending !== null} onKeep={() => setPending(null)} onDiscard={discard} />
    </UnsavedChangesContext.Provider>
  );
}

function DiscardDialog(props: { readonly open: boolean; readonly onKeep: () => void; readonly onDiscard: () => void }): ReactNode {
  return (
    <ConfirmDialog
      open={props.open}
      title="Discard unsaved changes?"
      testId="unsaved-changes-dialog"
      dismissLabel="Keep editing"
      confirmLabel="Discard changes"
      danger
      onConfirm={props.onDiscard}
      onCancel={props.onKeep}
    >
      <p>This page has changes that are not saved. Leaving it throws them away.</p>
    </ConfirmDialog>
  );
}

/**
 * Reports a form's unsaved changes to the guard and returns whether it has any: `current` is the
 * form's value now, `saved` what was loaded or last saved (undefined while still loading: clean).
 * Edited back to the saved value, the form is clean again.
 */
export function useUnsavedChanges(current: unknown, saved: unknown): boolean {
  const registry = useContext(UnsavedChangesContext);
  const id = useId();
  const dirty = saved !== undefined && !sameFormValue(current, saved);
  useEffect(() => {
    if (!registry || !dirty) return;
    registry.dirty.add(id);
    return () => {
      registry.dirty.delete(id);
    };
  }, [registry, id, dirty]);
  return dirty;
}
