/** The name of a service area in the current language (the public list's, else ours, else the code). */
import { computed, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { areaName, localName, useAsync } from '@daojia/shared';
import { loadAreas } from '../api';

export function useAreaName(code: Ref<string | null>) {
  const { t, te, locale } = useI18n();
  const areas = useAsync(loadAreas);
  return computed(() => {
    if (!code.value) return null;
    const a = areas.data.value?.find((x) => x.code === code.value);
    return a ? localName(a, locale.value) : areaName(code.value, { t, te });
  });
}
