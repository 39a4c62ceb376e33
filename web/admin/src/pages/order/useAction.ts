/**
 * One action on an order from a dialog: runs the request, shows success, and keeps the
 * server's refusal for the form (field errors next to their fields, the rest on top).
 */
import { ref, shallowRef } from 'vue';
import { useI18n } from 'vue-i18n';
import { ElMessage } from 'element-plus';
import { describeError, describeFieldErrors, type AdminOrder } from '@daojia/shared';

export function useAction() {
  const { t, te } = useI18n();
  const busy = ref(false);
  const formError = ref('');
  const fieldErrors = ref<Record<string, string>>({});
  /** The last failure, for callers that decide by its status (idempotency keys). */
  const error = shallowRef<unknown>(null);

  function reset(): void {
    formError.value = '';
    fieldErrors.value = {};
    error.value = null;
  }

  /** Runs `call`; resolves with the updated order, or null when it failed (and says why). */
  async function run(call: () => Promise<AdminOrder>, success: string): Promise<AdminOrder | null> {
    reset();
    busy.value = true;
    try {
      const order = await call();
      ElMessage.success(success);
      return order;
    } catch (e) {
      error.value = e;
      fieldErrors.value = describeFieldErrors(e, { t, te });
      formError.value = describeError(e, { t, te });
      return null;
    } finally {
      busy.value = false;
    }
  }

  return { busy, formError, fieldErrors, error, reset, run };
}
