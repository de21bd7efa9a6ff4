/**
 * Attachments of inbound mail: written under the configured directory (fsynced before the
 * message is acknowledged) and served by the gateway's HTTP server at
 * `/<bridge>/files/<token>/<name>`. The token is 128 bits of an HMAC under a random secret kept
 * in the bridge's store: a URL cannot be guessed or enumerated (there is no listing), yet a
 * retransmitted mail (after a 451) gets the same tokens, so it leaves no orphan copies.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BridgeHttp, KeyValueStore } from '../../src/core/bridge.js';
import { cleanFileName } from './clean-text.js';

export interface StoredAttachment {
  url: string;
  name: string;
  size: number;
  contentType: string;
}

interface Meta {
  name: string;
  contentType: string;
}

const TOKEN = /^[0-9a-f]{32}$/;


export class AttachmentStore {
  private secret: Buffer | undefined;

  constructor(
    private readonly dir: string,
    private readonly http: BridgeHttp,
    private readonly kv: KeyValueStore,
  ) {}

  /** Mount the download handler; call once at start. */
  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    let secret = this.kv.get<string>('attachments:secret');
    if (!secret) {
      secret = randomBytes(32).toString('hex');
      this.kv.set('attachments:secret', secret);
    }
    this.secret = Buffer.from(secret, 'hex');
    this.http.mount('/files', (req, res) => this.serve(req, res));
  }

  /** Whether links can be offered (they need the gateway's public URL). */
  get available(): boolean {
    return this.http.publicUrl !== undefined;
  }

  /** Store one attachment; `seed` names it uniquely (mail key, user, part number). */
  async save(seed: string, content: Buffer, name: string | undefined, contentType: string): Promise<StoredAttachment> {
    if (!this.secret) throw new Error('attachment store not started');
    const token = createHmac('sha256', this.secret).update(seed).digest('hex').slice(0, 32);
    // Safe in a URL path and a Content-Disposition header (clean-text.ts).
    const fileName = cleanFileName(name);
    const meta: Meta = { name: fileName, contentType: /^[\w.+-]+\/[\w.+-]+$/.test(contentType) ? contentType : 'application/octet-stream' };
    await this.writeDurably(join(this.dir, `${token}.json`), Buffer.from(JSON.stringify(meta)));
    await this.writeDurably(join(this.dir, token), content);
    return {
      url: `${this.http.publicUrl ?? ''}/files/${token}/${encodeURIComponent(fileName)}`,
      name: fileName,
      size: content.length,
      contentType: meta.contentType,
    };
  }

  private async writeDurably(path: string, data: Buffer): Promise<void> {
    // 'w', not 'wx': a retransmission rewrites the same file, never a second one.
    const handle = await open(path, 'w', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parts = new URL(req.url ?? '/', 'http://localhost').pathname.split('/');
    // ['', '<bridge>', 'files', '<token>', '<name>']
    const token = parts[3] ?? '';
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !TOKEN.test(token)) return notFound(res);
    let meta: Meta;
    let size: number;
    try {
      meta = JSON.parse(await readFile(join(this.dir, `${token}.json`), 'utf8')) as Meta;
      size = (await stat(join(this.dir, token))).size;
    } catch {
      return notFound(res);
    }
    res.writeHead(200, {
      'content-type': meta.contentType,
      'content-length': String(size),
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(meta.name)}`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, max-age=86400',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(join(this.dir, token)).pipe(res);
  }
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
}
