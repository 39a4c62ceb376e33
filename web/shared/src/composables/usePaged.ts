/** A cursor-paginated list: first page, "load more", and reload with new filters. */
import { computed, ref, shallowRef, type ComputedRef, type Ref, type ShallowRef } from 'vue';

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface PagedState<T> {
  items: ShallowRef<T[]>;
  loading: Ref<boolean>;
  error: ShallowRef<unknown>;
  hasMore: ComputedRef<boolean>;
  /** True once the first page has come back (so "empty" can be told from "not loaded"). */
  loaded: Ref<boolean>;
  reload: () => Promise<void>;
  loadMore: () => Promise<void>;
}

export function usePaged<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): PagedState<T> {
  const items = shallowRef<T[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = shallowRef<unknown>(null);
  const cursor = ref<string | null>(null);
  let seq = 0;

  const fetchInto = async (reset: boolean): Promise<void> => {
    const mine = ++seq;
    loading.value = true;
    error.value = null;
    try {
      const page = await fetchPage(reset ? undefined : (cursor.value ?? undefined));
      if (mine !== seq) return;
      items.value = reset ? page.items : [...items.value, ...page.items];
      cursor.value = page.next_cursor ?? null;
      loaded.value = true;
    } catch (e) {
      if (mine === seq) error.value = e;
    } finally {
      if (mine === seq) loading.value = false;
    }
  };

  return {
    items,
    loading,
    error,
    loaded,
    hasMore: computed(() => cursor.value !== null),
    reload: () => fetchInto(true),
    loadMore: () => (cursor.value === null ? Promise.resolve() : fetchInto(false)),
  };
}
