/** A seconds countdown (the "resend code" button). */
import { onBeforeUnmount, ref, type Ref } from 'vue';

export function useCountdown(): { left: Ref<number>; start: (seconds: number) => void } {
  const left = ref(0);
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = (): void => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  const start = (seconds: number): void => {
    stop();
    left.value = Math.max(0, Math.floor(seconds));
    if (left.value === 0) return;
    timer = setInterval(() => {
      left.value -= 1;
      if (left.value <= 0) stop();
    }, 1000);
  };
  onBeforeUnmount(stop);
  return { left, start };
}
