import { describe, expect, it } from 'vitest';
import { redactSecrets, redactUrl } from './redact.ts';

describe('password redaction', () => {
  const url = 'postgres://app:s3cr%40t-pw@db.example:5432/commandbus';

  it('replaces the password of a URL', () => {
    expect(redactUrl(url)).toBe('postgres://app:***@db.example:5432/commandbus');
    expect(redactUrl('postgres://app@db/x')).toBe('postgres://app@db/x');
    expect(redactUrl('not a url s3cr@t')).toBe('<unparseable database URL>');
  });

  it('removes the password from any text, raw or percent-decoded', () => {
    const text = `failed for ${url} (password s3cr@t-pw)`;
    const redacted = redactSecrets(text, url);
    expect(redacted).not.toContain('s3cr');
    expect(redacted).toContain('***');
    expect(redactSecrets('nothing secret', undefined)).toBe('nothing secret');
  });
});
