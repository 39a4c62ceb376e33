/**
 * Images behind the API's bearer token (order photos): an `<img src>` cannot send the
 * token, so each is fetched with the session's fetch and shown from an object URL, revoked
 * when it is no longer listed or the component goes away.
 */
import { getCurrentInstance, onBeforeUnmount, shallowRef, watch, type ShallowRef } from 'vue';

export type Fetcher = (request: Request) => Promise<Response>;

export interface AuthedUrls {
  /** API URL → object URL, for the images loaded so far. */
  urls: ShallowRef<Record<string, string>>;
  /** API URLs that could not be loaded. */
  failed: ShallowRef<Set<string>>;
  /** Revokes every object URL. */
  dispose: () => void;
}

export function useAuthedUrls(fetcher: Fetcher, sources: () => string[]): AuthedUrls {
  const urls = shallowRef<Record<string, string>>({});
  const failed = shallowRef<Set<string>>(new Set());
  const pending = new Set<string>();
  let disposed = false;

  async function load(src: string): Promise<void> {
    pending.add(src);
    try {
      const res = await fetcher(new Request(src));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const blob = await res.blob();
      if (disposed || !sources().includes(src)) return;
      urls.value = { ...urls.value, [src]: URL.createObjectURL(blob) };
    } catch {
      if (!disposed) failed.value = new Set([...failed.value, src]);
    } finally {
      pending.delete(src);
    }
  }

  watch(
    sources,
    (list) => {
      const keep: Record<string, string> = {};
      for (const [src, obj] of Object.entries(urls.value)) {
        if (list.includes(src)) keep[src] = obj;
        else URL.revokeObjectURL(obj);
      }
      urls.value = keep;
      for (const src of list) if (!keep[src] && !pending.has(src) && !failed.value.has(src)) void load(src);
    },
    { immediate: true },
  );

  const dispose = (): void => {
    disposed = true;
    for (const obj of Object.values(urls.value)) URL.revokeObjectURL(obj);
    urls.value = {};
  };
  if (getCurrentInstance()) onBeforeUnmount(dispose);
  return { urls, failed, dispose };
}
