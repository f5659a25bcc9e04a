/** The application shell: navigation, routing, sign-in state and the screens. */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { API_KEY_STORAGE } from '../../src/shared/api.contract.js';
import { takeKeyFromFragment } from '../../src/shared/api-client.js';
import type { AgentStatus, Api, LiveFeed } from './api/types.js';
import { LiveIndicator } from './components/live-run.js';
import { LiveProvider } from './lib/live.js';
import { TextField } from './components/fields.js';
import { Notice } from './components/ui.js';
import { ApiProvider, useApi } from './lib/api-context.js';
import { formatDateTime } from './lib/format.js';
import { errorMessage } from './lib/errors.js';
import { href, useRoute, type Screen } from './lib/router.js';
import { ToastProvider } from './lib/toasts.js';
import { UnsavedChangesProvider } from './lib/unsaved-changes.js';
import { DashboardScreen } from './screens/dashboard.js';
import { DestinationsScreen } from './screens/destinations/destinations-screen.js';
import { HistoryScreen } from './screens/history.js';
import { AuditScreen } from './screens/audit.js';
import { MappingScreen } from './screens/mapping/mapping-screen.js';
import { SettingsScreen } from './screens/settings.js';
import { SiteMapScreen } from './screens/site-map.js';
import { SourcesScreen } from './screens/sources.js';

const NAV: readonly { screen: Screen; label: string }[] = [
  { screen: 'dashboard', label: 'Dashboard' },
  { screen: 'sources', label: 'Sources' },
  { screen: 'destinations', label: 'Destinations' },
  { screen: 'mapping', label: 'Mapping' },
  { screen: 'sitemap', label: 'Site IDs' },
  { screen: 'history', label: 'History' },
  { screen: 'audit', label: 'Audit' },
  { screen: 'settings', label: 'Settings' },
];

type Connection = { state: 'checking' } | { state: 'ok'; status: AgentStatus } | { state: 'signed-out'; message: string } | { state: 'down'; message: string };

export function App(props: { readonly api: Api; readonly live: LiveFeed }): ReactNode {
  const [connection, setConnection] = useState<Connection>({ state: 'checking' });
  const check = (): void => {
    props.api.getStatus({}).then(
      (status) => setConnection({ state: 'ok', status }),
      (err: unknown) => {
        const code = (err as { code?: string }).code;
        if (code === 'unauthorized') setConnection({ state: 'signed-out', message: errorMessage(err) });
        else setConnection({ state: 'down', message: errorMessage(err) });
      },
    );
  };
  useEffect(check, [props.api]);

  if (connection.state === 'checking') return <p className="loading">Connecting to the RosterSync agent…</p>;
  if (connection.state === 'signed-out') return <SignIn message={connection.message} onSignedIn={check} />;
  if (connection.state === 'down') {
    return (
      <div className="signin">
        <Notice kind="error" title="The RosterSync agent is not reachable">
          <p>{connection.message}</p>
        </Notice>
        <div className="form-actions">
          <button type="button" className="btn primary" onClick={check}>
            Try again
          </button>
        </div>
      </div>
    );
  }
  return (
    <ApiProvider api={props.api}>
      <LiveProvider feed={props.live}>
        <ToastProvider>
          <UnsavedChangesProvider>
            <Shell status={connection.status} onSignedOut={(message) => setConnection({ state: 'signed-out', message })} />
          </UnsavedChangesProvider>
        </ToastProvider>
      </LiveProvider>
    </ApiProvider>
  );
}

function SignIn(props: { readonly message: string; readonly onSignedIn: () => void }): ReactNode {
  const [key, setKey] = useState('');
  // A login link opened in this tab changes only the fragment (no page load): take its key from there.
  useEffect(() => {
    const onHash = (): void => {
      if (!new URLSearchParams(window.location.hash.replace(/^#/, '')).get('key')) return;
      const taken = takeKeyFromFragment(window.location.hash, window.sessionStorage);
      window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${taken.hash}`);
      props.onSignedIn();
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [props]);
  return (
    <main className="signin">
      <h1>Sign in to RosterSync</h1>
      <p className="muted">
        Open the login link that <code>rostersync ui</code> printed, or paste the key from that link (the part after <code>#key=</code>).
      </p>
      {window.sessionStorage.getItem(API_KEY_STORAGE) && (
        <Notice kind="error" testId="sign-in-error">
          The key was not accepted: {props.message}
        </Notice>
      )}
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          window.sessionStorage.setItem(API_KEY_STORAGE, key.trim());
          props.onSignedIn();
        }}
      >
        <TextField label="Access key" type="password" value={key} onChange={setKey} required />
        <div>
          <button type="submit" className="btn primary" disabled={!key.trim()}>
            Sign in
          </button>
        </div>
      </form>
    </main>
  );
}

/** How often the sidebar asks the agent how it is (so it never says "running" about an agent that stopped). */
const STATUS_POLL_MS = 10_000;

function Shell(props: { readonly status: AgentStatus; readonly onSignedOut: (message: string) => void }): ReactNode {
  const route = useRoute();
  const api = useApi();
  const [status, setStatus] = useState<{ ok: true; status: AgentStatus } | { ok: false; message: string }>({ ok: true, status: props.status });
  useEffect(() => {
    const timer = setInterval(() => {
      api.getStatus({}).then(
        (s) => setStatus({ ok: true, status: s }),
        (err: unknown) => {
          // The key was rotated (here or in another console): sign in again rather than show "not reachable".
          if ((err as { code?: string }).code === 'unauthorized') props.onSignedOut(errorMessage(err));
          else setStatus({ ok: false, message: errorMessage(err) });
        },
      );
    }, STATUS_POLL_MS);
    return () => clearInterval(timer);
  }, [api]);
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);
  // Move focus to the page on navigation, so keyboard and screen-reader users land on the new screen.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [route.screen]);

  return (
    <div className="app">
      <button type="button" className="skip-link" onClick={() => mainRef.current?.focus()}>
        Skip to content
      </button>
      <aside className="sidebar">
        <div className="brand">
          RosterSync
          <small>Roster sync agent</small>
        </div>
        <nav aria-label="Main">
          <ul className="nav">
            {NAV.map((item) => (
              <li key={item.screen}>
                <a href={href(item.screen)} aria-current={route.screen === item.screen ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <AgentFoot state={status} />
      </aside>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <ScreenView screen={route.screen} params={route.params} />
      </main>
    </div>
  );
}

function AgentFoot(props: { readonly state: { ok: true; status: AgentStatus } | { ok: false; message: string } }): ReactNode {
  const { state } = props;
  if (!state.ok) {
    return (
      <div className="sidebar-foot" data-testid="agent-state" title={state.message}>
        <span className="badge failed">Agent not reachable</span>
        <br />
        <LiveIndicator />
      </div>
    );
  }
  const agent = state.status.agent;
  const since = agent.runningSince ? formatDateTime(agent.runningSince) : '';
  return (
    <div className="sidebar-foot" data-testid="agent-state">
      Agent {agent.version}
      <br />
      {agent.scheduling === 'nobody' ? (
        <span className="badge failed" title="Start `rostersync agent` or install the service">No agent: schedules do not run</span>
      ) : (
        <span className="small">
          {agent.scheduling === 'here' ? 'Running' : `Attached to agent ${agent.pid ?? ''}`} since {since}
          <br />
          Schedules {agent.schedulesPaused ? 'paused' : 'on'} · {agent.serviceInstalled ? 'installed as a service' : 'not a service'}
        </span>
      )}
      <br />
      <LiveIndicator />
    </div>
  );
}

function ScreenView(props: { readonly screen: Screen; readonly params: readonly string[] }): ReactNode {
  const [p0] = props.params;
  switch (props.screen) {
    case 'dashboard':
      return <DashboardScreen />;
    case 'sources':
      return <SourcesScreen key={p0 ?? ''} name={p0} />;
    case 'destinations':
      return <DestinationsScreen key={p0 ?? ''} name={p0} />;
    case 'mapping':
      return <MappingScreen key={p0 ?? ''} destination={p0} />;
    case 'sitemap':
      return <SiteMapScreen key={p0 ?? ''} destination={p0} />;
    case 'history':
      return <HistoryScreen runId={p0 ? Number(p0) : undefined} />;
    case 'audit':
      return <AuditScreen />;
    case 'settings':
      return <SettingsScreen />;
    default: {
      const never: never = props.screen;
      return <p>Unknown screen {String(never)}</p>;
    }
  }
}
