// The rules every state-changing request passes: same origin (Origin or
// Sec-Fetch-Site), a JSON body, and a CSRF token bound to the user. The
// token is an HMAC of the user's name under a per-console secret, so it needs
// no server-side session and is worthless for another user.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const CSRF_HEADER = 'x-csrf-token';

export function csrfToken(secret: Uint8Array, user: string): string {
  return createHmac('sha256', secret).update(`csrf:${user}`, 'utf8').digest('base64url');
}

export function csrfTokenMatches(
  secret: Uint8Array,
  user: string,
  offered: string | null,
): boolean {
  if (offered === null) return false;
  const expected = Buffer.from(csrfToken(secret, user));
  const given = Buffer.from(offered);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Why a request does not come from this console's own pages, or null when it
 * does. A browser sends Origin on every POST and Sec-Fetch-Site on every
 * request; a request with neither is refused too.
 */
export function crossOriginReason(request: Request): string | null {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin') return `Sec-Fetch-Site is ${site}`;
  const origin = request.headers.get('origin');
  const own = new URL(request.url).origin;
  if (origin !== null && origin !== own) return `Origin ${origin} is not ${own}`;
  if (origin === null && site === null) return 'neither Origin nor Sec-Fetch-Site was sent';
  return null;
}

export function isJsonRequest(request: Request): boolean {
  const type = request.headers.get('content-type') ?? '';
  return /^application\/json(\s*;.*)?$/i.test(type.trim());
}

/** No inline script or style, no other origin, no framing. */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};
