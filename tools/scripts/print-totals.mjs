// Prints vitest's totals as the plain CI line `N passed, N failed` (skipped
// tests follow when there are any), read from its JSON reporter's output.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const report = JSON.parse(readFileSync(file, 'utf8'));
const failed = report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0);
const skipped = report.numPendingTests + report.numTodoTests;
const line = `${report.numPassedTests} passed, ${failed} failed`;
console.log(skipped > 0 ? `${line}, ${skipped} skipped` : line);
if (report.numTotalTests === 0) {
  console.error('no test ran');
  process.exit(1);
}
