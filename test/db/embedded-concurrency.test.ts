import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';

/**
 * The embedded database serves many connections from one PostgreSQL session: what one connection
 * says must never be mixed with what another says at the same moment.
 */
describe('embedded PostgreSQL, several connections at once', () => {
  let embedded: EmbeddedPostgres;
  const clients: pg.Client[] = [];

  beforeAll(async () => {
    embedded = await startEmbeddedPostgres();
    for (let index = 0; index < 4; index++) {
      const client = new pg.Client({ connectionString: embedded.url });
      await client.connect();
      clients.push(client);
    }
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end()));
    await embedded?.close();
  });

  it('each parameterised statement answers its own connection, with its own values', async () => {
    const answers = await Promise.all(
      clients.map(async (client, index) => {
        const seen: string[] = [];
        for (let round = 0; round < 30; round++) {
          // A statement of each connection's own, and simple queries between: nothing may cross.
          const { rows } = await client.query<Record<string, string>>(`select $1::text || '/' || $2::text as who${index}`, [index, round]);
          seen.push(rows[0]![`who${index}`] ?? 'another statement');
          await client.query('select 1');
        }
        return seen;
      }),
    );
    expect(answers).toEqual(clients.map((_, index) => Array.from({ length: 30 }, (_, round) => `${index}/${round}`)));
  });

  it("a connection's Parse … Sync is not cut by another connection's query", async () => {
    const raw = await RawConnection.open(embedded.url);
    try {
      // Parse, then Flush: its ParseComplete comes back, the exchange stays open until Sync.
      await raw.send(message('P', cstring(''), cstring('select 41 + 1 as answer'), int16(0)), message('H'));
      expect(await raw.until('1')).toContain('1');
      // Another connection's simple query now would discard the unnamed statement, were it let in.
      const other = clients[0]!.query<{ b: number }>('select 2 as b');
      await Promise.race([other, new Promise((resolve) => setTimeout(resolve, 200))]);
      await raw.send(message('B', cstring(''), cstring(''), int16(0), int16(0), int16(0)), message('E', cstring(''), int32(0)), message('S'));
      const replies = await raw.until('Z');
      expect(replies).not.toContain('E'); // ErrorResponse: "unnamed prepared statement does not exist"
      expect(raw.dataRows).toEqual(['42']);
      expect((await other).rows).toEqual([{ b: 2 }]);
    } finally {
      raw.close();
    }
  });
});

/** A PostgreSQL wire-protocol connection written by hand: it can stop in the middle of an exchange. */
class RawConnection {
  readonly dataRows: string[] = [];
  #buffer = Buffer.alloc(0);
  #types: string[] = [];
  #waiting: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length >= 5 && this.#buffer.length >= 1 + this.#buffer.readInt32BE(1)) {
        const type = String.fromCharCode(this.#buffer[0]!);
        const body = this.#buffer.subarray(5, 1 + this.#buffer.readInt32BE(1));
        if (type === 'D') this.dataRows.push(body.subarray(6, 6 + body.readInt32BE(2)).toString());
        this.#types.push(type);
        this.#buffer = this.#buffer.subarray(1 + this.#buffer.readInt32BE(1));
      }
      this.#waiting?.();
    });
  }

  static async open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const connection = new RawConnection(socket);
    const startup = Buffer.concat([int32(196608), cstring('user'), cstring('postgres'), cstring('database'), cstring('postgres'), Buffer.from([0])]);
    socket.write(Buffer.concat([int32(startup.length + 4), startup]));
    await connection.until('Z');
    return connection;
  }

  async send(...messages: Buffer[]): Promise<void> {
    await new Promise<void>((resolve, reject) => this.socket.write(Buffer.concat(messages), (error) => (error ? reject(error) : resolve())));
  }

  /** The types of the messages received up to and including the first `type`, which it waits for. */
  async until(type: string): Promise<string[]> {
    while (!this.#types.includes(type)) await new Promise<void>((resolve) => (this.#waiting = resolve));
    const index = this.#types.indexOf(type);
    return this.#types.splice(0, index + 1);
  }

  close(): void {
    this.socket.destroy();
  }
}

function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}
function cstring(text: string): Buffer {
  return Buffer.from(`${text}\0`);
}
function int16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeInt16BE(value);
  return buffer;
}
function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}
