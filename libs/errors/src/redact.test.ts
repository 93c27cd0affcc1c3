import { describe, expect, it } from 'vitest';
import { redactSecrets, redactUrl } from './redact.ts';

describe('password redaction', () => {
  const url = 'postgres://app:s3cr%40t-pw@db.example:5432/commandbus';

  it('redactUrl replaces the password of a URL and never echoes one it cannot parse', () => {
    expect(redactUrl(url)).toBe('postgres://app:***@db.example:5432/commandbus');
    expect(redactUrl('postgres://app@db/x')).toBe('postgres://app@db/x');
    expect(redactUrl('not a url s3cr@t')).toBe('<unparseable database URL>');
  });

  it('every postgres URL inside free text loses its password, the rest of the text stays', () => {
    const text =
      `cannot connect to ${url}, nor to "postgresql://other:hunter2@replica/x" ` +
      `or postgres://nobody@host/db`;
    expect(redactSecrets(text)).toBe(
      'cannot connect to postgres://app:***@db.example:5432/commandbus, nor to ' +
        '"postgresql://other:***@replica/x" or postgres://nobody@host/db',
    );
  });

  it('given the URL, its password goes wherever it appears, raw or percent-decoded', () => {
    const text = `password authentication failed (password s3cr@t-pw, raw s3cr%40t-pw)`;
    const redacted = redactSecrets(text, url);
    expect(redacted).toBe('password authentication failed (password ***, raw ***)');
    expect(redactSecrets('nothing secret', undefined)).toBe('nothing secret');
  });

  it('given a URL that does not parse, the URL itself is removed from the text', () => {
    const given = 'definitely not a url s3cret';
    expect(redactSecrets(`bad DATABASE_URL: ${given}`, given)).toBe(
      'bad DATABASE_URL: <unparseable database URL>',
    );
  });
});
