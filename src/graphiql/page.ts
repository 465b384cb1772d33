import type { GraphiQLOptions } from 'graphql-yoga';
import { graphiqlFiles } from './files.js';

/**
 * GraphiQL's page: a few hundred bytes that name its content-hashed files, which the browser
 * keeps (see src/http/graphiql-route.ts). The options travel as JSON data, read by start.js.
 */
export async function renderGraphiQLPage(options: GraphiQLOptions | undefined): Promise<string> {
  const { urls } = await graphiqlFiles();
  const config = { options: options ?? {}, workers: urls.workers };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options?.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${escapeHtml(urls.favicon)}" />
    <link rel="stylesheet" href="${urls.style}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-config">${JSON.stringify(config).replace(/</g, '\\u003c')}</script>
    <script src="${urls.script}"></script>
    <script src="${urls.start}"></script>
  </body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
