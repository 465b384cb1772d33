// `npm install` (scripts/postinstall.mjs): makes the embedded database's template (src/db/embedded-template.mjs)
// once, so the first `npm start` without DATABASE_URL copies it instead of running initdb. Needs
// only production dependencies. Never fails the install: without a template the first start makes it.
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { PGlite } from '@electric-sql/pglite';
import { saveTemplate, templatePath } from '../src/db/embedded-template.mjs';

const path = templatePath();
if (!existsSync(path)) {
  const started = performance.now();
  try {
    const db = await PGlite.create();
    await saveTemplate(db, path);
    await db.close();
    console.log(`embedded database template made in ${Math.round(performance.now() - started)} ms: ${path}`);
  } catch (error) {
    console.warn(`embedded database template not made (the first start will make it): ${error instanceof Error ? error.message : String(error)}`);
  }
}
