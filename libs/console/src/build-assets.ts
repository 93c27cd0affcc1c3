// Bundles the UI (src/ui) into dist/assets/ with esbuild: one ES module, one
// stylesheet, a favicon. Files are written under a temporary name and renamed,
// so a console reading them never sees half a file, even while another
// process builds at the same time.
import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = path.join(ROOT, 'dist', 'assets');

export async function buildConsoleAssets(): Promise<void> {
  const result = await build({
    entryPoints: { app: path.join(ROOT, 'src/ui/main.tsx') },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    write: false,
    outdir: OUT,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    loader: { '.css': 'css' },
    legalComments: 'none',
    logLevel: 'silent',
  });
  await mkdir(OUT, { recursive: true });
  const suffix = `.${process.pid}.${Date.now()}.tmp`;
  for (const file of result.outputFiles) {
    await writeFile(file.path + suffix, file.contents);
    await rename(file.path + suffix, file.path);
  }
  const icon = path.join(OUT, 'favicon.svg');
  await copyFile(path.join(ROOT, 'src/ui/favicon.svg'), icon + suffix);
  await rename(icon + suffix, icon);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await buildConsoleAssets();
}
