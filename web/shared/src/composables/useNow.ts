/** The clock, ticking every `everyMs` (1 s by default) while the component lives: for countdowns. */
import { onBeforeUnmount, ref, type Ref } from 'vue';

export function useNow(everyMs = 1000): Ref<number> {
  const now = ref(Date.now());
  const timer = setInterval(() => (now.value = Date.now()), everyMs);
  onBeforeUnmount(() => clearInterval(timer));
  return now;
}
