/** Step 3: every file built from the whole source, with its findings; nothing saved or delivered. */
import { useState, type ReactNode } from 'react';
import type { DestinationConfig } from '../../api/types.js';
import { FindingsGrid } from '../../components/run-parts.js';
import { Badge, Loading, Notice, Panel, TabPanel, Tabs } from '../../components/ui.js';
import { formatCount, plural } from '../../lib/format.js';
import { href } from '../../lib/router.js';
import { PreviewTable } from './preview-table.js';
import { usePreview } from './use-preview.js';

export function PreviewStep(props: { readonly config: DestinationConfig }): ReactNode {
  const { result, error, busy, refresh } = usePreview(props.config, 20);
  const [file, setFile] = useState<string | null>(null);
  // Open on the first file with an error, else the first file.
  const firstWithError = result?.files.find((f) => result.findings.some((x) => x.file === f.name && x.severity === 'error'));
  const current = result?.files.find((f) => f.name === file) ?? firstWithError ?? result?.files[0];
  return (
    <div className="stack">
      <Panel
        title="Preview of every file"
        actions={
          <button type="button" className="btn" onClick={refresh} disabled={busy}>
            {busy ? 'Running…' : 'Run again'}
          </button>
        }
      >
        <p className="muted small">The whole source is read and checked; nothing is saved or delivered. Cells with findings are highlighted.</p>
        {error && <Notice kind="error" title="Preview failed">{error}</Notice>}
        {!result && !error && <Loading what="the preview (reading the whole source)" />}
        {result && (
          <div className="stack top-gap">
            <Notice kind={result.errors ? 'error' : result.warnings ? 'warn' : 'ok'} testId="preview-summary">
              {result.errors
                ? `${plural(result.errors, 'error')} and ${plural(result.warnings, 'warning')}: a run now would deliver nothing. Fix them in the mapping, the site IDs or the SIS.`
                : result.warnings
                  ? `No errors, ${plural(result.warnings, 'warning')}: a run now would deliver these files.`
                  : 'No errors or warnings: a run now would deliver these files.'}
            </Notice>
            {result.unmappedSchools.length > 0 && (
              <Notice kind="warn" title="Schools without a site ID">
                {result.unmappedSchools.join(', ')}. <a href={href('sitemap', props.config.name)}>Enter their site IDs</a>.
              </Notice>
            )}
            {result.holdReasons.length > 0 && (
              <Notice kind="warn" title="A real run would be held for approval">
                <ul className="plain-list">
                  {result.holdReasons.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              </Notice>
            )}
            <Tabs
              label="Files"
              idPrefix="pvfile"
              tabs={result.files.map((f) => {
                const n = result.findings.filter((x) => x.file === f.name && x.severity === 'error').length;
                return {
                  id: f.name,
                  label: (
                    <>
                      {f.name} <span className="muted small">({formatCount(f.rows)})</span>
                      {n > 0 && <Badge kind="error" count>
                          {n}
                        </Badge>}
                    </>
                  ),
                };
              })}
              selected={current?.name ?? ''}
              onSelect={setFile}
            />
            <TabPanel idPrefix="pvfile" selected={current?.name ?? ''}>
              {current && <PreviewTable file={current} findings={result.findings} />}
            </TabPanel>
          </div>
        )}
      </Panel>
      {result && (
        <Panel title="Validation findings">
          <FindingsGrid findings={result.findings} total={result.findingsTotal} errors={result.errors} warnings={result.warnings} />
        </Panel>
      )}
    </div>
  );
}
