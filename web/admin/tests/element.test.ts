import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPONENTS } from '../src/element';

const SRC = join(import.meta.dirname, '..', 'src');

function vueFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? vueFiles(join(dir, e.name)) : e.name.endsWith('.vue') ? [join(dir, e.name)] : [],
  );
}

const pascal = (tag: string): string => tag.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

describe('the console’s Element Plus registration', () => {
  it('registers every <el-…> component the templates use', () => {
    const used = new Set<string>();
    for (const f of vueFiles(SRC)) {
      for (const m of readFileSync(f, 'utf8').matchAll(/<(el-[a-z-]+)/g)) used.add(pascal(m[1]));
    }
    const registered = new Set(COMPONENTS.map((c) => (c as { name?: string }).name));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((n) => !registered.has(n)).sort()).toEqual([]);
  });
});
