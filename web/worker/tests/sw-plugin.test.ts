import { describe, expect, it } from 'vitest';
import type { ResolvedConfig } from 'vite';
import { serviceWorker } from '../sw/plugin';

/** Runs the plugin over a fake bundle and returns the sw.js it emits. */
function build(files: string[], base = '/worker/'): string {
  const plugin = serviceWorker();
  let source = '';
  const ctx = {
    emitFile: (f: { fileName: string; source: string }) => {
      expect(f.fileName).toBe('sw.js');
      source = f.source;
      return 'ref';
    },
  };
  (plugin.configResolved as (c: ResolvedConfig) => void)({ base } as ResolvedConfig);
  const bundle = Object.fromEntries(files.map((f) => [f, {}]));
  (plugin.generateBundle as unknown as (this: typeof ctx, o: unknown, b: unknown) => void).call(ctx, {}, bundle);
  return source;
}

const precache = (sw: string): string[] => JSON.parse(/const PRECACHE = (\[[\s\S]*?\]);/.exec(sw)![1]) as string[];
const version = (sw: string): string => /const VERSION = "([0-9a-f]+)";/.exec(sw)![1];

describe('the service worker build step', () => {
  it('precaches the app shell under the app’s base: page, built assets, manifest and icons', () => {
    const sw = build(['assets/index-abc.js', 'assets/index-def.css', 'assets/index-abc.js.map']);
    const urls = precache(sw);
    expect(urls[0]).toBe('/worker/');
    expect(urls).toContain('/worker/index.html');
    expect(urls).toContain('/worker/assets/index-abc.js');
    expect(urls).toContain('/worker/manifest.webmanifest');
    expect(urls).toContain('/worker/icons/icon-512.png');
    expect(urls.some((u) => u.endsWith('.map'))).toBe(false);
    expect(sw).not.toContain('self.__');
  });

  it('changes the cache version when the files change, and only then', () => {
    const a = version(build(['assets/index-abc.js']));
    expect(version(build(['assets/index-abc.js']))).toBe(a);
    expect(version(build(['assets/index-xyz.js']))).not.toBe(a);
  });
});
