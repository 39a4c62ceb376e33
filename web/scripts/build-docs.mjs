// Builds web/dist/docs: the API reference page served at /api/docs/. Swagger UI comes from
// the swagger-ui-dist npm package (no CDN at run time) and renders /api/openapi.json.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(WEB, 'dist', 'docs');
const SWAGGER = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const FROM_PACKAGE = [
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-bundle.js.LICENSE.txt',
  'swagger-ui-standalone-preset.js',
  'swagger-ui-standalone-preset.js.LICENSE.txt',
  'favicon-16x16.png',
  'favicon-32x32.png',
  'oauth2-redirect.html',
  'oauth2-redirect.js',
  'LICENSE',
  'NOTICE',
];
const OURS = ['index.html', 'docs.css', 'docs.js'];

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
for (const f of FROM_PACKAGE) copyFileSync(join(SWAGGER, f), join(OUT, f));
for (const f of OURS) copyFileSync(join(WEB, 'docs', f), join(OUT, f));
console.log(`API docs page written to ${OUT}`);
