// `npm run build`: the TypeScript of src/ and migrations/ compiled to plain JavaScript in dist/, which
// `node dist/main.js` runs without tsx or any other devDependency (`npm ci --omit=dev` is enough).
//
//   dist/main.js          the gateway (loads dist/src/main.js)
//   dist/migrate.js       `npm run migrate` in a production install, where tsx is absent (loads dist/src/db/migrate.js)
//   dist/src/…            src/, compiled, with the files it reads next to itself (demo page, manifests, …)
//   dist/migrations/…     migrations/, compiled: what the migrator runs under plain node
//   dist/examples/operations/  the typed client's operations (known metric labels)
//
// dist/ mirrors the project (rootDir "."), so a path a module builds from import.meta.url finds
// the same file under tsx (src/…) and under node (dist/src/…).
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNTIME_FILES } from './runtime-files.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

// From scratch: a migration removed from migrations/ must not live on in dist/migrations.
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

for (const { dir, keep } of RUNTIME_FILES) {
  cpSync(join(root, dir), join(dist, dir), { recursive: true, filter: (source) => statSync(source).isDirectory() || keep(source) });
}
writeFileSync(join(dist, 'main.js'), "// `node dist/main.js`: the gateway, as `npm start` runs it (src/main.ts).\nimport './src/main.js';\n");
writeFileSync(
  join(dist, 'migrate.js'),
  "// `node dist/migrate.js`: the migrations, as `npm run migrate` applies them (src/db/migrate.ts); npm run migrate runs this when tsx is not installed.\nimport './src/db/migrate.js';\n",
);
console.log(`built ${dist}: node dist/main.js`);
