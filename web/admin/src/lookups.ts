/**
 * Lists the order pages look things up in (service areas for the area filter, workers for
 * the worker filter, names and manual assignment), loaded once per session and shared.
 */
import { shallowRef } from 'vue';
import { unwrap, type AreaView, type Catalog, type WorkerSummary } from '@daojia/shared';
import { api } from './api';

/** The console lists every worker in one page (the API's largest); enough for one city. */
const WORKER_PAGE = 200;

function cached<T>(load: () => Promise<T>) {
  const data = shallowRef<T | null>(null);
  let pending: Promise<T> | null = null;
  const get = (): Promise<T> => {
    pending ??= load().then(
      (v) => (data.value = v),
      (e: unknown) => {
        pending = null;
        throw e;
      },
    );
    return pending;
  };
  const forget = (): void => {
    pending = null;
    data.value = null;
  };
  return { data, get, forget };
}

export const catalog = cached<Catalog>(() => unwrap(api.publicClient.GET('/api/v1/public/catalog')));

export const areas = cached<AreaView[]>(() => unwrap(api.publicClient.GET('/api/v1/public/areas')));

export const workers = cached<WorkerSummary[]>(async () => {
  const page = await unwrap(api.client.GET('/api/v1/admin/workers', { params: { query: { limit: WORKER_PAGE } } }));
  return page.items;
});

api.session.onLogout(() => workers.forget());

/** "王建华 (138****1234)" for a worker id, or the id while the list is not loaded. */
export function workerLabel(id: string | null | undefined): string {
  if (!id) return '—';
  const w = workers.data.value?.find((x) => x.id === id);
  return w ? `${w.name} (${w.phone})` : id.slice(0, 8);
}

/** The skills a worker needs for these items (the union of the items' skills). */
export function skillsFor(itemCodes: string[], cat: Catalog | null): string[] {
  const out = new Set<string>();
  for (const code of itemCodes) for (const s of cat?.items.find((i) => i.code === code)?.skills ?? []) out.add(s);
  return [...out];
}

/**
 * Workers for a manual assignment, best first: active ones with every needed skill in the
 * order's area, then with the skills elsewhere, then the rest (a dispatcher may know better).
 */
export function assignmentGroups<W extends { active: boolean; area_code?: string | null; skills: string[]; rating: number }>(
  all: W[],
  area: string | null | undefined,
  skills: string[],
): { kind: 'area' | 'skilled' | 'other'; workers: W[] }[] {
  const active = all.filter((w) => w.active);
  const skilled = (w: W): boolean => skills.every((s) => w.skills.includes(s));
  const byRating = (a: W, b: W): number => b.rating - a.rating;
  const groups = [
    { kind: 'area' as const, workers: active.filter((w) => skilled(w) && !!area && w.area_code === area) },
    { kind: 'skilled' as const, workers: active.filter((w) => skilled(w) && !(!!area && w.area_code === area)) },
    { kind: 'other' as const, workers: active.filter((w) => !skilled(w)) },
  ];
  return groups.map((g) => ({ ...g, workers: [...g.workers].sort(byRating) })).filter((g) => g.workers.length > 0);
}
