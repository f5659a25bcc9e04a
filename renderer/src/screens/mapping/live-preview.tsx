/** The file being mapped, built from the draft as it is edited (bad rows kept, so the row being fixed shows). */
import type { ReactNode } from 'react';
import type { DestinationConfig } from '../../api/types.js';
import { Loading, Notice, Panel, SeverityBadge } from '../../components/ui.js';
import { formatCount } from '../../lib/format.js';
import { groupFindings, sampleRows } from '../../../../src/shared/finding-groups.js';
import { PreviewTable } from './preview-table.js';
import { usePreview } from './use-preview.js';

export function LivePreview(props: { readonly config: DestinationConfig; readonly file: string }): ReactNode {
  const { result, error, busy } = usePreview(props.config, 8, true);
  const preview = result?.files.find((f) => f.name === props.file);
  const fileFindings = (result?.findings ?? []).filter((f) => f.file === props.file);
  const errors = fileFindings.filter((f) => f.severity === 'error').length;
  const groups = groupFindings(fileFindings);
  return (
    <Panel
      title={`Live preview: ${props.file}`}
      actions={
        <span className="muted small" role="status">
          {busy ? 'Updating…' : result ? `${formatCount(preview?.rows ?? 0)} rows · ${errors} errors · ${fileFindings.length - errors} warnings (first findings)` : ''}
        </span>
      }
    >
      {error && <Notice kind="error" title="Preview failed">{error}</Notice>}
      {!result && !error && <Loading what="the preview" />}
      {result && !preview && <p className="muted">This file is not produced with the current options.</p>}
      {preview && <PreviewTable file={preview} findings={result?.findings ?? []} />}
      {fileFindings.length > 0 && (
        <ul className="finding-list">
          {groups.slice(0, 5).map((g) => (
            <li key={`${g.severity}|${g.rule}|${g.column}`}>
              <SeverityBadge severity={g.severity} /> <span className="mono">{g.column}</span> ×{g.count}: {g.samples[0]?.message} ({sampleRows(g)})
            </li>
          ))}
          {groups.length > 5 && <li className="muted">… and more in the Preview step.</li>}
        </ul>
      )}
    </Panel>
  );
}
