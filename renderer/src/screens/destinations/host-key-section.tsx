import { useState, type ReactNode } from 'react';
import type { DestinationView, HostKeyView } from '../../api/types.js';
import { Notice } from '../../components/ui.js';
import { useApi } from '../../lib/api-context.js';
import { errorMessage } from '../../lib/errors.js';
import { useToasts } from '../../lib/toasts.js';
import type { TabProps } from './tab-props.js';

/** The SFTP server's host key: fetch it, compare it with the vendor's, trust it. */
export function HostKeySection(props: TabProps & { readonly view?: DestinationView; readonly setView: (v: DestinationView) => void }): ReactNode {
  const api = useApi();
  const toasts = useToasts();
  const { config, patch } = props;
  const trusted = (config.settings.trustedFingerprint as string | undefined) ?? '';
  const [probe, setProbe] = useState<HostKeyView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const host = (config.settings.host as string | undefined) ?? '';
  const port = (config.settings.port as number | undefined) ?? 22;
  const seen = props.view?.seenFingerprint ?? null;
  const saved = props.view && props.view.config.name === config.name;

  const fetchKey = async (): Promise<void> => {
    setLoading(true);
    setError(null);
    setProbe(null);
    try {
      setProbe(await api.probeHostKey({ host, port }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  };
  const trust = async (fingerprint: string): Promise<void> => {
    patch({ settings: { ...config.settings, trustedFingerprint: fingerprint } });
    if (saved) {
      try {
        props.setView(await api.trustHostKey({ destination: config.name, fingerprint }));
        toasts.info('Host key trusted.');
      } catch (err) {
        setError(errorMessage(err));
        return;
      }
    } else {
      toasts.info('Host key will be trusted when you save.');
    }
    setProbe(null);
  };

  return (
    <fieldset>
      <legend>Server identity (host key)</legend>
      <div className="stack">
        {trusted ? (
          <div>
            <div className="field-label">Trusted fingerprint</div>
            <div className="fingerprint" data-testid="trusted-fingerprint">
              {trusted}
            </div>
          </div>
        ) : (
          <Notice kind="warn">No host key trusted yet: deliveries are refused until you confirm the server’s key.</Notice>
        )}
        {seen && trusted && seen !== trusted && (
          <Notice kind="error" title="The server presented a different key">
            Last seen: <span className="mono">{seen}</span>. If the vendor moved servers, confirm the new fingerprint with them before trusting it.
          </Notice>
        )}
        <div className="row">
          <button type="button" className="btn" onClick={() => void fetchKey()} disabled={!host || loading}>
            {loading ? 'Connecting…' : trusted ? 'Check the server’s key again' : 'Get the server’s key'}
          </button>
          {!host && <span className="muted small">Enter the host first.</span>}
        </div>
        {error && <Notice kind="error">{error}</Notice>}
        {probe && (
          <div className="stack probe" data-testid="probed-key">
            <div>
              <div className="field-label">
                {host}:{port} presents this {probe.keyType} key
              </div>
              <div className="fingerprint">{probe.fingerprint}</div>
              <p className="muted small">Compare it with the fingerprint the vendor gave you before trusting it.</p>
            </div>
            {probe.fingerprint === trusted ? (
              <Notice kind="ok">This is the trusted key.</Notice>
            ) : (
              <div className="row">
                <button type="button" className="btn primary" onClick={() => void trust(probe.fingerprint)}>
                  Trust this key
                </button>
                <button type="button" className="btn" onClick={() => setProbe(null)}>
                  Cancel
                </button>
              </div>
            )}
          </div>
        )}
      </div>
    </fieldset>
  );
}
