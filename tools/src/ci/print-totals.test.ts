// The CI totals line, read from a real vitest JSON report of a scratch
// project: a file whose setup fails must count as failed, never as skipped.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const workspace = fileURLToPath(new URL('../../../', import.meta.url));
const vitestBin = path.join(workspace, 'node_modules/vitest/vitest.mjs');
const printTotals = path.join(workspace, 'tools/scripts/print-totals.mjs');

const PASSING = `import { expect, it } from 'vitest';
it('one', () => expect(1).toBe(1));
it('two', () => expect(2).toBe(2));
`;
const BROKEN_SETUP = `import { beforeAll, expect, it } from 'vitest';
beforeAll(() => { throw new Error('setup failed'); });
it('never runs', () => expect(1).toBe(1));
it('never runs either', () => expect(1).toBe(1));
`;
const FAILING = `import { expect, it } from 'vitest';
it('fails', () => expect(1).toBe(2));
`;
const SKIPPING = `import { it } from 'vitest';
it.skip('skipped on purpose', () => undefined);
`;

const scratchDirs: string[] = [];
afterEach(() => {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs vitest on the given test files in a scratch project, then the totals script. */
function totalsFor(files: Record<string, string>) {
  const root = mkdtempSync(path.join(tmpdir(), 'cb-totals-'));
  scratchDirs.push(root);
  writeFileSync(path.join(root, 'package.json'), '{"type":"module"}');
  writeFileSync(path.join(root, 'vitest.config.mjs'), 'export default {};');
  for (const [name, source] of Object.entries(files)) writeFileSync(path.join(root, name), source);
  const report = path.join(root, 'report.json');
  const vitest = spawnSync(
    process.execPath,
    [vitestBin, 'run', '--root', root, '--reporter=json', `--outputFile=${report}`],
    { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const totals = spawnSync(process.execPath, [printTotals, report, String(vitest.status)], {
    encoding: 'utf8',
  });
  return { vitestStatus: vitest.status, line: totals.stdout.trim(), status: totals.status };
}

describe('the CI totals line', () => {
  it('counts the tests of a file whose beforeAll fails as failed', () => {
    const result = totalsFor({ 'a.test.js': PASSING, 'b.test.js': BROKEN_SETUP });
    expect(result.vitestStatus).toBe(1);
    expect(result.line).toBe('2 passed, 2 failed');
    expect(result.status).toBe(1);
  });

  it('counts failing tests and exits non-zero', () => {
    const result = totalsFor({ 'a.test.js': PASSING, 'c.test.js': FAILING });
    expect(result.line).toBe('2 passed, 1 failed');
    expect(result.status).toBe(1);
  });

  it('reports skipped tests of passing files as skipped, and a green run exits 0', () => {
    const result = totalsFor({ 'a.test.js': PASSING, 'd.test.js': SKIPPING });
    expect(result.line).toBe('2 passed, 0 failed, 1 skipped');
    expect(result.status).toBe(0);
  });

  it('counts a failed run with no failed test (an error outside tests) as one failure', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'cb-totals-'));
    scratchDirs.push(root);
    const report = path.join(root, 'report.json');
    writeFileSync(
      report,
      JSON.stringify({
        success: true,
        testResults: [
          { status: 'passed', assertionResults: [{ status: 'passed' }, { status: 'passed' }] },
        ],
      }),
    );
    const totals = spawnSync(process.execPath, [printTotals, report, '1'], { encoding: 'utf8' });
    expect(totals.stdout.trim()).toBe('2 passed, 1 failed');
    expect(totals.status).toBe(1);
  });

  it('prints a failure when vitest wrote no report at all', () => {
    const totals = spawnSync(process.execPath, [printTotals, '/nonexistent/report.json', '1'], {
      encoding: 'utf8',
    });
    expect(totals.stdout.trim()).toBe('0 passed, 1 failed');
    expect(totals.status).toBe(1);
  });
});
