// Connection URLs carry passwords; nothing this project prints may show one.

/** The URL with its password replaced by `***` (unparseable input is not echoed). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable database URL>';
  }
}

/**
 * `text` with every occurrence of the URL's password (as written and
 * percent-decoded) replaced by `***`: a last line of defence for messages
 * that come from elsewhere, e.g. a driver error quoting its input.
 */
export function redactSecrets(text: string, url: string | undefined): string {
  if (!url) return text;
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    return text.replaceAll(url, '<unparseable database URL>');
  }
  if (!password) return text;
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // a malformed %-escape: only the raw form can appear in output
  }
  return [password, decoded].reduce((result, secret) => result.replaceAll(secret, '***'), text);
}
