import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { WebSocket } from 'ws';
import { authCache, findActiveTokenIds } from '../auth/tokens.js';
import type { ConnectionLeases } from '../limits/connection-leases.js';
import type { Logger } from '../observability/logger.js';

/** Close codes of this gateway (graphql-ws's own: 4400 bad message, 4401 no connection_init, 4408 init timeout). */
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_TOO_MANY_CONNECTIONS = 4429;

export interface WebSocketLimits {
  /** Open connections per token, across instances when leases are in Redis; 0: no cap. */
  maxConnectionsPerToken: number;
  /** Operations open at once on one connection (subscriptions, and queries still running); 0: no cap. */
  maxSubscriptionsPerConnection: number;
  /** How often the tokens of open connections are checked again (≤ 5 s). */
  tokenRecheckMs: number;
}

export interface Session {
  readonly id: string;
  readonly tokenId: string;
  readonly socket: WebSocket;
  /** Ids of the operations open on the connection now. */
  operationIds(): string[];
}

const REVOKED_MESSAGE = 'The token was revoked or has expired: this operation has ended. Connect again with an active token.';

/**
 * The authenticated WebSocket connections of this instance, by token. It caps connections per token
 * (through leases, shared across instances with Redis), and every `tokenRecheckMs` asks the database,
 * in one query, which of their tokens are still active: the operations of a revoked or expired token
 * each get a final UNAUTHENTICATED error, then the connection closes with 4403.
 */
export class WebSocketSessions {
  readonly #byToken = new Map<string, Set<Session>>();
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(private readonly options: { orm: MikroORM; leases: ConnectionLeases; limits: WebSocketLimits; logger: Logger }) {}

  get limits(): WebSocketLimits {
    return this.options.limits;
  }

  /** Registers an authenticated connection; null when its token already holds the most connections allowed. */
  async open(tokenId: string, socket: WebSocket, operationIds: () => string[]): Promise<Session | null> {
    const session: Session = { id: randomUUID(), tokenId, socket, operationIds };
    const max = this.options.limits.maxConnectionsPerToken;
    if (max > 0 && !(await this.options.leases.acquire(tokenId, session.id, max))) return null;
    const sessions = this.#byToken.get(tokenId) ?? new Set<Session>();
    sessions.add(session);
    this.#byToken.set(tokenId, sessions);
    return session;
  }

  /** Forgets a connection (idempotent) and gives its lease back. */
  async close(session: Session): Promise<void> {
    const sessions = this.#byToken.get(session.tokenId);
    if (!sessions?.delete(session)) return;
    if (sessions.size === 0) this.#byToken.delete(session.tokenId);
    if (this.options.limits.maxConnectionsPerToken > 0) await this.options.leases.release(session.tokenId, session.id);
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.recheck(), this.options.limits.tokenRecheckMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One pass: ends the connections of tokens no longer active, renews the leases of the others. */
  async recheck(): Promise<void> {
    if (this.#checking || this.#byToken.size === 0) return;
    this.#checking = true;
    try {
      const tokenIds = [...this.#byToken.keys()];
      const active = await findActiveTokenIds(this.options.orm.em.fork(), tokenIds);
      for (const tokenId of tokenIds) {
        if (active.has(tokenId)) continue;
        authCache.forgetToken(tokenId);
        for (const session of [...(this.#byToken.get(tokenId) ?? [])]) await this.#endRevoked(session);
      }
      if (this.options.limits.maxConnectionsPerToken > 0) {
        const leases = [...this.#byToken.values()].flatMap((sessions) => [...sessions].map((session) => [session.tokenId, session.id] as const));
        await this.options.leases.renew(leases);
      }
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'WebSocket token re-check failed; trying again at the next tick');
    } finally {
      this.#checking = false;
    }
  }

  async #endRevoked(session: Session): Promise<void> {
    const { socket } = session;
    const payload = [{ message: REVOKED_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } }];
    if (socket.readyState === socket.OPEN) {
      for (const id of session.operationIds()) socket.send(JSON.stringify({ id, type: 'error', payload }));
      socket.close(CLOSE_FORBIDDEN, 'Forbidden: the token was revoked or has expired');
    }
    await this.close(session);
  }
}
