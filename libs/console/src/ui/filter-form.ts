// What the list pages share around their filter forms: the URL they read the
// filters from, and the values a submitted form navigates to.
import { useContext } from 'preact/hooks';
import { useLocation, useSearch } from 'wouter-preact';
import { SessionContext } from './session.ts';

/** The session, the URL's query (as text, to key the form by, and parsed), and navigate. */
export function useListLocation() {
  const session = useContext(SessionContext);
  const searchString = useSearch();
  const [, navigate] = useLocation();
  return { session, searchString, search: new URLSearchParams(searchString), navigate };
}

/** The submitted form's `keys`, trimmed (absent ones empty); the browser's own submit is stopped. */
export function submittedValues(event: Event, keys: readonly string[]): Record<string, string> {
  event.preventDefault();
  const form = new FormData(event.currentTarget as HTMLFormElement);
  return Object.fromEntries(keys.map((key) => [key, String(form.get(key) ?? '').trim()]));
}
