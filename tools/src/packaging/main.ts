// `npm run pack -- [folder]`: the installable tarballs of commandbus and the
// packages it depends on (default folder: ./packages).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { packShippedPackages } from './shipped-packages.ts';

const destination = path.resolve(process.argv[2] ?? 'packages');
await mkdir(destination, { recursive: true });
for (const tarball of await packShippedPackages(destination)) console.log(tarball);
