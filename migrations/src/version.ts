// Migration versions as Flyway reads them: digits separated by "." or "_",
// compared numerically part by part, missing parts counting as zero.

export interface MigrationVersion {
  /**
   * The version as Flyway displays and stores it: as written in the file name,
   * with "_" shown as "." (`001` stays `001`, `1_1` becomes `1.1`).
   */
  readonly text: string;
  /** Numeric parts; bigint as Flyway's BigInteger, so timestamp versions (20261125023000) compare exactly. */
  readonly parts: readonly bigint[];
}

const VERSION = /^\d+(?:[._]\d+)*$/;

/** `undefined` when `raw` is not a version (the caller says where it came from). */
export function parseVersion(raw: string): MigrationVersion | undefined {
  if (!VERSION.test(raw)) return undefined;
  const text = raw.replaceAll('_', '.');
  return { text, parts: text.split('.').map((part) => BigInt(part)) };
}

/**
 * Negative, zero or positive like any comparator. `001` = `1`, `1.10` > `1.9`,
 * and `1.0` = `1` (Flyway drops trailing zero parts before comparing).
 */
export function compareVersions(a: MigrationVersion, b: MigrationVersion): number {
  const length = Math.max(a.parts.length, b.parts.length);
  for (let index = 0; index < length; index += 1) {
    const left = a.parts[index] ?? 0n;
    const right = b.parts[index] ?? 0n;
    if (left !== right) return left < right ? -1 : 1;
  }
  return 0;
}
