/**
 * A Vite plugin that emits `sw.js` from `sw/sw.js`, with the list of files to precache
 * (every file the build wrote, the public files the shell needs) and a version that changes
 * whenever that list does, so a release replaces the old cache.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

/** Public files (not in the bundle) that the installed app needs offline. */
const PUBLIC_FILES = [
  'manifest.webmanifest',
  'favicon.png',
  'icons/icon-192.png',
  'icons/icon-512.png',
  'icons/maskable-512.png',
  'icons/apple-touch-icon.png',
];

export function serviceWorker(): Plugin {
  let base = '/';
  return {
    name: 'daojia-service-worker',
    apply: 'build',
    configResolved(config) {
      base = config.base;
    },
    generateBundle(_options, bundle) {
      const built = Object.keys(bundle).filter((f) => !f.endsWith('.map') && f !== 'sw.js');
      const files = [...new Set(['index.html', ...built, ...PUBLIC_FILES])].sort();
      const urls = [base, ...files.map((f) => base + f)];
      const version = createHash('sha256').update(urls.join('\n')).digest('hex').slice(0, 12);
      const template = readFileSync(new URL('./sw.js', import.meta.url), 'utf8');
      const source = template
        .replace('self.__VERSION__', JSON.stringify(version))
        .replace('self.__PRECACHE__', JSON.stringify(urls, null, 2));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}
