import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback, constants as zlib } from 'node:zlib';

const gzip = promisify(gzipCallback);

/** GraphiQL's code as it ships in @graphql-yoga/render-graphiql (Yoga's own GraphiQL build, MIT). */
interface GraphiQLCode {
  js: string;
  css: string;
  favicon: string;
  editorWorkerService: string;
  jsonWorker: string;
  graphqlWorker: string;
}

export interface GraphiQLFile {
  name: string;
  type: string;
  body: Buffer;
  /** Made in the background at first need, on libuv's threads. */
  gzipped: () => Promise<Buffer>;
  etag: string;
}

/** Where the page finds each file: `/graphiql/<name>.<content hash>.<ext>`. */
export interface GraphiQLFileUrls {
  script: string;
  style: string;
  favicon: string;
  start: string;
  /** Monaco's workers by the label it asks for. */
  workers: { editorWorkerService: string; json: string; graphql: string };
}

export interface GraphiQLFiles {
  urls: GraphiQLFileUrls;
  byName: ReadonlyMap<string, GraphiQLFile>;
}

export const GRAPHIQL_FILES_PATH = '/graphiql';
const JAVASCRIPT = 'text/javascript; charset=utf-8';

/**
 * Runs in the page after GraphiQL's code: reads the options the page carries as JSON (no inline
 * script, so the policy can say script-src 'self'), points Monaco at its worker files, renders.
 */
const START_SCRIPT = `(function () {
  var config = JSON.parse(document.getElementById('graphiql-config').textContent);
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (_moduleId, label) {
      return config.workers[label];
    },
  };
  YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), config.options);
})();
`;

let loading: Promise<GraphiQLFiles> | undefined;

/** GraphiQL's files, made once per process at the first page or file asked for (about 9 MB of code: never at start). */
export function graphiqlFiles(): Promise<GraphiQLFiles> {
  return (loading ??= Promise.resolve().then(makeFiles));
}

function makeFiles(): GraphiQLFiles {
  const code = loadGraphiQLCode();
  const favicon = /^data:([^;,]+);base64,(.*)$/s.exec(code.favicon);
  const entries: Array<[key: keyof GraphiQLFileUrls | keyof GraphiQLFileUrls['workers'], name: string, ext: string, type: string, body: Buffer]> = [
    ['script', 'graphiql', 'js', JAVASCRIPT, Buffer.from(code.js)],
    ['style', 'graphiql', 'css', 'text/css; charset=utf-8', Buffer.from(code.css)],
    ['start', 'start', 'js', JAVASCRIPT, Buffer.from(START_SCRIPT)],
    ['editorWorkerService', 'editor.worker', 'js', JAVASCRIPT, Buffer.from(code.editorWorkerService)],
    ['json', 'json.worker', 'js', JAVASCRIPT, Buffer.from(code.jsonWorker)],
    ['graphql', 'graphql.worker', 'js', JAVASCRIPT, Buffer.from(code.graphqlWorker)],
  ];
  if (favicon) entries.push(['favicon', 'favicon', 'ico', favicon[1]!, Buffer.from(favicon[2]!, 'base64')]);

  const byName = new Map<string, GraphiQLFile>();
  const urlOf: Record<string, string> = {};
  for (const [key, stem, ext, type, body] of entries) {
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
    const name = `${stem}.${hash}.${ext}`;
    let gzipped: Promise<Buffer> | undefined;
    byName.set(name, {
      name,
      type,
      body,
      etag: `"${hash}"`,
      gzipped: () => (gzipped ??= gzip(body, { level: zlib.Z_BEST_COMPRESSION })),
    });
    urlOf[key] = `${GRAPHIQL_FILES_PATH}/${name}`;
  }
  return {
    byName,
    urls: {
      script: urlOf.script!,
      style: urlOf.style!,
      start: urlOf.start!,
      favicon: urlOf.favicon ?? code.favicon,
      workers: { editorWorkerService: urlOf.editorWorkerService!, json: urlOf.json!, graphql: urlOf.graphql! },
    },
  };
}

/**
 * The package exports only `renderGraphiQL`, which inlines all of this into one page; its code
 * module sits beside its entry point. Read from there, and checked, so an upgrade that moves it
 * fails here with a clear message (test/ecosystem/graphiql.test.ts covers it).
 */
function loadGraphiQLCode(): GraphiQLCode {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@graphql-yoga/render-graphiql');
  const code = require(join(dirname(entry), 'graphiql.js')) as Partial<GraphiQLCode>;
  for (const key of ['js', 'css', 'favicon', 'editorWorkerService', 'jsonWorker', 'graphqlWorker'] as const) {
    if (typeof code[key] !== 'string') {
      throw new Error(`@graphql-yoga/render-graphiql no longer has '${key}' beside ${entry}: GraphiQL's files cannot be made`);
    }
  }
  return code as GraphiQLCode;
}
