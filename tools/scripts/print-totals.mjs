// Prints vitest's totals as the plain CI line `N passed, N failed` (skipped
// tests follow when there are any), read from its JSON reporter's output.
//
// A file whose setup fails (a `beforeAll` that throws, an import error, a
// file that never finished) leaves its tests marked skipped in the report:
// those count as failed here, at least one per such file, so a broken file
// can never read as a green line. When vitest's exit code is given and says
// the run failed outside any test (an unhandled error), that is a failure too.
import { readFileSync } from 'node:fs';

const [file, exitCodeArgument] = process.argv.slice(2);
if (!file) {
  console.error('usage: print-totals.mjs <vitest-json-report> [vitest-exit-code]');
  process.exit(2);
}
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  // No report means vitest died before writing one: nothing can read as green.
  console.error(`no readable vitest report at ${file}: ${error.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const testFile of report.testResults) {
  const statuses = testFile.assertionResults.map((test) => test.status);
  const passedHere = statuses.filter((status) => status === 'passed').length;
  passed += passedHere;
  if (testFile.status === 'failed') {
    failed += Math.max(1, statuses.length - passedHere);
  } else {
    skipped += statuses.filter((status) => status !== 'passed').length;
  }
}
const vitestFailed = exitCodeArgument !== undefined && exitCodeArgument !== '0';
if (failed === 0 && (vitestFailed || report.success === false)) failed = 1;

const line = `${passed} passed, ${failed} failed`;
console.log(skipped > 0 ? `${line}, ${skipped} skipped` : line);
if (report.testResults.length === 0 || passed + failed === 0) {
  console.error('no test ran');
  process.exit(1);
}
process.exit(failed > 0 ? 1 : 0);
