import { describe, expect, it } from 'vitest';
import { flywayChecksum } from './checksum.ts';

/**
 * A from-scratch bitwise CRC-32 (reflected IEEE polynomial 0xEDB88320), the
 * algorithm java.util.zip.CRC32 implements; written here so the expectations
 * do not come from the code under test or from zlib.
 */
function referenceCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) | 0; // Flyway stores `(int) crc32.getValue()`
}

/** What Flyway hashes: the file's lines, terminators removed, BOM dropped, as UTF-8. */
function referenceFlyway(lines: readonly string[]): number {
  return referenceCrc32(new TextEncoder().encode(lines.join('')));
}

const lines = ['CREATE TABLE t (', '  id INT -- ünïcödé ✓ 🚀', ');', '', 'SELECT 1;'];

describe('flywayChecksum', () => {
  it('the reference CRC-32 gives the published check value of "123456789"', () => {
    // CRC-32/ISO-HDLC check value 0xCBF43926, stored by Flyway as a signed int.
    expect(referenceCrc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926 - 2 ** 32);
    expect(flywayChecksum('123456789')).toBe(-873187034);
  });

  it('matches the reference over the UTF-8 bytes of the lines', () => {
    expect(flywayChecksum(lines.join('\n'))).toBe(referenceFlyway(lines));
  });

  it('gives LF, CRLF, CR-only and BOM files the same checksum', () => {
    const lf = lines.join('\n') + '\n';
    const crlf = lines.join('\r\n') + '\r\n';
    const cr = lines.join('\r') + '\r';
    const bom = '\uFEFF' + lf;
    const expected = referenceFlyway(lines);
    expect([lf, crlf, cr, bom].map((text) => flywayChecksum(text))).toEqual([
      expected,
      expected,
      expected,
      expected,
    ]);
  });

  it('reads bytes as UTF-8 and drops a byte-order mark given as bytes', () => {
    const body = new TextEncoder().encode(lines.join('\r\n'));
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...body]);
    expect(flywayChecksum(Buffer.from(body))).toBe(referenceFlyway(lines));
    expect(flywayChecksum(withBom)).toBe(referenceFlyway(lines));
  });

  it('changes with any edit other than line endings', () => {
    const original = flywayChecksum(lines.join('\n'));
    expect(flywayChecksum(lines.join('\n').replace('INT', 'BIGINT'))).not.toBe(original);
    expect(flywayChecksum(lines.join('\n').replace('id', 'id '))).not.toBe(original);
    expect(flywayChecksum(lines.join('\n') + '\n-- a comment')).not.toBe(original);
  });

  it('keeps Flyway quirks: blank lines and a final newline add nothing, a BOM inside the text counts', () => {
    expect(flywayChecksum('a\n\n\nb\n')).toBe(flywayChecksum('a\nb'));
    expect(flywayChecksum('a\n\uFEFFb')).toBe(referenceCrc32(new TextEncoder().encode('a\uFEFFb')));
  });

  it('is 0 for an empty file and always a signed 32-bit integer', () => {
    expect(flywayChecksum('')).toBe(0);
    for (const text of ['x', 'SELECT 1;', lines.join('\n'), '123456789']) {
      const checksum = flywayChecksum(text);
      expect(Number.isInteger(checksum) && checksum >= -(2 ** 31) && checksum < 2 ** 31).toBe(true);
    }
  });
});
