import { createApp } from 'vue';
import { installVant } from '@daojia/shared/mobile';
import App from './App.vue';
import { i18n } from './i18n';
import { installCustomerVant } from './vant';
import { router } from './router';

const app = createApp(App);
installVant(app);
installCustomerVant(app);
app.use(i18n).use(router).mount('#app');
