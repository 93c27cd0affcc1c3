import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { defaultServerConditions } from 'vite';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * Inside the workspace, `@commandbus/*` packages resolve to their TypeScript
 * sources through this export condition; installed elsewhere they resolve to
 * their compiled `dist/`. npm scripts pass it to Node (.npmrc `node-options`);
 * it is set here too so that tests run without npm, and the CLIs they spawn,
 * see the same sources.
 */
const SOURCE_CONDITION = '@commandbus/source';
const conditionFlag = `--conditions=${SOURCE_CONDITION}`;
if (!process.env.NODE_OPTIONS?.includes(conditionFlag)) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} ${conditionFlag}`.trim();
}

/** Every Nx project of the workspace is a vitest project named after its folder. */
function projectRoots(): string[] {
  const inFolder = (folder: string) =>
    readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(folder, entry.name));
  return [...inFolder('libs'), ...inFolder('apps'), 'migrations', 'tools'].filter((root) =>
    existsSync(path.join(root, 'project.json')),
  );
}

const sourceConditions = [SOURCE_CONDITION, ...defaultServerConditions];
const resolveSources = {
  ssr: { resolve: { conditions: sourceConditions } },
  // The environment vitest loads the global setup in.
  environments: { __vitest__: { resolve: { conditions: sourceConditions } } },
};

function workspaceProject(root: string): TestProjectInlineConfiguration {
  return {
    ...resolveSources,
    test: {
      name: path.basename(root),
      root,
      include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
      // Real databases and child processes: generous limits, never timed asserts.
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  };
}

// One PostgreSQL per test run (started by the global setup, unless
// TEST_DATABASE_URL names one); every test file gets its own database from it.
export default defineConfig({
  // The global setup is loaded by the root, not by a project.
  ...resolveSources,
  test: {
    globalSetup: ['./libs/testing/src/global-setup.ts'],
    projects: projectRoots().map(workspaceProject),
    teardownTimeout: 30_000,
  },
});
