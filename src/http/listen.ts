import { createServer, type Server } from 'node:http';
import { ConfigError } from '../config.js';

/**
 * `server.listen(port, host)`, with the two failures a person fixes by configuration said as such:
 * `port 4000 is in use: set PORT` (a ConfigError naming `variable`), and a port that needs privileges.
 */
export function listenOn(server: Server, options: { port: number; host: string; variable: string }): Promise<void> {
  const { port, host, variable } = options;
  return new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new ConfigError(`port ${port} is in use: set ${variable}`));
      else if (error.code === 'EACCES') reject(new ConfigError(`port ${port} needs privileges this process lacks: set ${variable} to a port above 1023`));
      else if (error.code === 'EADDRNOTAVAIL') reject(new ConfigError(`HOST ${host} is not an address of this machine: set HOST (e.g. 0.0.0.0)`));
      else reject(error);
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/**
 * The gateway's port, taken before the slow part of a start (database, migrations): a port in use
 * fails at once. Until the gateway attaches its routes (createHttpServer with `server`), every
 * request is answered 503.
 */
export async function reservePort(options: { port: number; host: string }): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' }).end(JSON.stringify({ error: 'starting' }));
  });
  await listenOn(server, { ...options, variable: 'PORT' });
  return server;
}
