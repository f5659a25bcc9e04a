/**
 * The `hostKey` capability in the editor: the trusted fingerprint, the key the server presents now,
 * and trusting it in place — directly when none is trusted, after a confirmation naming both keys
 * when it replaces a trusted one. Shown only for destination types whose descriptor has the capability.
 */
import { useState, type ReactNode } from 'react';
import type { ConnectionTypeInfo, DestinationView, HostKeyView } from '../../api/types.js';
import { ConfirmDialog, Notice } from '../../components/ui.js';
import { useApi } from '../../lib/api-context.js';
import { errorMessage } from '../../lib/errors.js';
import { useToasts } from '../../lib/toasts.js';
import type { TabProps } from './tab-props.js';

export interface HostKeyProps extends TabProps {
  readonly type: ConnectionTypeInfo;
  readonly view?: DestinationView;
  readonly setView: (v: DestinationView) => void;
}

/** The fingerprint the draft trusts ('' = none), from the setting the descriptor names. */
export function trustedFingerprint(props: Pick<HostKeyProps, 'type' | 'config'>): string {
  const value = props.type.hostKeySetting ? props.config.settings[props.type.hostKeySetting] : undefined;
  return typeof value === 'string' ? value : '';
}

/** `host:port` from the draft's settings, for sentences about the server ("The server" when not given yet). */
export function serverLabel(settings: Readonly<Record<string, unknown>>): string {
  const host = typeof settings.host === 'string' ? settings.host : '';
  return host ? `${host}${typeof settings.port === 'number' ? `:${settings.port}` : ''}` : 'The server';
}

/**
 * Trusting a key: a saved destination is pinned by the agent at once (`replacing` names the key the
 * admin confirmed replacing); an unsaved draft carries the pin until Save. Returns the settings now in
 * the draft, or undefined when the agent refused.
 */
export function useTrustHostKey(props: HostKeyProps): {
  readonly trust: (fingerprint: string, replacing: string | undefined) => Promise<Record<string, unknown> | undefined>;
  readonly error: string | null;
} {
  const api = useApi();
  const toasts = useToasts();
  const [error, setError] = useState<string | null>(null);
  const { config, patch, type } = props;
  const saved = props.view !== undefined && props.view.config.name === config.name;
  const trust = async (fingerprint: string, replacing: string | undefined): Promise<Record<string, unknown> | undefined> => {
    if (!type.hostKeySetting) return undefined;
    setError(null);
    const settings = { ...config.settings, [type.hostKeySetting]: fingerprint };
    if (saved) {
      try {
        props.setView(await api.trustHostKey({ destination: config.name, fingerprint, ...(replacing ? { replacing } : {}) }));
      } catch (err) {
        setError(errorMessage(err));
        return undefined;
      }
      toasts.info('Host key trusted.');
    } else {
      toasts.info('Host key will be trusted when you save.');
    }
    patch({ settings });
    return settings;
  };
  return { trust, error };
}

/**
 * A presented key the admin may trust: "Trust this key" when none is trusted; when another key is
 * trusted, "Trust the new key…" opens a confirmation showing both fingerprints and what a change means.
 */
export function HostKeyOffer(props: {
  readonly presented: string;
  readonly keyType: string;
  /** The key trusted now ('' = none). */
  readonly trusted: string;
  /** `host:port`, or what the server is called in the sentence. */
  readonly where: string;
  readonly onTrust: (fingerprint: string, replacing: string | undefined) => Promise<void>;
  readonly onDismiss?: () => void;
}): ReactNode {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const changed = props.trusted !== '' && props.trusted !== props.presented;
  const trust = async (): Promise<void> => {
    setConfirming(false);
    setBusy(true);
    try {
      await props.onTrust(props.presented, changed ? props.trusted : undefined);
    } finally {
      setBusy(false);
    }
  };
  if (props.trusted === props.presented) return <Notice kind="ok">This is the trusted key.</Notice>;
  return (
    <div className="stack probe" data-testid="host-key-offer">
      <div>
        <div className="field-label">
          {props.where} presents {changed ? 'a different' : 'this'} {props.keyType} key
        </div>
        <div className="fingerprint" data-testid="presented-fingerprint">
          {props.presented}
        </div>
        <p className="muted small">
          {changed
            ? 'Confirm the new fingerprint with the vendor before trusting it.'
            : 'Compare it with the fingerprint the vendor gave you before trusting it.'}
        </p>
      </div>
      <div className="row">
        <button type="button" className={`btn ${changed ? 'danger' : 'primary'}`} disabled={busy} onClick={() => (changed ? setConfirming(true) : void trust())}>
          {busy ? 'Trusting…' : changed ? 'Trust the new key…' : 'Trust this key'}
        </button>
        {props.onDismiss && (
          <button type="button" className="btn" onClick={props.onDismiss}>
            Cancel
          </button>
        )}
      </div>
      <ConfirmDialog
        open={confirming}
        title="Replace the trusted host key?"
        confirmLabel="Replace the key"
        danger
        onCancel={() => setConfirming(false)}
        onConfirm={() => void trust()}
      >
        <div className="stack" data-testid="host-key-confirm">
          <div>
            <div className="field-label">Trusted now</div>
            <div className="fingerprint" data-testid="confirm-old-fingerprint">
              {props.trusted}
            </div>
          </div>
          <div>
            <div className="field-label">Presented now by {props.where}</div>
            <div className="fingerprint" data-testid="confirm-new-fingerprint">
              {props.presented}
            </div>
          </div>
          <Notice kind="warn" title="A changed key is either a new server or someone in between">
            The vendor may have moved or rebuilt its server. The same warning is what a man-in-the-middle attack looks like: another machine answering
            in the server’s place to collect the files and the password. Confirm the new fingerprint with the vendor by phone or through its support
            site before replacing the key; until then nothing is delivered.
          </Notice>
        </div>
      </ConfirmDialog>
    </div>
  );
}

/** The server's identity: the trusted fingerprint, the last key seen when it differs, and checking the key now. */
export function HostKeySection(props: HostKeyProps): ReactNode {
  const api = useApi();
  const { config, type } = props;
  const trusted = trustedFingerprint(props);
  const { trust, error: trustError } = useTrustHostKey(props);
  const [probe, setProbe] = useState<HostKeyView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const lastSeen = props.view?.hostKey?.lastSeen ?? null;
  const where = serverLabel(config.settings);

  const fetchKey = async (): Promise<void> => {
    setLoading(true);
    setError(null);
    setProbe(null);
    try {
      setProbe(await api.probeHostKey({ type: type.id as typeof config.type, settings: config.settings }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
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
        {lastSeen && trusted && lastSeen !== trusted && (
          <Notice kind="error" title="The server presented a different key">
            Last seen: <span className="mono">{lastSeen}</span>. If the vendor moved servers, confirm the new fingerprint with them before trusting it.
          </Notice>
        )}
        <div className="row">
          <button type="button" className="btn" onClick={() => void fetchKey()} disabled={loading}>
            {loading ? 'Connecting…' : trusted ? 'Check the server’s key again' : 'Get the server’s key'}
          </button>
        </div>
        {(error ?? trustError) && <Notice kind="error">{error ?? trustError}</Notice>}
        {probe && (
          <HostKeyOffer
            presented={probe.fingerprint}
            keyType={probe.keyType}
            trusted={trusted}
            where={where}
            onDismiss={() => setProbe(null)}
            onTrust={async (fingerprint, replacing) => {
              if (await trust(fingerprint, replacing)) setProbe(null);
            }}
          />
        )}
      </div>
    </fieldset>
  );
}
