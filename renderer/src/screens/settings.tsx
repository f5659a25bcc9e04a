/** Settings: e-mail notifications (with a test mail), history retention, the data folder, configuration export/import and access. */
import { useEffect, useState, type ReactNode } from 'react';
import type { NotificationsConfig, SettingsView, TestEmailResult } from '../api/types.js';
import { ConnectionResult } from '../components/connection-result.js';
import { AccessPanel, ConfigurationPanel } from './settings-admin.js';
import { CheckField, CountField, NumberField, SelectField, TextField } from '../components/fields.js';
import { Loading, Notice, PageHeader, Panel } from '../components/ui.js';
import { useApi } from '../lib/api-context.js';
import { errorMessage } from '../lib/errors.js';
import { useToasts } from '../lib/toasts.js';
import { useLoad } from '../lib/use-load.js';
import { useUnsavedChanges } from '../lib/unsaved-changes.js';

export function SettingsScreen(): ReactNode {
  const api = useApi();
  const settings = useLoad(() => api.getSettings({}), [api]);
  return (
    <>
      <PageHeader title="Settings" intro="Notifications, how long history is kept, where the agent keeps its data, the configuration file and access." />
      {settings.error && <Notice kind="error" title="Settings could not be loaded">{settings.error}</Notice>}
      {!settings.data && !settings.error && <Loading what="settings" />}
      {settings.data && (
        <>
          <NotificationsPanel view={settings.data} onSaved={settings.reload} />
          <GeneralPanel view={settings.data} onSaved={settings.reload} />
          <ConfigurationPanel onImported={settings.reload} />
          <AccessPanel />
          <Panel title="Data folder">
            <dl className="kv">
              <dt>Data folder</dt>
              <dd className="mono">{settings.data.home}</dd>
              <dt>Database</dt>
              <dd className="mono">{settings.data.storePath}</dd>
              <dt>Agent version</dt>
              <dd>{settings.data.version}</dd>
            </dl>
            <p className="muted small top-gap">
              The data folder is chosen when the agent starts (<code>--home</code> or <code>ROSTERSYNC_HOME</code>). Back it up with{' '}
              <code>rostersync config export</code>.
            </p>
          </Panel>
        </>
      )}
    </>
  );
}

function NotificationsPanel(props: { readonly view: SettingsView; readonly onSaved: () => void }): ReactNode {
  const api = useApi();
  const toasts = useToasts();
  const { hasPassword, hasWebhookUrl, ...initial } = props.view.notifications;
  const [n, setN] = useState<NotificationsConfig>(initial);
  const [to, setTo] = useState(initial.to.join(', '));
  const [password, setPassword] = useState('');
  const [webhookUrl, setWebhookUrl] = useState('');
  const [testTo, setTestTo] = useState('');
  const [result, setResult] = useState<TestEmailResult | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const { hasPassword: _h, hasWebhookUrl: _w, ...fresh } = props.view.notifications;
    setN(fresh);
    setTo(fresh.to.join(', '));
  }, [props.view]);
  const patch = (p: Partial<NotificationsConfig>): void => setN((prev) => ({ ...prev, ...p }));
  const { hasPassword: _h, hasWebhookUrl: _w, ...stored } = props.view.notifications;
  const dirty = useUnsavedChanges({ n, to, password, webhookUrl }, { n: stored, to: stored.to.join(', '), password: '', webhookUrl: '' });

  const save = async (): Promise<void> => {
    setSaving(true);
    setError(null);
    try {
      const recipients = to
        .split(/[,;\s]+/)
        .map((s) => s.trim())
        .filter(Boolean);
      await api.saveNotifications({ notifications: { ...n, to: recipients }, password: password || undefined, webhookUrl: webhookUrl || undefined });
      setPassword('');
      setWebhookUrl('');
      toasts.info('Notification settings saved.');
      props.onSaved();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };
  const sendTest = async (): Promise<void> => {
    setResult(null);
    try {
      setResult(await api.sendTestEmail({ to: testTo || undefined }));
    } catch (err) {
      setResult({ ok: false, message: errorMessage(err) });
    }
  };

  return (
    <Panel title="Alerts">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div className="stack">
          <CheckField label="Send alerts" checked={n.enabled} onChange={(v) => patch({ enabled: v })} hint="By e-mail when a mail server is set, and to the webhook when it is on." />
          <fieldset>
            <legend>Mail server</legend>
            <div className="form-grid">
              <TextField label="SMTP host" value={n.host} onChange={(v) => patch({ host: v })} placeholder="smtp.district.org" />
              <NumberField label="Port" value={n.port} min={1} max={65535} onChange={(v) => patch({ port: v ?? 587 })} />
              <SelectField
                label="Security"
                value={n.security}
                onChange={(v) => patch({ security: v as NotificationsConfig['security'] })}
                options={[
                  { value: 'starttls', label: 'STARTTLS (port 587)' },
                  { value: 'tls', label: 'TLS (port 465)' },
                  { value: 'none', label: 'None' },
                ]}
              />
              <TextField label="User name" value={n.user} onChange={(v) => patch({ user: v })} hint="Empty when the server needs no login." />
              <TextField
                label="Password"
                type="password"
                value={password}
                onChange={setPassword}
                autoComplete="new-password"
                placeholder={hasPassword ? '(stored)' : ''}
                hint={hasPassword ? 'A password is stored; leave empty to keep it.' : undefined}
              />
            </div>
          </fieldset>
          <fieldset>
            <legend>Messages</legend>
            <div className="form-grid">
              <TextField label="From" type="email" value={n.from} onChange={(v) => patch({ from: v })} placeholder="rostersync@district.org" />
              <TextField label="To" value={to} onChange={setTo} hint="One or more addresses, separated by commas." placeholder="it@district.org" />
              <CountField
                label="While failing, remind every (minutes)"
                value={n.reminderMinutes}
                onChange={(reminderMinutes) => patch({ reminderMinutes })}
                hint="The first failure and the recovery always send an alert; 0 = no reminders."
              />
              <CountField label="Held or successful runs: at most one mail per destination every (minutes)" value={n.rateLimitMinutes} onChange={(rateLimitMinutes) => patch({ rateLimitMinutes })} />
            </div>
            <div className="row top-gap">
              <CheckField label="When a run fails" checked={n.onFailure} onChange={(v) => patch({ onFailure: v })} />
              <CheckField label="When a run is held" checked={n.onHold} onChange={(v) => patch({ onHold: v })} />
              <CheckField label="When a run succeeds" checked={n.onSuccess} onChange={(v) => patch({ onSuccess: v })} />
            </div>
          </fieldset>
          <fieldset>
            <legend>Webhook (Teams, Slack, a monitoring system)</legend>
            <div className="form-grid">
              <CheckField label="Also post every alert as JSON" checked={n.webhookEnabled} onChange={(v) => patch({ webhookEnabled: v })} />
              <TextField
                label="Webhook URL"
                type="password"
                value={webhookUrl}
                onChange={setWebhookUrl}
                autoComplete="off"
                placeholder={hasWebhookUrl ? '(stored)' : 'https://…'}
                hint={hasWebhookUrl ? 'A URL is stored sealed; leave empty to keep it.' : 'Stored sealed: such URLs usually carry a token.'}
              />
            </div>
          </fieldset>
        </div>
        {error && <Notice kind="error" title="Not saved">{error}</Notice>}
        <div className="form-actions">
          <button type="submit" className="btn primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save notifications'}
          </button>
          {dirty && <span className="muted small">Unsaved changes</span>}
        </div>
      </form>
      <hr className="sep" />
      <div className="row align-end">
        <TextField label="Send a test e-mail to" value={testTo} onChange={setTestTo} placeholder={n.to[0] ?? 'the To addresses'} />
        <button type="button" className="btn" onClick={() => void sendTest()}>
          Send test email
        </button>
        <span className="muted small">Uses the saved settings; empty sends to the To addresses.</span>
      </div>
      {result && (
        <div className="top-gap">
          <ConnectionResult result={result} testId="test-email-result" />
        </div>
      )}
    </Panel>
  );
}

function GeneralPanel(props: { readonly view: SettingsView; readonly onSaved: () => void }): ReactNode {
  const api = useApi();
  const toasts = useToasts();
  const [days, setDays] = useState<number | undefined>(props.view.general.historyRetentionDays);
  const [outbox, setOutbox] = useState(props.view.general.outboxDir ?? '');
  const [error, setError] = useState<string | null>(null);
  const dirty = useUnsavedChanges({ days, outbox: outbox.trim() }, { days: props.view.general.historyRetentionDays, outbox: props.view.general.outboxDir ?? '' });
  const save = async (): Promise<void> => {
    setError(null);
    try {
      await api.saveGeneralSettings({ historyRetentionDays: days ?? 365, outboxDir: outbox.trim() || undefined });
      toasts.info('Retention settings saved.');
      props.onSaved();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <Panel title="Retention">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div className="form-grid">
          <NumberField label="Keep run history (days)" value={days} min={1} onChange={setDays} hint="Older runs, findings and logs are deleted." required />
          <TextField
            label="Local copies folder"
            value={outbox}
            onChange={setOutbox}
            hint="Where generated files are staged. Empty = inside the data folder."
          />
        </div>
        {error && <Notice kind="error" title="Not saved">{error}</Notice>}
        <div className="form-actions">
          <button type="submit" className="btn primary">
            Save retention
          </button>
          {dirty && <span className="muted small">Unsaved changes</span>}
        </div>
      </form>
    </Panel>
  );
}
