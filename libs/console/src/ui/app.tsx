// The console's frame: navigation, the live switch, the signed-in user, and
// one route per page.
import { useEffect, useState } from 'preact/hooks';
import { Link, Route, Router, Switch, useRoute } from 'wouter-preact';
import { getJson } from './api.ts';
import { ErrorNote } from './components.tsx';
import { LiveContext } from './live.ts';
import { BatchDetailPage, BatchesPage } from './pages/batches.tsx';
import { CommandDetailPage } from './pages/command-detail.tsx';
import { CommandsPage } from './pages/commands.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { QueuesPage } from './pages/queues.tsx';
import { TroubleshootingPage } from './pages/troubleshooting.tsx';
import { SessionContext } from './session.ts';
import type { Session } from './types.ts';

const LIVE_KEY = 'commandbus-console-live';

/** The mount path, from the <base> the server wrote. */
export const basePath = new URL(document.baseURI).pathname.replace(/\/+$/, '');

function NavLink({ href, label }: { href: string; label: string }) {
  const [active] = useRoute(href === '/' ? '/' : `${href}/*?`);
  return (
    <Link href={href} aria-current={active ? 'page' : undefined}>
      {label}
    </Link>
  );
}

export function App() {
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [live, setLiveState] = useState(() => localStorage.getItem(LIVE_KEY) !== 'paused');
  const setLive = (value: boolean) => {
    localStorage.setItem(LIVE_KEY, value ? 'live' : 'paused');
    setLiveState(value);
  };

  useEffect(() => {
    getJson<Session>('session').then(setSession, (caught: unknown) =>
      setError(caught instanceof Error ? caught.message : String(caught)),
    );
  }, []);

  return (
    <Router base={basePath}>
      <LiveContext.Provider value={{ live, setLive }}>
        <header class="top">
          <span class="brand">commandbus console</span>
          <nav aria-label="Pages">
            <NavLink href="/" label="Overview" />
            <NavLink href="/commands" label="Commands" />
            <NavLink href="/troubleshooting" label="Troubleshooting" />
            <NavLink href="/batches" label="Batches" />
            <NavLink href="/queues" label="Queues" />
          </nav>
          <div class="session">
            <button type="button" aria-pressed={!live} onClick={() => setLive(!live)}>
              {live ? 'Pause updates' : 'Resume updates'}
            </button>
            {session ? (
              <span class="user" data-role={session.role}>
                {session.user} ({session.role})
              </span>
            ) : null}
          </div>
        </header>
        <main>
          <ErrorNote error={error} />
          {session ? (
            <SessionContext.Provider value={session}>
              <Switch>
                <Route path="/" component={OverviewPage} />
                <Route path="/commands" component={CommandsPage} />
                <Route path="/commands/:domain/:commandId" component={CommandDetailPage} />
                <Route path="/troubleshooting" component={TroubleshootingPage} />
                <Route path="/batches" component={BatchesPage} />
                <Route path="/batches/:domain/:batchId" component={BatchDetailPage} />
                <Route path="/queues" component={QueuesPage} />
                <Route>
                  <h1>Not found</h1>
                  <p>
                    <Link href="/">Back to the overview</Link>
                  </p>
                </Route>
              </Switch>
            </SessionContext.Provider>
          ) : null}
        </main>
      </LiveContext.Provider>
    </Router>
  );
}
