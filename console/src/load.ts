import { ref } from 'vue';
import { messageOf } from './api';

/** A page's data with its loading and error states: `run()` (re)loads, errors keep the contract's message. */
export function useLoad<T>(fetcher: () => Promise<T>) {
  const data = ref<T>();
  const loading = ref(false);
  const error = ref<string | null>(null);
  async function run() {
    loading.value = true;
    error.value = null;
    try {
      data.value = await fetcher();
    } catch (e) {
      error.value = messageOf(e);
    } finally {
      loading.value = false;
    }
  }
  return { data, loading, error, run };
}
