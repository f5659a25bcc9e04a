/**
 * The unsaved-changes guard shared by every form: a form whose value differs from what was loaded or
 * saved makes leaving the page ask "Discard unsaved changes?" (keep editing / discard) — through a
 * link, the sidebar, `navigate`, the back button — and makes the browser ask before closing or
 * reloading the tab. One provider in the shell; each form calls `useUnsavedChanges(current, saved)`.
 */
import { createContext, useContext, useEffect, useId, useRef, useState, type ReactNode } from 'react';
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
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} data-testid="unsaved-changes-dialog" onCancel={props.onKeep}>
      <div className="dialog-body">
        <h2 id={titleId}>Discard unsaved changes?</h2>
        <p>This page has changes that are not saved. Leaving it throws them away.</p>
        <div className="row end">
          <button type="button" className="btn primary" onClick={props.onKeep} autoFocus>
            Keep editing
          </button>
          <button type="button" className="btn danger" onClick={props.onDiscard}>
            Discard changes
          </button>
        </div>
      </div>
    </dialog>
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
