/** The console's realtime connection (see `@daojia/shared`'s `realtime.ts`). */
import { realtimeFor, useRealtime as follow, type RealtimeConnection, type RealtimeHandler, type RealtimeStatus } from '@daojia/shared';
import type { Ref } from 'vue';
import { api } from './api';

/** The console's connection (created on first use). */
export function realtime(): RealtimeConnection {
  return realtimeFor(api);
}

/**
 * Follows `topic` (e.g. `board:sh-xuhui`; null follows nothing) over the console's
 * connection for the life of the calling component.
 */
export function useRealtime(topic: Ref<string | null> | string, onMessage: RealtimeHandler): { status: Ref<RealtimeStatus> } {
  return follow(topic, onMessage, realtime());
}
