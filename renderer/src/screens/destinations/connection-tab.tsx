/** Connection tab: where the files go, the connection's settings and secrets, the host key, Test connection. */
import { useState, type ReactNode } from 'react';
import type { ConnectionTypeInfo, DestinationCheckView, DestinationConfig, DestinationView } from '../../api/types.js';
import { SelectField } from '../../components/fields.js';
import { SettingsForm, secretsToReenterFor } from '../../components/settings-form.js';
import { Notice } from '../../components/ui.js';
import { useApi } from '../../lib/api-context.js';
import { errorMessage } from '../../lib/errors.js';
import { hiddenSecrets, withStaleHiddenCleared } from './hidden-secrets.js';
import { HostKeySection } from './host-key-section.js';
import type { TabProps } from './tab-props.js';

export function ConnectionTab(
  props: TabProps & {
    readonly types: readonly ConnectionTypeInfo[];
    readonly view?: DestinationView;
    readonly setView: (v: DestinationView) => void;
    readonly secrets: Record<string, string>;
    readonly setSecrets: (s: Record<string, string>) => void;
  },
): ReactNode {
  const api = useApi();
  const { config, patch } = props;
  const type = props.types.find((t) => t.id === config.type);
  const [check, setCheck] = useState<DestinationCheckView | null>(null);
  const [checking, setChecking] = useState(false);
  const isSftp = config.type === 'sftp';
  const test = async (): Promise<void> => {
    setChecking(true);
    setCheck(null);
    try {
      setCheck(await api.testDestination({ config, secrets: withStaleHiddenCleared(props.types, props.view, config, props.secrets) }));
    } catch (err) {
      setCheck({ ok: false, message: errorMessage(err) });
    } finally {
      setChecking(false);
    }
  };
  return (
    <div className="stack">
      <div className="form-grid">
        <SelectField
          label="Deliver to"
          value={config.type}
          onChange={(v) => {
            patch({ type: v as DestinationConfig['type'], settings: {} });
            setCheck(null);
          }}
          options={props.types.map((t) => ({ value: t.id, label: t.displayName }))}
        />
      </div>
      {type && (
        <SettingsForm
          schema={type.settingsSchema}
          value={config.settings}
          onChange={(settings) => patch({ settings })}
          hide={['trustedFingerprint']}
          secretFields={type.secretFields}
          secretsSet={props.view?.secretsSet}
          secrets={props.secrets}
          onSecretsChange={props.setSecrets}
          hideSecrets={hiddenSecrets(config)}
          secretsToReenter={secretsToReenterFor(type, props.view, config.settings, props.secrets)}
        />
      )}
      {isSftp && <HostKeySection {...props} />}
      <div className="form-actions">
        <button type="button" className="btn" onClick={() => void test()} disabled={checking}>
          {checking ? 'Testing…' : 'Test connection'}
        </button>
      </div>
      {check && (
        <Notice kind={check.ok ? 'ok' : 'error'} testId="destination-check">
          {check.message}
        </Notice>
      )}
    </div>
  );
}
