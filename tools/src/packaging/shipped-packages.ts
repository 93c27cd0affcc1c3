// The packages a service installs to use commandbus, and how to turn them
// into tarballs: each compiled to JavaScript with `.d.ts` files, in the order
// of their dependencies, then `npm pack`ed.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const workspaceRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Package folders, each after the packages it depends on. */
export const SHIPPED_PACKAGES = [
  'libs/errors',
  'libs/pgmq',
  'libs/commandbus-schema',
  'libs/cli',
  'libs/commandbus',
  'migrations',
] as const;

/** Compiles one package into its `dist/` (its dependencies must be built already). */
export async function buildPackage(folder: string): Promise<void> {
  const tsc = path.join(workspaceRoot, 'node_modules/typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', path.join(folder, 'tsconfig.build.json')], {
    cwd: workspaceRoot,
  });
}

/** Builds every shipped package and packs it into `destination`; returns the tarballs' paths. */
export async function packShippedPackages(destination: string): Promise<string[]> {
  const tarballs: string[] = [];
  for (const folder of SHIPPED_PACKAGES) {
    await buildPackage(folder);
    const { stdout } = await run(
      'npm',
      ['pack', '--json', '--pack-destination', destination, '--ignore-scripts'],
      { cwd: path.join(workspaceRoot, folder) },
    );
    const [packed] = JSON.parse(stdout) as { filename: string }[];
    if (!packed) throw new Error(`npm pack in ${folder} reported no tarball`);
    tarballs.push(path.join(destination, packed.filename));
  }
  return tarballs;
}
