// Live updates by polling: every 2 s while live and the tab is visible, at
// once when the tab becomes visible again, never two requests at a time.
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from './api.ts';

export const POLL_INTERVAL_MS = 2_000;

export interface LiveState {
  readonly live: boolean;
  readonly setLive: (live: boolean) => void;
}

export const LiveContext = createContext<LiveState>({ live: true, setLive: () => undefined });

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

export function usePoll<T>(path: string | null): Polled<T> {
  const { live } = useContext(LiveContext);
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const inFlight = useRef(false);
  const current = useRef(path);
  current.current = path;

  const load = useCallback(async () => {
    if (path === null || inFlight.current) return;
    inFlight.current = true;
    try {
      const value = await getJson<T>(path);
      if (current.current === path) {
        setData(value);
        setError(undefined);
      }
    } catch (caught) {
      if (current.current === path)
        setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      inFlight.current = false;
      if (current.current === path) setLoading(false);
    }
  }, [path]);

  useEffect(() => {
    setData(undefined);
    setLoading(true);
    void load();
  }, [load]);

  useEffect(() => {
    if (!live) return undefined;
    const timer = setInterval(() => {
      if (!document.hidden) void load();
    }, POLL_INTERVAL_MS);
    const onVisible = () => {
      if (!document.hidden) void load();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [live, load]);

  return { data, error, loading, reload: () => void load() };
}
