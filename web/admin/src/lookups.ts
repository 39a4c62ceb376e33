/**
 * Lists the order pages look things up in (service areas for the area filter, workers for
 * the worker filter, names and manual assignment), loaded once per session and shared.
 */
import { shallowRef } from 'vue';
import { unwrap, type AreaView, type WorkerSummary } from '@daojia/shared';
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
