import { createApp } from 'vue';
import { installVant } from '@daojia/shared/mobile';
import App from './App.vue';
import { i18n } from './i18n';
import { router } from './router';
import { installWorkerVant } from './vant';

const app = createApp(App);
installVant(app);
installWorkerVant(app);
app.use(i18n).use(router).mount('#app');

// The service worker makes the app installable and lets it open offline (built app only).
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    void navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL });
  });
}
