// HTTP basic authentication from a CONSOLE_USERS list ("name:password:role,…").
// Passwords are compared as SHA-256 digests with timingSafeEqual, so neither
// their length nor their first differing byte shows in the response time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidInputError } from '@commandbus/commandbus';
import {
  CONSOLE_ROLES,
  type Authorize,
  type ConsoleIdentity,
  type ConsoleRole,
} from './identity.ts';

export interface ConsoleUser {
  readonly name: string;
  readonly password: string;
  readonly role: ConsoleRole;
}

/** The WWW-Authenticate challenge a basic-auth console answers 401 with. */
export const BASIC_CHALLENGE = 'Basic realm="commandbus console", charset="UTF-8"';

/**
 * Parses "name:password:role,…". The password may contain ':' (the role is
 * after the last one, the name before the first). Errors name the entry by
 * position and user, never by password.
 */
export function parseConsoleUsers(value: string): ConsoleUser[] {
  const users = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, index) => {
      const first = entry.indexOf(':');
      const last = entry.lastIndexOf(':');
      const name = first > 0 ? entry.slice(0, first) : '';
      const password = first > 0 && last > first ? entry.slice(first + 1, last) : '';
      const role = entry.slice(last + 1);
      if (name === '' || password === '' || !(CONSOLE_ROLES as readonly string[]).includes(role)) {
        throw new InvalidInputError(
          'INVALID_CONSOLE_USERS',
          `CONSOLE_USERS entry ${index + 1}${name ? ` (${name})` : ''} must be name:password:role with role ${CONSOLE_ROLES.join(' or ')}`,
          { field: 'CONSOLE_USERS' },
        );
      }
      return { name, password, role: role as ConsoleRole };
    });
  const names = new Set<string>();
  for (const user of users) {
    if (names.has(user.name)) {
      throw new InvalidInputError(
        'INVALID_CONSOLE_USERS',
        `CONSOLE_USERS names ${user.name} twice`,
        {
          field: 'CONSOLE_USERS',
        },
      );
    }
    names.add(user.name);
  }
  return users;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** An Authorize that checks the Authorization header against these users. */
export function basicAuthorizer(users: readonly ConsoleUser[]): Authorize {
  const known = users.map((user) => ({ ...user, digest: digest(user.password) }));
  return (request: Request): ConsoleIdentity | null => {
    const header = request.headers.get('authorization') ?? '';
    const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
    if (!match?.[1]) return null;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return null;
    const name = decoded.slice(0, colon);
    const offered = digest(decoded.slice(colon + 1));
    let found: ConsoleIdentity | null = null;
    // Every user is compared, so the time taken does not tell which names exist.
    for (const user of known) {
      const same = timingSafeEqual(offered, user.digest);
      if (same && user.name === name) found = { user: user.name, role: user.role };
    }
    return found;
  };
}
