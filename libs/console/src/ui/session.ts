// The signed-in user's session, read once at start.
import { createContext } from 'preact';
import type { Session } from './types.ts';

export const SessionContext = createContext<Session>({
  user: '',
  role: 'viewer',
  csrfToken: '',
  domains: [],
  commandStatuses: [],
  batchStatuses: [],
  settledStatuses: [],
  countCap: 0,
  bulkCap: 0,
});

export const canAct = (session: Session) => session.role === 'operator';
