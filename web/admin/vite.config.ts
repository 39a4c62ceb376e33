import { defineConfig } from 'vite';
import { appConfig } from '../vite.common.ts';

export default defineConfig(appConfig({ name: 'admin', base: '/admin/', port: 5175 }));
