/**
 * Settings → Configuration (the file `rostersync config export | import` reads and writes: export,
 * then import as a dry run shown per section before anything changes) and Settings → Access
 * (rotate the API key, sign out of this browser).
 */
import { useRef, useState, type ReactNode } from 'react';
import { API_KEY_STORAGE } from '../../../src/shared/api.contract.js';
import type { ConfigEntryChange, ConfigImportResult } from '../../../src/shared/api.contract.js';
import { CheckField, TextField } from '../components/fields.js';
import { ConfirmDialog, Notice, Panel } from '../components/ui.js';
import { useApi } from '../lib/api-context.js';
import { saveDownload } from '../lib/download.js';
import { errorMessage } from '../lib/errors.js';

const PASSPHRASE_HINT = 'At least 12 characters, of at least two kinds (lower-case, upper-case, digits, other). It is needed to import the secrets.';

export function ConfigurationPanel(props: { readonly onImported: () => void }): ReactNode {
  return (
    <Panel title="Configuration">
      <p className="muted small">
        One file with the sources, destinations (mapping, schedule, safety), site IDs, custom formats and profiles, and the alert settings — the same file as{' '}
        <code>rostersync config export</code>. Secrets are left out unless you seal them with a passphrase.
      </p>
      <ExportConfig />
      <hr className="sep" />
      <ImportConfig onImported={props.onImported} />
    </Panel>
  );
}

function ExportConfig(): ReactNode {
  const api = useApi();
  const [withSecrets, setWithSecrets] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const exportFile = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const file = await api.exportConfig(withSecrets ? { passphrase } : {});
      saveDownload(file);
      setDone(`${file.fileName} downloaded${withSecrets ? ', secrets sealed with the passphrase' : ', secrets left out'}.`);
      setPassphrase('');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="stack" data-testid="config-export">
      <h3>Export</h3>
      <CheckField
        label="Include the secrets (passwords, keys), sealed with a passphrase"
        checked={withSecrets}
        onChange={(checked) => {
          setWithSecrets(checked);
          setError(null);
        }}
      />
      {withSecrets && <TextField label="Passphrase" type="password" value={passphrase} onChange={setPassphrase} autoComplete="new-password" hint={PASSPHRASE_HINT} />}
      <div>
        <button type="button" className="btn" disabled={busy || (withSecrets && !passphrase)} onClick={() => void exportFile()}>
          {busy ? 'Exporting…' : 'Export configuration'}
        </button>
      </div>
      {error && (
        <Notice kind="error" title="Not exported" testId="config-export-error">
          {error}
        </Notice>
      )}
      {done && (
        <Notice kind="ok" testId="config-export-done">
          {done}
        </Notice>
      )}
    </div>
  );
}

interface ChosenFile {
  readonly name: string;
  readonly text: string;
}

function ImportConfig(props: { readonly onImported: () => void }): ReactNode {
  const api = useApi();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<ChosenFile | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [plan, setPlan] = useState<ConfigImportResult | null>(null);
  const [applied, setApplied] = useState<ConfigImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const run = async (chosen: ChosenFile, dryRun: boolean): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const result = await api.importConfig({ fileName: chosen.name, text: chosen.text, dryRun, ...(passphrase ? { passphrase } : {}) });
      if (dryRun) setPlan(result);
      else {
        setApplied(result);
        setPlan(null);
        setFile(null);
        setPassphrase('');
        if (input.current) input.current.value = '';
        props.onImported();
      }
    } catch (err) {
      setError(errorMessage(err));
      if (dryRun) setPlan(null);
    } finally {
      setBusy(false);
    }
  };

  const choose = async (picked: File | undefined): Promise<void> => {
    setPlan(null);
    setApplied(null);
    setError(null);
    if (!picked) return setFile(null);
    const chosen = { name: picked.name, text: await picked.text() };
    setFile(chosen);
    await run(chosen, true);
  };

  const needsPassphrase = plan !== null && plan.sealedSecretsInFile > 0 && plan.plan.secrets === 0;
  return (
    <div className="stack" data-testid="config-import">
      <h3>Import</h3>
      <p className="muted small">Choose a file: you see what it changes before anything is changed. Entries the file does not list are left as they are.</p>
      <div className="field">
        <label htmlFor="config-import-file">Configuration file (YAML or JSON)</label>
        <input ref={input} id="config-import-file" type="file" accept=".yaml,.yml,.json" data-testid="config-import-file" onChange={(e) => void choose(e.target.files?.[0])} />
      </div>
      {error && (
        <Notice kind="error" title="This file cannot be imported" testId="config-import-error">
          {error}
        </Notice>
      )}
      {plan && file && (
        <div className="stack" data-testid="config-import-plan">
          <ImportPlanView result={plan} />
          {plan.sealedSecretsInFile > 0 && (
            <div className="row align-end">
              <TextField
                label="Passphrase of the secrets"
                type="password"
                value={passphrase}
                onChange={setPassphrase}
                autoComplete="off"
                hint={needsPassphrase ? `The file carries ${plan.sealedSecretsInFile} sealed secret(s): enter the passphrase it was exported with.` : 'The passphrase opens the secrets.'}
              />
              <button type="button" className="btn" disabled={busy || !passphrase} onClick={() => void run(file, true)}>
                Check the passphrase
              </button>
            </div>
          )}
          <div className="form-actions">
            <button type="button" className="btn primary" disabled={busy || needsPassphrase} onClick={() => setConfirming(true)}>
              Import these changes
            </button>
            <button
              type="button"
              className="btn"
              onClick={() => {
                setPlan(null);
                setFile(null);
                if (input.current) input.current.value = '';
              }}
            >
              Cancel
            </button>
          </div>
        </div>
      )}
      {applied && (
        <Notice kind="ok" title="Configuration imported" testId="config-import-done">
          <p>{summary(applied)}</p>
          {applied.notes.map((note) => (
            <p key={note} className="small">
              {note}
            </p>
          ))}
        </Notice>
      )}
      <ConfirmDialog
        open={confirming}
        title="Import this configuration?"
        confirmLabel="Import"
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          if (file) void run(file, false);
        }}
      >
        <p>{plan ? summary(plan) : ''}</p>
        <p>Scheduled runs use the new settings from their next start.</p>
      </ConfirmDialog>
    </div>
  );
}

function summary(result: ConfigImportResult): string {
  const { plan } = result;
  const all = [...plan.sources, ...plan.destinations, ...plan.siteMaps, ...plan.customFormats, ...plan.customProfiles, ...(plan.notifications ? [plan.notifications] : []), ...(plan.settings ? [plan.settings] : [])];
  const count = (kind: ConfigEntryChange['kind']): number => all.filter((c) => c.kind === kind).length;
  return `${count('added')} added, ${count('changed')} changed, ${count('unchanged')} unchanged${plan.secrets ? `; ${plan.secrets} secret(s)` : ''}.`;
}

const MARK = { added: 'Added', changed: 'Changed', unchanged: 'Unchanged' } as const;

function ImportPlanView(props: { readonly result: ConfigImportResult }): ReactNode {
  const { plan } = props.result;
  const sections: readonly [string, readonly ConfigEntryChange[]][] = [
    ['Sources', plan.sources],
    ['Destinations', plan.destinations],
    ['Site IDs', plan.siteMaps],
    ['Custom formats', plan.customFormats],
    ['Custom SIS profiles', plan.customProfiles],
    ['Alerts', plan.notifications ? [plan.notifications] : []],
    ['General settings', plan.settings ? [plan.settings] : []],
  ];
  return (
    <div className="stack">
      <h4>What this file changes</h4>
      {sections
        .filter(([, changes]) => changes.length)
        .map(([title, changes]) => (
          <section key={title} data-testid={`config-plan-${title.toLowerCase().replace(/\s+/g, '-')}`}>
            <h5>
              {title}: {changes.filter((c) => c.kind === 'added').length} added, {changes.filter((c) => c.kind === 'changed').length} changed,{' '}
              {changes.filter((c) => c.kind === 'unchanged').length} unchanged
            </h5>
            <ul className="plain-list">
              {changes
                .filter((c) => c.kind !== 'unchanged')
                .map((c) => (
                  <li key={c.name}>
                    <strong>{MARK[c.kind]}</strong> {c.name}
                    {c.details.length > 0 && (
                      <ul className="mono small">
                        {c.details.map((d) => (
                          <li key={d}>{d}</li>
                        ))}
                      </ul>
                    )}
                  </li>
                ))}
            </ul>
          </section>
        ))}
      {plan.kept.length > 0 && (
        <p className="muted small">
          Kept as configured here: {plan.kept.join('; ')}.
        </p>
      )}
      {plan.notInFile.length > 0 && <p className="muted small">Not in the file, left as they are: {plan.notInFile.join(', ')}.</p>}
    </div>
  );
}

/** Whether this console runs in a browser (its key in sessionStorage) rather than the tray app (key held by the app). */
const inBrowser = (): boolean => !window.api;

export function AccessPanel(): ReactNode {
  const api = useApi();
  const [confirming, setConfirming] = useState(false);
  const [loginUrl, setLoginUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const rotate = async (): Promise<void> => {
    setConfirming(false);
    setError(null);
    try {
      const rotated = await api.rotateApiKey({});
      // This console goes on with the new key; every other one is refused until it signs in again.
      if (inBrowser()) window.sessionStorage.setItem(API_KEY_STORAGE, rotated.key);
      setLoginUrl(rotated.loginUrl);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const signOut = (): void => {
    window.sessionStorage.removeItem(API_KEY_STORAGE);
    window.location.hash = '';
    window.location.reload();
  };
  return (
    <Panel title="Access">
      <div className="stack">
        <p className="muted small">
          Consoles sign in with the agent’s API key (in the login link <code>rostersync ui</code> prints; the tray app reads it from the data folder). Rotate it when a link may
          have been seen by someone else.
        </p>
        <div className="row">
          <button type="button" className="btn" onClick={() => setConfirming(true)}>
            Rotate the API key…
          </button>
          {inBrowser() && (
            <button type="button" className="btn" onClick={signOut}>
              Sign out of this browser
            </button>
          )}
        </div>
        {error && (
          <Notice kind="error" title="The key was not changed" testId="rotate-key-error">
            {error}
          </Notice>
        )}
        {loginUrl && (
          <Notice kind="ok" title="New API key in use" testId="rotate-key-done">
            <p>The old key is refused from now on. This console keeps working; other consoles must sign in again with this link. It is shown only once — copy it now:</p>
            <p className="mono login-url" data-testid="new-login-url">
              {loginUrl}
            </p>
          </Notice>
        )}
      </div>
      <ConfirmDialog open={confirming} title="Rotate the API key?" confirmLabel="Rotate the key" danger onCancel={() => setConfirming(false)} onConfirm={() => void rotate()}>
        <p>Every open console and the tray app must sign in again: the current key is refused at once.</p>
        <p>The new login link is shown once, here.</p>
      </ConfirmDialog>
    </Panel>
  );
}
