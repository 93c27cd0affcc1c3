// Flyway's checksum of a migration file, computed the way Flyway computes it,
// so a database migrated by real Flyway validates here and vice versa.
import { crc32 } from 'node:zlib';

const BOM = '\uFEFF';
// Keep a BOM in the decoded text: Flyway drops it itself (below), and doing the
// same for strings and bytes keeps the two inputs on one path.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Flyway (ChecksumCalculator) reads the file with java.io.BufferedReader and
 * feeds each line, without its terminator (`\n`, `\r\n` or `\r`), as UTF-8 to
 * one running java.util.zip.CRC32, after dropping a leading BOM; the unsigned
 * result is cast to a Java int. So line endings never change the checksum,
 * and neither do blank lines (they add no bytes); every other edit does.
 */
export function flywayChecksum(content: string | Uint8Array): number {
  const text = typeof content === 'string' ? content : utf8.decode(content);
  let crc = 0;
  for (const line of stripBom(text).split(/\r\n|\r|\n/)) crc = crc32(line, crc);
  return crc | 0;
}

/** The text PostgreSQL must see: a BOM would be a syntax error. */
export function stripBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(BOM.length) : text;
}
