/** Small building blocks shared by the screens: page header, notices, badges, tabs, confirm dialog. */
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { RunStatus } from '../../../src/shared/run.js';

export function PageHeader(props: { readonly title: string; readonly intro?: ReactNode; readonly actions?: ReactNode }): ReactNode {
  return (
    <header className="page-head">
      <div>
        <h1>{props.title}</h1>
        {props.intro && <p>{props.intro}</p>}
      </div>
      {props.actions && <div className="page-actions">{props.actions}</div>}
    </header>
  );
}

export function Panel(props: { readonly title?: string; readonly actions?: ReactNode; readonly children: ReactNode; readonly labelledBy?: string }): ReactNode {
  const id = useId();
  return (
    <section className="panel" aria-labelledby={props.title ? id : props.labelledBy}>
      {props.title && (
        <div className="panel-head">
          <h2 id={id}>{props.title}</h2>
          {props.actions && <div className="row">{props.actions}</div>}
        </div>
      )}
      {props.children}
    </section>
  );
}

export type NoticeKind = 'info' | 'ok' | 'warn' | 'error';

export function Notice(props: { readonly kind?: NoticeKind; readonly title?: string; readonly children?: ReactNode; readonly testId?: string }): ReactNode {
  const kind = props.kind ?? 'info';
  return (
    <div className={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={props.testId}>
      {props.title && <div className="notice-title">{props.title}</div>}
      {props.children}
    </div>
  );
}

/** A run status in words, for badges and the history filter. */
export const STATUS_LABEL: Readonly<Record<RunStatus | 'never', string>> = {
  running: 'Running',
  success: 'Succeeded',
  failed: 'Failed',
  held: 'Held',
  partial: 'Partly delivered',
  skipped: 'Skipped',
  discarded: 'Discarded',
  cancelled: 'Cancelled',
  never: 'Never run',
};

/** The colour of a badge: a verdict, or a run status (styles.css gives each its colour). */
export type BadgeKind = 'ok' | 'error' | 'warning' | 'none' | RunStatus | 'never';

/** A small coloured label; `count` makes it the number beside a tab or step. */
export function Badge(props: { readonly kind: BadgeKind; readonly children: ReactNode; readonly count?: boolean; readonly label?: string }): ReactNode {
  return (
    <span className={`badge ${props.kind}${props.count ? ' tab-count' : ''}`} aria-label={props.label}>
      {props.children}
    </span>
  );
}

export function StatusBadge(props: { readonly status: RunStatus | 'never' }): ReactNode {
  return <Badge kind={props.status}>{STATUS_LABEL[props.status] ?? props.status}</Badge>;
}

/** A finding's severity. */
export function SeverityBadge(props: { readonly severity: 'error' | 'warning' }): ReactNode {
  return <Badge kind={props.severity}>{props.severity === 'error' ? 'Error' : 'Warning'}</Badge>;
}

export function Loading(props: { readonly what?: string }): ReactNode {
  return (
    <p className="loading" role="status">
      Loading{props.what ? ` ${props.what}` : ''}…
    </p>
  );
}

export interface TabItem {
  readonly id: string;
  readonly label: ReactNode;
}

/** WAI-ARIA tabs: arrow keys move between tabs, Tab moves into the panel. */
export function Tabs(props: {
  readonly label: string;
  readonly tabs: readonly TabItem[];
  readonly selected: string;
  readonly onSelect: (id: string) => void;
  readonly idPrefix: string;
}): ReactNode {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const index = props.tabs.findIndex((t) => t.id === props.selected);
    let next: number;
    if (e.key === 'ArrowRight') next = (index + 1) % props.tabs.length;
    else if (e.key === 'ArrowLeft') next = (index - 1 + props.tabs.length) % props.tabs.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = props.tabs.length - 1;
    else return;
    e.preventDefault();
    const tab = props.tabs[next];
    if (tab) {
      props.onSelect(tab.id);
      refs.current[tab.id]?.focus();
    }
  };
  return (
    <div className="tabs" role="tablist" aria-label={props.label} onKeyDown={onKey}>
      {props.tabs.map((t) => (
        <button
          key={t.id}
          ref={(el) => {
            refs.current[t.id] = el;
          }}
          type="button"
          role="tab"
          className="tab"
          id={`${props.idPrefix}-tab-${t.id}`}
          aria-selected={t.id === props.selected}
          aria-controls={`${props.idPrefix}-panel`}
          tabIndex={t.id === props.selected ? 0 : -1}
          onClick={() => props.onSelect(t.id)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

export function TabPanel(props: { readonly idPrefix: string; readonly selected: string; readonly children: ReactNode }): ReactNode {
  return (
    <div role="tabpanel" id={`${props.idPrefix}-panel`} aria-labelledby={`${props.idPrefix}-tab-${props.selected}`}>
      {props.children}
    </div>
  );
}

/** A modal confirmation on the native <dialog> (focus is trapped, Escape cancels). */
export function ConfirmDialog(props: {
  readonly open: boolean;
  readonly title: string;
  readonly children?: ReactNode;
  readonly confirmLabel: string;
  /** The button that closes the dialog without acting (default "Cancel"; "Keep running" when the action itself is a cancel). */
  readonly dismissLabel?: string;
  readonly danger?: boolean;
  readonly testId?: string;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}): ReactNode {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} data-testid={props.testId} onCancel={props.onCancel}>
      <div className="dialog-body">
        <h2 id={titleId}>{props.title}</h2>
        {props.children}
        <div className="row end">
          <button type="button" className="btn" onClick={props.onCancel}>
            {props.dismissLabel ?? 'Cancel'}
          </button>
          <button type="button" className={`btn ${props.danger ? 'danger' : 'primary'}`} onClick={props.onConfirm}>
            {props.confirmLabel}
          </button>
        </div>
      </div>
    </dialog>
  );
}

/** The Delete button of an editor: asks first, in a dialog naming what goes and what follows from it. */
export function DeleteButton(props: {
  /** "source", "destination". */
  readonly what: string;
  readonly name: string;
  /** What deleting it means, shown in the dialog. */
  readonly children: ReactNode;
  readonly onConfirm: () => void;
}): ReactNode {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="btn danger" onClick={() => setOpen(true)}>
        Delete
      </button>
      <ConfirmDialog
        open={open}
        title={`Delete ${props.what} ${props.name}?`}
        confirmLabel={`Delete ${props.what}`}
        danger
        onCancel={() => setOpen(false)}
        onConfirm={() => {
          setOpen(false);
          props.onConfirm();
        }}
      >
        {props.children}
      </ConfirmDialog>
    </>
  );
}

/** Why a form was not saved, below the form; nothing when it was. */
export function NotSavedNotice(props: { readonly error: string | null | undefined }): ReactNode {
  if (!props.error) return null;
  return (
    <div className="top-gap">
      <Notice kind="error" title="Not saved">
        {props.error}
      </Notice>
    </div>
  );
}
