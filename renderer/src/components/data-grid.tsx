/**
 * The one data grid every table in the GUI uses: TanStack Table v9 (headless) for sorting, the
 * quick filter and paging; plain semantic <table> markup for screen readers and keyboards.
 * Headers are buttons (aria-sort on the <th>); the quick filter has a label; an empty grid says why.
 */
import { useId, useMemo, useState, type ReactNode } from 'react';
import {
  columnFilteringFeature,
  createColumnHelper,
  createFilteredRowModel,
  createPaginatedRowModel,
  createSortedRowModel,
  filterFn_includesString,
  globalFilteringFeature,
  rowPaginationFeature,
  rowSortingFeature,
  sortFn_alphanumeric,
  sortFn_basic,
  sortFn_text,
  tableFeatures,
  useTable,
  type ColumnDef,
  type PaginationState,
  type RowData,
  type SortingState,
} from '@tanstack/react-table';

export const gridFeatures = tableFeatures({
  rowSortingFeature,
  columnFilteringFeature,
  globalFilteringFeature,
  rowPaginationFeature,
  filteredRowModel: createFilteredRowModel(),
  sortedRowModel: createSortedRowModel(),
  paginatedRowModel: createPaginatedRowModel(),
  sortFns: { alphanumeric: sortFn_alphanumeric, text: sortFn_text, basic: sortFn_basic },
  filterFns: { includesString: filterFn_includesString },
});

export type GridFeatures = typeof gridFeatures;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one grid's columns hold values of different types (TanStack's helper.columns() uses any too)
export type GridColumn<T extends RowData> = ColumnDef<GridFeatures, T, any>;

/** Typed column builder for a grid over rows of type T. */
export function gridColumns<T extends RowData>() {
  return createColumnHelper<GridFeatures, T>();
}

export interface DataGridProps<T extends RowData> {
  /** Accessible name of the table (also shown as its caption when `showCaption`). */
  readonly label: string;
  readonly showCaption?: boolean;
  readonly columns: readonly GridColumn<T>[];
  readonly data: readonly T[];
  /** Shown instead of rows when there are none. */
  readonly empty?: ReactNode;
  /** A quick filter over every text column. */
  readonly filterable?: boolean;
  readonly pageSize?: number;
  readonly initialSort?: SortingState;
  readonly getRowId?: (row: T, index: number) => string;
  /** Extra class per row (e.g. a row with an error). */
  readonly rowClass?: (row: T) => string | undefined;
  /** Extra class per cell (e.g. a cell with a finding). */
  readonly cellClass?: (row: T, columnId: string) => string | undefined;
  /** Tooltip per cell. */
  readonly cellTitle?: (row: T, columnId: string) => string | undefined;
  /** Extra controls beside the quick filter. */
  readonly toolbar?: ReactNode;
  readonly dense?: boolean;
  readonly testId?: string;
}

export function DataGrid<T extends RowData>(props: DataGridProps<T>): ReactNode {
  const { columns, data, label } = props;
  const filterId = useId();
  const [sorting, setSorting] = useState<SortingState>(props.initialSort ?? []);
  const [globalFilter, setGlobalFilter] = useState('');
  const [pagination, setPagination] = useState<PaginationState>({ pageIndex: 0, pageSize: props.pageSize ?? 50 });
  const stableColumns = useMemo(() => [...columns], [columns]);
  const stableData = useMemo(() => [...data], [data]);

  const table = useTable({
    features: gridFeatures,
    columns: stableColumns,
    data: stableData,
    state: { sorting, globalFilter, pagination },
    onSortingChange: setSorting,
    onGlobalFilterChange: setGlobalFilter,
    onPaginationChange: setPagination,
    globalFilterFn: 'includesString',
    getRowId: props.getRowId,
  });

  const rows = table.getRowModel().rows;
  const filteredCount = table.getFilteredRowModel().rows.length;
  const pageCount = table.getPageCount();
  const headerGroups = table.getHeaderGroups();

  return (
    <div className={`grid-wrap${props.dense ? ' dense' : ''}`} data-testid={props.testId}>
      {(props.filterable || props.toolbar) && (
        <div className="grid-toolbar">
          {props.filterable && (
            <div className="grid-filter">
              <label htmlFor={filterId}>
                Filter<span className="sr-only"> {label}</span>
              </label>
              <input
                id={filterId}
                type="search"
                value={globalFilter}
                placeholder="Type to filter rows"
                // A filter never submits the form the grid may sit in.
                onKeyDown={(e) => {
                  if (e.key === 'Enter') e.preventDefault();
                }}
                onChange={(e) => {
                  setGlobalFilter(e.target.value);
                  setPagination((p) => ({ ...p, pageIndex: 0 }));
                }}
              />
            </div>
          )}
          {props.toolbar}
          <span className="grid-count" aria-live="polite">
            {globalFilter ? `${filteredCount} of ${data.length} rows` : `${data.length} ${data.length === 1 ? 'row' : 'rows'}`}
          </span>
        </div>
      )}
      <div className="grid-scroll" tabIndex={0} role="region" aria-label={`${label} (scrollable)`}>
        <table className="grid" aria-label={props.showCaption ? undefined : label}>
          {props.showCaption && <caption>{label}</caption>}
          <thead>
            {headerGroups.map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const sortable = header.column.getCanSort();
                  const dir = header.column.getIsSorted();
                  return (
                    <th
                      key={header.id}
                      scope="col"
                      aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : undefined}
                    >
                      {header.isPlaceholder ? null : sortable ? (
                        <button type="button" className="th-sort" onClick={header.column.getToggleSortingHandler()}>
                          <table.FlexRender header={header} />
                          <span className="sort-mark" aria-hidden="true">
                            {dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : ''}
                          </span>
                        </button>
                      ) : (
                        <table.FlexRender header={header} />
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td className="grid-empty" colSpan={Math.max(1, table.getAllLeafColumns().length)}>
                  {globalFilter ? 'No rows match the filter.' : (props.empty ?? 'No rows.')}
                </td>
              </tr>
            ) : (
              rows.map((row) => (
                <tr key={row.id} className={props.rowClass?.(row.original)}>
                  {row.getAllCells().map((cell) => (
                    <td
                      key={cell.id}
                      className={props.cellClass?.(row.original, cell.column.id)}
                      title={props.cellTitle?.(row.original, cell.column.id)}
                    >
                      <table.FlexRender cell={cell} />
                    </td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {pageCount > 1 && (
        <nav className="grid-pager" aria-label={`${label} pages`}>
          <button type="button" className="btn small" onClick={() => table.previousPage()} disabled={!table.getCanPreviousPage()}>
            Previous
          </button>
          <span>
            Page {pagination.pageIndex + 1} of {pageCount}
          </span>
          <button type="button" className="btn small" onClick={() => table.nextPage()} disabled={!table.getCanNextPage()}>
            Next
          </button>
        </nav>
      )}
    </div>
  );
}

/** Columns for rows of plain text records (sample rows, preview rows): one column per name, unsorted by default. */
export function textColumns(names: readonly string[]): GridColumn<Readonly<Record<string, string | null>>>[] {
  const helper = gridColumns<Readonly<Record<string, string | null>>>();
  return names.map((name) =>
    helper.accessor((row) => row[name] ?? '', {
      id: name,
      header: name,
      cell: (info) => {
        const v = info.getValue();
        return v === '' ? <span className="muted">—</span> : v;
      },
    }),
  );
}
