/** A previewed file's first rows, cells with findings highlighted. */
import { useMemo, type ReactNode } from 'react';
import type { PreviewFile, PreviewResult } from '../../api/types.js';
import { DataGrid, gridColumns } from '../../components/data-grid.js';
import { findingIndex, findingKey } from '../../lib/mapping.js';

export function PreviewTable(props: { readonly file: PreviewFile; readonly findings: PreviewResult['findings'] }): ReactNode {
  const { file } = props;
  const index = useMemo(() => findingIndex(props.findings.filter((f) => f.file === file.name)), [props.findings, file.name]);
  type PreviewRow = { readonly n: number; readonly cells: readonly string[] };
  const data = useMemo<PreviewRow[]>(() => file.sample.map((cells, i) => ({ n: i + 1, cells })), [file]);
  const columns = useMemo(() => {
    const c = gridColumns<PreviewRow>();
    return [
      c.accessor('n', { header: '#', enableSorting: false, cell: (i) => <span className="muted">{i.getValue()}</span> }),
      ...file.header.map((h, col) =>
        c.accessor((r) => r.cells[col] ?? '', {
          id: `c${col}`,
          header: h,
          enableSorting: false,
          cell: (i) => {
            const hit = index.get(findingKey(file.name, i.row.original.n, h));
            const v = i.getValue();
            return (
              <>
                {v === '' ? <span className="muted">—</span> : v}
                {hit && <span className="sr-only"> ({hit.severity}: {hit.messages.join('; ')})</span>}
              </>
            );
          },
        }),
      ),
    ];
  }, [file, index]);
  const colName = (id: string): string | undefined => (id.startsWith('c') ? file.header[Number(id.slice(1))] : undefined);
  return (
    <DataGrid
      label={`Preview of ${file.name}`}
      columns={columns}
      data={data}
      dense
      getRowId={(r) => String(r.n)}
      empty="No rows: the file would be sent with its header only."
      cellClass={(r, id) => {
        const name = colName(id);
        const hit = name ? index.get(findingKey(file.name, r.n, name)) : undefined;
        return hit ? `cell-${hit.severity}` : undefined;
      }}
      cellTitle={(r, id) => {
        const name = colName(id);
        return name ? index.get(findingKey(file.name, r.n, name))?.messages.join('\n') : undefined;
      }}
      testId={`preview-${file.name}`}
    />
  );
}
