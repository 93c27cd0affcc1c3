import { describe, expect, it } from 'vitest';
import { compareVersions, parseVersion, type MigrationVersion } from './version.ts';

function v(text: string): MigrationVersion {
  const version = parseVersion(text);
  if (!version) throw new Error(`test setup: ${text} is not a version`);
  return version;
}

describe('migration versions', () => {
  it('compare numerically part by part: 1.10 > 1.9, 2 > 1.99, 10 > 9', () => {
    expect(compareVersions(v('1.10'), v('1.9'))).toBeGreaterThan(0);
    expect(compareVersions(v('1.9'), v('1.10'))).toBeLessThan(0);
    expect(compareVersions(v('2'), v('1.99'))).toBeGreaterThan(0);
    expect(compareVersions(v('10'), v('9'))).toBeGreaterThan(0);
  });

  it('treat leading zeros, "_" vs "." and trailing zero parts as equal: 001 = 1, 1_1 = 1.1, 1.0 = 1', () => {
    expect(compareVersions(v('001'), v('1'))).toBe(0);
    expect(compareVersions(v('1_1'), v('1.1'))).toBe(0);
    expect(compareVersions(v('1.0'), v('1'))).toBe(0);
    expect(compareVersions(v('1.0.1'), v('1'))).toBeGreaterThan(0);
  });

  it('keep the text as written, with "_" shown as "." as Flyway stores it', () => {
    expect(v('001').text).toBe('001');
    expect(v('1_1').text).toBe('1.1');
    expect(v('2.3').text).toBe('2.3');
  });

  it('order a list like Flyway does', () => {
    const sorted = ['1.10', '1.9', '001.1', '2', '1', '1.2.1', '20261125023000']
      .map(v)
      .sort(compareVersions);
    expect(sorted.map((version) => version.text)).toEqual([
      '1',
      '001.1',
      '1.2.1',
      '1.9',
      '1.10',
      '2',
      '20261125023000',
    ]);
  });

  it('reject anything but digits separated by single "." or "_"', () => {
    for (const bad of ['', '1.', '.1', '1..2', '1__2', 'a1', '1-2', '1.2b', ' 1']) {
      expect(parseVersion(bad), bad).toBeUndefined();
    }
  });

  it('compare huge versions exactly', () => {
    expect(compareVersions(v('9007199254740993'), v('9007199254740992'))).toBeGreaterThan(0);
  });
});
