/**
 * A secured Temporal for tests, where the pinned CLI's dev server serves no TLS: certificates made
 * with openssl (a CA, a server certificate for `temporal.test`, client certificates from that CA
 * and from a stranger's), and a TLS terminator on loopback that forwards each accepted
 * connection, byte for byte, to the plain dev server. gRPC rides on it unchanged (ALPN h2), so a
 * client that connects through it has done the real TLS (and, with `mutual`, client-certificate)
 * handshake a secured Temporal would ask of it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

export const SERVER_NAME = 'temporal.test';

export interface TestCertificates {
  dir: string;
  /** The CA that signed the server's and the client's certificates. */
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate and key from another CA, which the server does not trust. */
  strangerCert: string;
  strangerKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function newCa(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-keyout',
    `${name}-key.pem`,
    '-out',
    `${name}.pem`,
    '-subj',
    `/CN=mlebench test ${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

function newLeaf(dir: string, name: string, ca: string, ext: string): void {
  writeFileSync(path.join(dir, `${name}.ext`), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n${ext}\n`);
  openssl(dir, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}-key.pem`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${name}`,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}-key.pem`,
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    `${name}.pem`,
    '-extfile',
    `${name}.ext`,
  ]);
}

/**
 * In a new folder, as docker-compose.tls.yml wants them (ca.pem, server.pem, server-key.pem,
 * client.pem, client-key.pem). The server's certificate names `serverName`; `serverAlsoClient`
 * lets it be presented as a client too (Temporal's services do, to each other).
 */
export function makeCertificates(opts: { serverName?: string; serverAlsoClient?: boolean } = {}): TestCertificates {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlebench-tls-'));
  newCa(dir, 'ca');
  newCa(dir, 'stranger-ca');
  newLeaf(
    dir,
    'server',
    'ca',
    `subjectAltName=DNS:${opts.serverName ?? SERVER_NAME}\nextendedKeyUsage=serverAuth${opts.serverAlsoClient ? ',clientAuth' : ''}`,
  );
  newLeaf(dir, 'client', 'ca', 'subjectAltName=DNS:mlebench-client\nextendedKeyUsage=clientAuth');
  newLeaf(dir, 'stranger', 'stranger-ca', 'subjectAltName=DNS:stranger\nextendedKeyUsage=clientAuth');
  const p = (f: string) => path.join(dir, f);
  return {
    dir,
    ca: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server-key.pem'),
    clientCert: p('client.pem'),
    clientKey: p('client-key.pem'),
    strangerCert: p('stranger.pem'),
    strangerKey: p('stranger-key.pem'),
  };
}

export interface TlsTerminator {
  address: string;
  /** Handshakes completed (connections forwarded), and handshakes that failed, with why. */
  accepted: number;
  refused: string[];
  close(): Promise<void>;
}

/** TLS on 127.0.0.1 (a free port) in front of `upstream` (host:port of a plain server); `mutual` asks for a client certificate from the CA. */
export async function startTlsTerminator(upstream: string, certs: TestCertificates, opts: { mutual: boolean }): Promise<TlsTerminator> {
  const [host, port] = [upstream.slice(0, upstream.lastIndexOf(':')), Number(upstream.slice(upstream.lastIndexOf(':') + 1))];
  const sockets = new Set<net.Socket>();
  const state = { accepted: 0, refused: [] as string[] };
  const server = tls.createServer(
    {
      key: readFileSync(certs.serverKey),
      cert: readFileSync(certs.serverCert),
      ALPNProtocols: ['h2'],
      ...(opts.mutual ? { requestCert: true, rejectUnauthorized: true, ca: readFileSync(certs.ca) } : {}),
    },
    (client) => {
      state.accepted += 1;
      const backend = net.connect({ host, port });
      for (const s of [client, backend]) {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
      }
      client.pipe(backend).pipe(client);
      client.once('error', () => backend.destroy());
      backend.once('error', () => client.destroy());
      client.once('close', () => backend.destroy());
      backend.once('close', () => client.destroy());
    },
  );
  server.on('tlsClientError', (err) => state.refused.push(err.message));
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port: listening } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${listening}`,
    get accepted() {
      return state.accepted;
    },
    get refused() {
      return state.refused;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
