import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKER_COMPONENTS } from '../src/vant';
import { SHARED_VANT } from '../../shared/src/mobile/components';

const SRCS = [join(import.meta.dirname, '..', 'src'), join(import.meta.dirname, '..', '..', 'shared', 'src', 'mobile')];

function vueFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? vueFiles(join(dir, e.name)) : e.name.endsWith('.vue') ? [join(dir, e.name)] : [],
  );
}

describe('the worker app’s Vant registration', () => {
  it('registers every <van-…> component its templates and the shared widgets use', () => {
    const used = new Set<string>();
    for (const f of SRCS.flatMap(vueFiles)) {
      for (const m of readFileSync(f, 'utf8').matchAll(/<(van-[a-z-]+)/g)) used.add(m[1]);
    }
    const registered = new Set([...SHARED_VANT, ...WORKER_COMPONENTS].map((c) => (c as { name?: string }).name));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((n) => !registered.has(n)).sort()).toEqual([]);
  });
});
