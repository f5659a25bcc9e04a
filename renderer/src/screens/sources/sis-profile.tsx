/**
 * SIS profiles in the source editor: right after a successful connection test the schema is matched
 * against the profiles (detectSource) and a match is offered in one click; a source that uses a
 * profile shows it with how far it was verified, and each entity's query box starts from the
 * profile's SQL, which the admin may override for that one entity.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { DetectionView, ProfileEntity, ProfileView, SourceConfig } from '../../api/types.js';
import { Notice } from '../../components/ui.js';
import { useApi } from '../../lib/api-context.js';
import { errorMessage } from '../../lib/errors.js';

type Draft = { readonly config: SourceConfig; readonly secrets: Record<string, string> };

/** The profile a source names, from the loaded list (undefined while loading or when it names none). */
export function profileOf(config: SourceConfig, profiles: readonly ProfileView[] | undefined): ProfileView | undefined {
  return config.profile ? profiles?.find((p) => p.profile.id === config.profile) : undefined;
}

/**
 * After a successful test (`tested` turns true): which profiles match, with the evidence, and a
 * button per match; when the source already uses a profile, that profile and a way to stop using it.
 */
export function ProfileOffer(props: {
  readonly draft: Draft;
  readonly tested: boolean;
  readonly profiles: readonly ProfileView[] | undefined;
  readonly onUse: (profileId: string | undefined) => void;
}): ReactNode {
  const api = useApi();
  const [detection, setDetection] = useState<DetectionView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [detecting, setDetecting] = useState(false);
  const { draft, tested } = props;
  useEffect(() => {
    if (!tested) {
      setDetection(null);
      setError(null);
      return;
    }
    let current = true;
    setDetecting(true);
    api
      .detectSource(draft)
      .then((result) => current && setDetection(result))
      .catch((err: unknown) => current && setError(errorMessage(err)))
      .finally(() => current && setDetecting(false));
    return () => {
      current = false;
    };
    // Detect once per successful test, with the draft as it was tested.
  }, [api, tested]);

  const using = profileOf(draft.config, props.profiles);
  if (using) {
    return (
      <Notice kind="ok" title={`Uses the ${using.profile.name} profile`} testId="source-profile">
        <p>
          Every kind of record comes from the profile’s queries unless you override one on the Queries tab. {verificationText(using.profile.verification)}
        </p>
        <button type="button" className="btn small" onClick={() => props.onUse(undefined)}>
          Stop using the profile
        </button>
      </Notice>
    );
  }
  if (detecting) return <p className="muted small">Looking for a matching SIS profile…</p>;
  if (error) return <Notice kind="warn" title="SIS profile detection failed">{error}</Notice>;
  if (!detection) return null;
  if (!detection.matches.length) {
    return (
      <Notice kind="info" title="No SIS profile matches" testId="source-detection">
        {detection.message} Write a query for each kind of record on the Queries tab.
      </Notice>
    );
  }
  return (
    <Notice kind="info" title="SIS detected" testId="source-detection">
      {detection.matches.map((m) => (
        <div key={m.id} className="stack">
          <p>
            {m.evidence}. {verificationText(m.verification)}
          </p>
          <div className="row">
            <button type="button" className="btn primary small" onClick={() => props.onUse(m.id)}>
              Use the {m.name} profile
            </button>
          </div>
        </div>
      ))}
    </Notice>
  );
}

/** How far the profile was checked: its own note, said to be unverified when CI does not test it (unless the note already says so). */
function verificationText(verification: ProfileView['profile']['verification']): string {
  if (verification.testedInCi || /^not verified/i.test(verification.note)) return verification.note;
  return `Not verified against a live server: ${verification.note}`;
}

/**
 * Under an entity's query box, for a source with a profile: whether the profile's query or the
 * admin's own is used, the profile's notes, and one button to switch (override starts from the profile's SQL).
 */
export function ProfileQueryNote(props: {
  readonly profileName: string;
  readonly entity: ProfileEntity;
  readonly overridden: boolean;
  readonly isFiles: boolean;
  readonly entityLabel: string;
  readonly onOverride: (startFrom: string) => void;
  readonly onRevert: () => void;
}): ReactNode {
  const what = props.isFiles ? 'file' : 'query';
  return (
    <div className="profile-query muted small">
      {props.overridden ? (
        <p>
          Your own {what} replaces the {props.profileName} profile’s for {props.entityLabel.toLowerCase()}.{' '}
          <button type="button" className="btn small link" onClick={props.onRevert}>
            Use the profile’s {what}
          </button>
        </p>
      ) : (
        <p>
          From the {props.profileName} profile (shown in grey).{' '}
          <button type="button" className="btn small link" onClick={() => props.onOverride(props.entity.query ?? props.entity.file ?? '')} aria-label={`Override the ${props.entityLabel.toLowerCase()} ${what}`}>
            Override
          </button>
        </p>
      )}
      {!props.overridden && props.entity.notes?.length ? (
        <ul>
          {props.entity.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
