/** Connection tab: where the files go, the connection's settings and secrets, the host key, Test connection. */
import { useState, type ReactNode } from 'react';
import type { ConnectionTypeInfo, DestinationCheckView, DestinationConfig, DestinationView } from '../../api/types.js';
import { SelectField } from '../../components/fields.js';
import { SettingsForm, secretsToReenterFor } from '../../components/settings-form.js';
import { Notice } from '../../components/ui.js';
import { ConnectionResult } from '../../components/connection-result.js';
import { useApi } from '../../lib/api-context.js';
import { errorMessage } from '../../lib/errors.js';
import { hiddenSecrets, withStaleHiddenCleared } from './hidden-secrets.js';
import { HostKeyOffer, HostKeySection, serverLabel, useTrustHostKey, type HostKeyProps } from './host-key-section.js';
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
  const test = async (draft: DestinationConfig = config): Promise<void> => {
    setChecking(true);
    setCheck(null);
    try {
      setCheck(await api.testDestination({ config: draft, secrets: withStaleHiddenCleared(props.types, props.view, draft, props.secrets) }));
    } catch (err) {
      setCheck({ ok: false, message: errorMessage(err) });
    } finally {
      setChecking(false);
    }
  };
  const hostKeyProps = type?.capabilities.includes('hostKey') ? { ...props, type } : undefined;
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
          secretFields={type.secretFields}
          secretsSet={props.view?.secretsSet}
          secrets={props.secrets}
          onSecretsChange={props.setSecrets}
          hideSecrets={hiddenSecrets(type, config)}
          secretsToReenter={secretsToReenterFor(type, props.view, config.settings, props.secrets)}
        />
      )}
      {hostKeyProps && <HostKeySection {...hostKeyProps} />}
      <div className="form-actions">
        <button type="button" className="btn" onClick={() => void test()} disabled={checking}>
          {checking ? 'Testing…' : 'Test connection'}
        </button>
      </div>
      {check && <ConnectionResult result={check} testId="destination-check" />}
      {check && hostKeyProps && <TrustFromTest hostKey={hostKeyProps} check={check} retest={(settings) => test({ ...config, settings })} />}
    </div>
  );
}

/** A test that stopped at an unknown or changed host key offers trusting the presented key right there, then tests again. */
function TrustFromTest(props: { readonly hostKey: HostKeyProps; readonly check: DestinationCheckView; readonly retest: (settings: Record<string, unknown>) => Promise<void> }): ReactNode {
  const { trust, error } = useTrustHostKey(props.hostKey);
  const key = props.check.hostKey;
  if (!key || key.status === 'trusted') return null;
  return (
    <div className="stack">
      <HostKeyOffer
        presented={key.presented}
        keyType={key.keyType}
        trusted={key.status === 'changed' ? key.trusted : ''}
        where={serverLabel(props.hostKey.config.settings)}
        onTrust={async (fingerprint, replacing) => {
          const settings = await trust(fingerprint, replacing);
          if (settings) await props.retest(settings);
        }}
      />
      {error && <Notice kind="error">{error}</Notice>}
    </div>
  );
}
