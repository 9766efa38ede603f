import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { version as typescriptVersion } from 'typescript';

const root = path.join(__dirname, '..', '..');


/** An RSA key pair published as a JWKS, and tokens signed with it (or forged in the ways attackers try). */
export class SigningKit {
  readonly kid = 'front-door-test-key';
  private readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;

  constructor() {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  jwks(): { keys: Record<string, unknown>[] } {
    const { n, e } = this.publicKey.export({ format: 'jwk' });
    return { keys: [{ kty: 'RSA', use: 'sig', kid: this.kid, n, e }] };
  }

  /** RS256 with our key: what the Bot Framework channel sends. */
  sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
    const signingInput = `${b64({ alg: 'RS256', typ: 'JWT', kid: this.kid, ...header })}.${b64(claims)}`;
    return `${signingInput}.${sign('sha256', Buffer.from(signingInput), this.privateKey).toString('base64url')}`;
  }

  /** `alg: none`, no signature. */
  unsigned(claims: Record<string, unknown>): string {
    return `${b64({ alg: 'none', typ: 'JWT', kid: this.kid })}.${b64(claims)}.`;
  }

  /** HS256 keyed with the public key's PEM: the classic algorithm confusion. */
  hmacWithPublicKey(claims: Record<string, unknown>): string {
    const signingInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: this.kid })}.${b64(claims)}`;
    const secret = this.publicKey.export({ type: 'spki', format: 'pem' });
    return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
  }
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Claims of a channel token for `appId`, valid now. */
export function channelClaims(appId: string, serviceUrl: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: 'https://api.botframework.com', aud: appId, serviceurl: serviceUrl, nbf: now - 60, iat: now - 60, exp: now + 3600, ...overrides };
}

/** good; silent = accepts, never answers; refuse = drops the connection; error = 500 naming internals; slow = good after `slowMs`. */
export type MetadataMode = 'good' | 'silent' | 'refuse' | 'error' | 'slow';

/** Plays Microsoft's OpenID metadata + keys endpoint, in a mode the test picks; counts the requests. */
export class MetadataServer {
  mode: MetadataMode = 'good';
  metadataRequests = 0;
  keyRequests = 0;
  private readonly server: http.Server;
  private readonly sockets = new Set<net.Socket>();
  url = '';

  constructor(private readonly kit: SigningKit) {
    this.server = http.createServer((request, response) => {
      const isKeys = request.url === '/keys';
      if (isKeys) this.keyRequests += 1;
      else this.metadataRequests += 1;
      if (this.mode === 'silent') {
        // accept, never answer
      } else if (this.mode === 'refuse') {
        request.socket.destroy();
      } else if (this.mode === 'error') {
        response.writeHead(500);
        response.end('internal-metadata-host.example.net: getaddrinfo ENOTFOUND');
      } else if (this.mode === 'slow') {
        setTimeout(() => this.answer(isKeys, response), this.slowMs);
      } else {
        this.answer(isKeys, response);
      }
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  private base = '';
  slowMs = 1_000;

  private answer(isKeys: boolean, response: http.ServerResponse): void {
    const body = isKeys ? this.kit.jwks() : { issuer: 'https://api.botframework.com', jwks_uri: `${this.base}/keys` };
    // Not chained: restify, loaded by some tests, replaces writeHead with one that returns nothing.
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.url = `${this.base}/.well-known/openidconfiguration`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Records every request a bot sends to its activity's serviceUrl (where replies would go). */
export class ServiceUrlRecorder {
  readonly requests: string[] = [];
  private readonly server = http.createServer((request, response) => {
    this.requests.push(`${request.method} ${request.url}`);
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end('{"id":"1"}');
    });
  });
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with exactly these headers and body bytes (fetch would add or refuse some), on a fresh connection. */
export function rawRequest(url: string, options: { method?: string; path?: string; headers?: Record<string, string | number>; body?: Buffer | string; timeoutMs?: number }): Promise<RawReply> {
  const target = new URL(options.path ?? '/api/messages', url);
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = http.request(
      target,
      { method: options.method ?? 'POST', headers: options.headers ?? {}, agent: false, timeout: options.timeoutMs ?? 10_000 },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('client timeout')));
    // A connection that ends without an answer (the process died) fails the request at once.
    request.on('close', () => {
      if (!answered) reject(new Error('the connection closed without an answer'));
    });
    // The server may answer (413, 415) and close before the whole body is sent: that is the point.
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    if (options.body !== undefined) request.end(options.body);
    else request.end();
  });
}

/** Opens a TCP connection, sends `prefix`, then trickles a byte every `everyMs`; resolves with how long until the server closed it. */
export function slowConnection(url: string, prefix: string, everyMs: number, giveUpMs: number): Promise<{ closedAfterMs: number; closedByServer: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(Number(port), hostname);
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ closedAfterMs: Date.now() - started, closedByServer });
    };
    const giveUp = setTimeout(() => finish(false), giveUpMs);
    socket.on('connect', () => {
      socket.write(prefix);
      timer = setInterval(() => socket.write('x'), everyMs);
    });
    socket.on('close', () => finish(true));
  });
}

/** The bot as its own process, started through the same startBot as `npm start`, with its output kept for failures. */
export class BotProcess {
  url = '';
  output = '';
  private child: ChildProcess | undefined;
  readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-frontdoor-'));
  readonly tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-frontdoor-tmp-'));

  async start(env: Record<string, string>, openIdMetadataUrl: string): Promise<this> {
    // The child's temp folder is its own (so a test can see what it writes there), but its TypeScript cache
    // (scripts/chaosRegister.cjs keeps it in the temp folder) is shared, or every start would compile afresh.
    const cache = `kma-ts-cache-${typescriptVersion}`;
    fs.mkdirSync(path.join(os.tmpdir(), cache), { recursive: true });
    fs.symlinkSync(path.join(os.tmpdir(), cache), path.join(this.tmpDir, cache));
    const child = spawn(process.execPath, ['-r', path.join(root, 'scripts', 'chaosRegister.cjs'), path.join(__dirname, 'botProcess.ts'), openIdMetadataUrl], {
      cwd: root,
      // TMPDIR: the bot's own temp folder, so a test can prove nothing was written there.
      env: { PATH: process.env.PATH ?? '', TMPDIR: this.tmpDir, PORT: '0', DATA_DIR: this.dataDir, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString();
        const match = /^READY (\S+)$/m.exec(this.output);
        if (match) resolve(match[1].replace('0.0.0.0', '127.0.0.1'));
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`bot exited with ${code} before it was ready:\n${this.output}`)));
    });
    return this;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What the child has in its temp folder. */
  tempFiles(): string[] {
    return fs.readdirSync(this.tmpDir).filter((name) => !name.startsWith('kma-ts-cache-'));
  }

  /** Resident memory of the child in MB (Linux). */
  rssMb(): number {
    const status = fs.readFileSync(`/proc/${this.child?.pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : NaN;
  }

  async healthy(): Promise<boolean> {
    const reply = await rawRequest(this.url, { method: 'GET', path: '/healthz' }).catch(() => undefined);
    return this.alive && reply?.status === 200;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && this.alive) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
      clearTimeout(timer);
      if (this.alive) child.kill('SIGKILL');
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    fs.rmSync(this.tmpDir, { recursive: true, force: true });
  }
}

/** A production configuration that starts without Microsoft: live mode against endpoints nothing listens on. */
export const PRODUCTION_APP_ID = '7c5d1c9e-2f4a-4d3b-9c1e-0000000a0b01';
export const PRODUCTION_TENANT_ID = '7c5d1c9e-2f4a-4d3b-9c1e-0000000a0b02';

export function productionEnv(): Record<string, string> {
  return {
    NODE_ENV: 'production',
    MicrosoftAppId: PRODUCTION_APP_ID,
    MicrosoftAppPassword: 'not-a-real-secret',
    MicrosoftAppType: 'MultiTenant',
    ALLOWED_TENANT_IDS: PRODUCTION_TENANT_ID,
    APPROVERS: '7c5d1c9e-2f4a-4d3b-9c1e-0000000a0b03,7c5d1c9e-2f4a-4d3b-9c1e-0000000a0b04',
    PARTNER_CENTER_MODE: 'live',
    PARTNER_TENANT_ID: PRODUCTION_TENANT_ID,
    PARTNER_CENTER_CLIENT_ID: '7c5d1c9e-2f4a-4d3b-9c1e-0000000a0b05',
    PARTNER_CENTER_CLIENT_SECRET: 'not-a-real-secret',
    // Production requires a configured key for the stored refresh token (32 bytes, base64); never a real one here.
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
    // https (production requires it) on a port nothing listens on: never called at startup.
    PARTNER_CENTER_BASE_URL: 'https://127.0.0.1:9/v1',
    GRAPH_BASE_URL: 'https://127.0.0.1:9/v1.0',
  };
}

/** A minimal activity for the given serviceUrl. */
export function activity(serviceUrl: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'message',
    id: 'a1',
    channelId: 'msteams',
    serviceUrl,
    text: 'expiring',
    from: { id: '29:attacker', aadObjectId: '00000000-0000-0000-0000-0000000000021', name: 'Megan Bowen' },
    recipient: { id: '28:bot' },
    conversation: { id: 'a:attacker-conversation', conversationType: 'personal' },
    channelData: { tenant: { id: PRODUCTION_TENANT_ID } },
    ...overrides,
  };
}

export function json(value: unknown): string {
  return JSON.stringify(value);
}
