/** "Back" for a nav bar: the previous page when there is one in this app, else `fallback`. */
import { useRouter, type RouteLocationRaw } from 'vue-router';

export function useBack(fallback: RouteLocationRaw): () => void {
  const router = useRouter();
  return () => {
    if (window.history.state?.back) router.back();
    else void router.replace(fallback);
  };
}
