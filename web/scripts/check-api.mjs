// The stale-client check: regenerates the typed client from shared/openapi.json into a
// temporary file and fails when it differs from the committed shared/src/api/schema.d.ts.
// Fix a failure with `npm run gen:api` (after `scripts/gen-api.sh` refreshed openapi.json).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..');
const SPEC = join(WEB, 'shared', 'openapi.json');
const COMMITTED = join(WEB, 'shared', 'src', 'api', 'schema.d.ts');
const pkg = createRequire(import.meta.url).resolve('openapi-typescript/package.json');
const CLI = join(dirname(pkg), 'bin', 'cli.js');

const dir = mkdtempSync(join(tmpdir(), 'daojia-api-'));
const fresh = join(dir, 'schema.d.ts');
try {
  const run = spawnSync(process.execPath, [CLI, SPEC, '-o', fresh], { encoding: 'utf8' });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    console.error('check:api: openapi-typescript failed on shared/openapi.json');
    process.exit(1);
  }
  if (readFileSync(fresh, 'utf8') !== readFileSync(COMMITTED, 'utf8')) {
    console.error('check:api: shared/src/api/schema.d.ts is stale: it does not match shared/openapi.json.');
    console.error('Run `npm run gen:api` in web/ and commit the result.');
    process.exit(1);
  }
  console.log('check:api: the typed client matches shared/openapi.json');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
