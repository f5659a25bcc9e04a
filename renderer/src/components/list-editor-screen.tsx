/**
 * The page of a list of named items with one open in an editor (sources, destinations): the
 * header with its Add button, the list on the left, and on the right the new item's editor, the
 * selected item's editor, a note for an unknown name, or a hint to choose one.
 */
import type { ReactNode } from 'react';
import { NEW_ITEM } from '../lib/entity-labels.js';
import { href, type Screen } from '../lib/router.js';
import { Loading, Notice, PageHeader, Panel } from './ui.js';

interface Named {
  readonly config: { readonly name: string };
}

export function ListEditorScreen<Item extends Named>(props: {
  readonly screen: Screen;
  readonly title: string;
  readonly intro: string;
  /** Lower case, singular: "source", "destination". */
  readonly noun: string;
  /** The route's item: a name, NEW_ITEM, or none. */
  readonly name?: string;
  /** Undefined until loaded. */
  readonly items: readonly Item[] | undefined;
  /** The line under an item's name in the list. */
  readonly describe: (item: Item) => ReactNode;
  /** Everything the editors need has loaded. */
  readonly ready: boolean;
  readonly loadError?: string | null;
  readonly newEditor: () => ReactNode;
  readonly editor: (item: Item) => ReactNode;
}): ReactNode {
  const { screen, noun, name, items } = props;
  const plural = `${noun}s`;
  const selected = name && name !== NEW_ITEM ? items?.find((item) => item.config.name === name) : undefined;

  return (
    <>
      <PageHeader
        title={props.title}
        intro={props.intro}
        actions={
          <a className="btn primary" href={href(screen, NEW_ITEM)}>
            Add {noun}
          </a>
        }
      />
      {props.loadError && (
        <Notice kind="error" title={`${props.title} could not be loaded`}>
          {props.loadError}
        </Notice>
      )}
      <div className="two-col">
        <nav aria-label={props.title}>
          {items && items.length === 0 && <p className="muted">No {plural} yet.</p>}
          {items && items.length > 0 && (
            <ul className="select-list">
              {items.map((item) => (
                <li key={item.config.name}>
                  <a className="select-item" href={href(screen, item.config.name)} aria-current={item.config.name === name ? 'true' : undefined}>
                    <span>{item.config.name}</span>
                    <span className="sub">{props.describe(item)}</span>
                  </a>
                </li>
              ))}
            </ul>
          )}
        </nav>
        <div>
          {!props.ready ? (
            !props.loadError && <Loading what={plural} />
          ) : name === NEW_ITEM ? (
            props.newEditor()
          ) : selected ? (
            props.editor(selected)
          ) : name ? (
            <Notice kind="warn">
              No {noun} named “{name}”.
            </Notice>
          ) : (
            <Panel>
              <p className="muted">Choose a {noun} on the left, or add one.</p>
            </Panel>
          )}
        </div>
      </div>
    </>
  );
}
