// Connection URLs carry passwords; nothing this project prints may show one.

const UNPARSEABLE = '<unparseable database URL>';

/** A postgres URL inside free text: it ends at white space or a quote. */
const POSTGRES_URL = /postgres(?:ql)?:\/\/[^\s'"]+/g;

/** The URL with its password replaced by `***` (unparseable input is not echoed). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return UNPARSEABLE;
  }
}

/**
 * `text` with the password of every postgres URL in it replaced by `***`.
 * Given the `url` the program connects with, also every occurrence of that
 * URL's password (as written and percent-decoded), and the whole URL when it
 * does not parse: a last line of defence for messages that come from
 * elsewhere, e.g. a driver error quoting its input.
 */
export function redactSecrets(text: string, url?: string): string {
  let redacted = text.replace(POSTGRES_URL, (found) => redactUrl(found));
  if (!url) return redacted;
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    return redacted.replaceAll(url, UNPARSEABLE);
  }
  if (!password) return redacted;
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // a malformed %-escape: only the raw form can appear in output
  }
  for (const secret of [password, decoded]) redacted = redacted.replaceAll(secret, '***');
  return redacted;
}
