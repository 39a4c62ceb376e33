/**
 * What the three apps' Vite configs have in common: Vue, the build folder under web/dist,
 * and in development a proxy that sends /api to the Rust server.
 */
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import type { PluginOption, UserConfig } from 'vite';

export interface AppOptions {
  /** Folder name under web/dist, and what the server serves it as. */
  name: 'customer' | 'worker' | 'admin';
  base: string;
  port: number;
  plugins?: PluginOption[];
}

/** Where `daojia serve` listens in development. */
const API_TARGET = process.env.DAOJIA_API ?? 'http://127.0.0.1:8080';

export function appConfig(opts: AppOptions): UserConfig {
  return {
    base: opts.base,
    plugins: [vue(), ...(opts.plugins ?? [])],
    define: {
      __VUE_OPTIONS_API__: 'true',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
      __VUE_I18N_FULL_INSTALL__: 'true',
      __VUE_I18N_LEGACY_API__: 'false',
      __INTLIFY_PROD_DEVTOOLS__: 'false',
    },
    build: {
      outDir: fileURLToPath(new URL(`./dist/${opts.name}`, import.meta.url)),
      emptyOutDir: true,
      chunkSizeWarningLimit: 1500,
    },
    server: {
      port: opts.port,
      strictPort: true,
      // ws: the realtime WebSocket (/api/v1/realtime) goes through the proxy too.
      proxy: { '/api': { target: API_TARGET, changeOrigin: false, ws: true } },
    },
    preview: { port: opts.port },
  };
}
