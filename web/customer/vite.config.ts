import { defineConfig } from 'vite';
import { appConfig } from '../vite.common.ts';

export default defineConfig(appConfig({ name: 'customer', base: '/', port: 5173 }));
