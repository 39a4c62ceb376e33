import { createApp } from 'vue';
import 'element-plus/dist/index.css';
import App from './App.vue';
import { installElement } from './element';
import { i18n } from './i18n';
import { router } from './router';

const app = createApp(App);
installElement(app);
app.use(i18n).use(router).mount('#app');
