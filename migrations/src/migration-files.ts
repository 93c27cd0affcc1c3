// Reads Flyway locations: every file must be a versioned migration
// `V<version>__<description>.sql`; anything else is an error, so a typo in a
// file name can never make a migration silently not run.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { flywayChecksum, stripBom } from './checksum.ts';
import { InvalidFileNameError, MigrationError } from './errors.ts';
import { compareVersions, parseVersion, type MigrationVersion } from './version.ts';

export interface MigrationFile {
  readonly version: MigrationVersion;
  /** The part after `__`, underscores shown as spaces (`commandbus schema`). */
  readonly description: string;
  /** Path relative to its location with `/` separators: what Flyway stores in `script`. */
  readonly script: string;
  /** Absolute path on disk. */
  readonly path: string;
  readonly checksum: number;
  /** The file's text without a BOM: what is sent to PostgreSQL. */
  readonly sql: string;
}

const FILE_NAME = /^V(\d+(?:[._]\d+)*)__(.+)\.sql$/;

/** Version and description of a file name, or `undefined` if it is not a migration's. */
export function parseMigrationFileName(
  fileName: string,
): { version: MigrationVersion; description: string } | undefined {
  const match = FILE_NAME.exec(fileName);
  if (!match) return undefined;
  const version = parseVersion(match[1] ?? '');
  const description = (match[2] ?? '').replaceAll('_', ' ');
  if (!version || description.trim() === '') return undefined;
  return { version, description };
}

/**
 * All migrations of the given locations, in ascending version order. Like
 * Flyway, a location is searched recursively, and `filesystem:` in front of a
 * location is accepted.
 */
export async function readMigrationFiles(locations: readonly string[]): Promise<MigrationFile[]> {
  const files: MigrationFile[] = [];
  for (const location of locations) files.push(...(await readLocation(location)));
  files.sort((a, b) => compareVersions(a.version, b.version));
  for (let index = 1; index < files.length; index += 1) {
    const previous = files[index - 1];
    const current = files[index];
    if (previous && current && compareVersions(previous.version, current.version) === 0) {
      throw new MigrationError(
        'DUPLICATE_VERSION',
        `${previous.path} and ${current.path} have the same version ` +
          `(${previous.version.text} = ${current.version.text}); each version must be unique`,
      );
    }
  }
  return files;
}

async function readLocation(location: string): Promise<MigrationFile[]> {
  const dir = path.resolve(location.replace(/^filesystem:/, ''));
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new MigrationError('LOCATION_NOT_FOUND', `migration location ${dir} is not a directory`);
  }
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: MigrationFile[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) continue;
    const absolute = path.join(entry.parentPath, entry.name);
    const script = path.relative(dir, absolute).split(path.sep).join('/');
    const parsed = parseMigrationFileName(entry.name);
    if (!parsed) throw new InvalidFileNameError(script, dir);
    const text = await readFile(absolute, 'utf8');
    files.push({
      ...parsed,
      script,
      path: absolute,
      checksum: flywayChecksum(text),
      sql: stripBom(text),
    });
  }
  return files;
}
