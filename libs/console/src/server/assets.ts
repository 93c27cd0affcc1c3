// The UI's static files: index.html (with a <base> for the mount path) and
// the bundle esbuild made into dist/assets/. Inside the workspace, where the
// console runs from its TypeScript sources, the bundle is built on first use
// when it is missing or older than a UI source; a shipped package carries it
// from its build and never builds.
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ASSET_DIR = fileURLToPath(new URL('../../dist/assets/', import.meta.url));
const UI_DIR = fileURLToPath(new URL('../ui/', import.meta.url));
const RUNNING_FROM_SOURCES = import.meta.url.endsWith('.ts');

export const ASSET_TYPES: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

let ready: Promise<Map<string, Buffer>> | undefined;

/** The assets by file name, built first when needed (once per process). */
export function loadAssets(): Promise<Map<string, Buffer>> {
  ready ??= (async () => {
    if (RUNNING_FROM_SOURCES && (await isStale())) {
      const { buildConsoleAssets } = await import('../build-assets.ts');
      await buildConsoleAssets();
    }
    const files = new Map<string, Buffer>();
    for (const name of Object.keys(ASSET_TYPES)) {
      files.set(name, await readFile(path.join(ASSET_DIR, name)));
    }
    return files;
  })();
  ready.catch(() => {
    // A failed build is reported to the request that awaited it; the next
    // request tries again instead of failing forever.
    ready = undefined;
  });
  return ready;
}

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const time = entry.isDirectory() ? await newestSource(full) : (await stat(full)).mtimeMs;
    newest = Math.max(newest, time);
  }
  return newest;
}

async function isStale(): Promise<boolean> {
  const built = await Promise.all(
    Object.keys(ASSET_TYPES).map((name) =>
      stat(path.join(ASSET_DIR, name)).then(
        (s) => s.mtimeMs,
        () => 0,
      ),
    ),
  );
  return Math.min(...built) < (await newestSource(UI_DIR));
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The one HTML page: every UI route answers with it; the router reads the path. */
export function indexHtml(basePath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<base href="${escapeHtml(basePath)}/">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>commandbus console</title>
<link rel="icon" href="assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="assets/app.css">
<script type="module" src="assets/app.js"></script>
</head>
<body><div id="app"></div></body>
</html>
`;
}
