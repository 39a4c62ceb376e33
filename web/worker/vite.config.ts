import { defineConfig } from 'vite';
import { appConfig } from '../vite.common.ts';
import { serviceWorker } from './sw/plugin.ts';

export default defineConfig(appConfig({ name: 'worker', base: '/worker/', port: 5174, plugins: [serviceWorker()] }));
