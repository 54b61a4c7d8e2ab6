/**
 * How to reach a secured Temporal: TLS, mutual TLS and an API key, read from the environment
 * under the Temporal CLI's own names (`temporal options` lists them), so one environment serves
 * the CLI, the worker, `mlebench` and the SDK alike. Every value is checked before anything
 * connects: a file that cannot be read, a certificate or key that is not one, a key without its
 * certificate, a key that does not belong to the certificate, an expired certificate, a setting
 * the TypeScript SDK cannot honour — each refused with the variable named and the reason.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';

/**
 * The variables, by the CLI's names. Each file setting also has the CLI's older name (its
 * pre-1.4 flags' variables, still read by 1.9): both are accepted, and both set to different
 * values is refused.
 */
export const TEMPORAL_SECURITY_ENV = {
  tls: 'TEMPORAL_TLS',
  caPath: ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_CA'],
  caData: ['TEMPORAL_TLS_SERVER_CA_CERT_DATA', 'TEMPORAL_TLS_CA_DATA'],
  certPath: ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CERT'],
  certData: ['TEMPORAL_TLS_CLIENT_CERT_DATA', 'TEMPORAL_TLS_CERT_DATA'],
  keyPath: ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_KEY'],
  keyData: ['TEMPORAL_TLS_CLIENT_KEY_DATA', 'TEMPORAL_TLS_KEY_DATA'],
  serverName: 'TEMPORAL_TLS_SERVER_NAME',
  disableHostVerification: 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
  apiKey: 'TEMPORAL_API_KEY',
} as const;

/** A PEM file bigger than this is not a certificate or a key. */
const MAX_PEM_BYTES = 1 << 20;

/** A bad value of a connection variable: names the variable, its value (never a secret) and why. */
export class TemporalConnectionConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = 'TemporalConnectionConfigError';
  }
}

export interface TemporalSecurity {
  /** false: plain TCP; otherwise what `Connection.connect` and `NativeConnection.connect` take as `tls`. */
  tls: TLSConfig | false;
  apiKey?: string;
  /** For logs and start-up lines: what is used, never a secret. */
  summary: string;
}

interface PemSource {
  variable: string;
  /** The file, or null for inline data. */
  file: string | null;
  bytes: Buffer;
}

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** The CLI's boolean (Go's strconv.ParseBool). */
function parseBool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const v = value(env, name);
  if (v === undefined) return undefined;
  if (['1', 't', 'true'].includes(v.trim().toLowerCase())) return true;
  if (['0', 'f', 'false'].includes(v.trim().toLowerCase())) return false;
  throw new TemporalConnectionConfigError(name, `"${v}" is not a boolean (true or false)`);
}

/** One setting under its two names: the value, and the name it came from. */
function either(env: NodeJS.ProcessEnv, names: readonly [string, string]): { name: string; value: string } | undefined {
  const [primary, alias] = names;
  const a = value(env, primary);
  const b = value(env, alias);
  if (a !== undefined && b !== undefined && a !== b) {
    throw new TemporalConnectionConfigError(primary, `${primary} and ${alias} (its older name) are both set, to different values: set one`);
  }
  if (a !== undefined) return { name: primary, value: a };
  if (b !== undefined) return { name: alias, value: b };
  return undefined;
}

/** A PEM setting given as a file or inline; both at once is refused. */
function pemSource(
  env: NodeJS.ProcessEnv,
  pathNames: readonly [string, string],
  dataNames: readonly [string, string],
): PemSource | undefined {
  const file = either(env, pathNames);
  const data = either(env, dataNames);
  if (file && data)
    throw new TemporalConnectionConfigError(file.name, `both ${file.name} and ${data.name} are set: give the file or the data, not both`);
  if (data) return { variable: data.name, file: null, bytes: Buffer.from(data.value.replace(/\\n/g, '\n'), 'utf8') };
  if (!file) return undefined;
  let size: number;
  try {
    const st = statSync(file.value);
    if (!st.isFile()) throw new TemporalConnectionConfigError(file.name, `${file.value} is not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof TemporalConnectionConfigError) throw err;
    throw new TemporalConnectionConfigError(file.name, `cannot read ${file.value}: ${ioReason(err)}`);
  }
  if (size > MAX_PEM_BYTES)
    throw new TemporalConnectionConfigError(file.name, `${file.value} is ${size} bytes: not a PEM certificate or key`);
  try {
    return { variable: file.name, file: file.value, bytes: readFileSync(file.value) };
  } catch (err) {
    throw new TemporalConnectionConfigError(file.name, `cannot read ${file.value}: ${ioReason(err)}`);
  }
}

function ioReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file (ENOENT)';
  if (code === 'EACCES') return 'permission denied (EACCES)';
  return code ?? (err as Error).message;
}

function describe(source: PemSource): string {
  return source.file ?? 'inline data';
}

/** The PEM certificates in `source` (a bundle may hold several), each parsed. */
function certificates(source: PemSource, what: string): X509Certificate[] {
  const blocks = source.bytes.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0)
    throw new TemporalConnectionConfigError(source.variable, `${describe(source)} holds no PEM certificate (${what} expected)`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new TemporalConnectionConfigError(
        source.variable,
        `certificate ${i + 1} of ${describe(source)} cannot be parsed: ${(err as Error).message}`,
      );
    }
  });
}

function notExpired(cert: X509Certificate, source: PemSource, now: Date): void {
  if (new Date(cert.validTo).getTime() < now.getTime()) {
    throw new TemporalConnectionConfigError(
      source.variable,
      `the certificate in ${describe(source)} (${cert.subject.replace(/\n/g, ', ')}) expired on ${cert.validTo}`,
    );
  }
  if (new Date(cert.validFrom).getTime() > now.getTime()) {
    throw new TemporalConnectionConfigError(
      source.variable,
      `the certificate in ${describe(source)} is not valid before ${cert.validFrom}`,
    );
  }
}

function privateKey(source: PemSource): KeyObject {
  try {
    return createPrivateKey(source.bytes);
  } catch (err) {
    const reason = /passphrase/i.test((err as Error).message) ? 'it is encrypted (give an unencrypted key)' : (err as Error).message;
    throw new TemporalConnectionConfigError(source.variable, `${describe(source)} is not a usable PEM private key: ${reason}`);
  }
}

/** An API key travels as an HTTP/2 header: printable ASCII only, no spaces. */
function apiKey(env: NodeJS.ProcessEnv): string | undefined {
  const key = value(env, TEMPORAL_SECURITY_ENV.apiKey);
  if (key === undefined) return undefined;
  const trimmed = key.trim();
  if (/[^\x21-\x7e]/.test(trimmed)) {
    throw new TemporalConnectionConfigError(
      TEMPORAL_SECURITY_ENV.apiKey,
      'holds a space, a line break or a non-ASCII character, which a request header cannot carry',
    );
  }
  return trimmed;
}

/**
 * TLS and the API key for a connection to Temporal, from `env`. TLS is on when TEMPORAL_TLS is
 * true, when any TLS setting is given, or with an API key (as the CLI does); TEMPORAL_TLS=false
 * turns it off and then refuses TLS settings. Nothing set: plain TCP, as before.
 */
export function temporalSecurity(env: NodeJS.ProcessEnv = process.env, now = new Date()): TemporalSecurity {
  const E = TEMPORAL_SECURITY_ENV;
  const tlsFlag = parseBool(env, E.tls);
  const ca = pemSource(env, E.caPath, E.caData);
  const cert = pemSource(env, E.certPath, E.certData);
  const key = pemSource(env, E.keyPath, E.keyData);
  const serverName = value(env, E.serverName)?.trim();
  const key_ = apiKey(env);
  if (parseBool(env, E.disableHostVerification)) {
    throw new TemporalConnectionConfigError(
      E.disableHostVerification,
      `the TypeScript SDK always checks the server's name against its certificate: set ${E.serverName} to a name the certificate carries instead`,
    );
  }
  if (serverName !== undefined && !/^[A-Za-z0-9.*_:[\]-]+$/.test(serverName)) {
    throw new TemporalConnectionConfigError(E.serverName, `"${serverName}" is not a host name`);
  }
  const tlsSettings = [ca, cert, key].filter((s): s is PemSource => s !== undefined).map((s) => s.variable);
  if (serverName !== undefined) tlsSettings.push(E.serverName);
  if (tlsFlag === false && tlsSettings.length > 0) {
    throw new TemporalConnectionConfigError(
      E.tls,
      `is false, but ${tlsSettings.join(', ')} ${tlsSettings.length > 1 ? 'are' : 'is'} set: unset ${E.tls} or those`,
    );
  }
  if (cert && !key)
    throw new TemporalConnectionConfigError(
      cert.variable,
      `a client certificate needs its private key: set ${E.keyPath[0]} (or ${E.keyData[0]}) too`,
    );
  if (key && !cert)
    throw new TemporalConnectionConfigError(
      key.variable,
      `a client key needs its certificate: set ${E.certPath[0]} (or ${E.certData[0]}) too`,
    );

  const parts: string[] = [];
  let clientCertPair: TLSConfig['clientCertPair'];
  if (ca) {
    for (const c of certificates(ca, 'the CA certificate(s) that signed the server certificate')) notExpired(c, ca, now);
    parts.push(`CA ${describe(ca)}`);
  }
  if (cert && key) {
    const [leaf] = certificates(cert, 'the client certificate');
    notExpired(leaf!, cert, now);
    const pk = privateKey(key);
    if (!leaf!.checkPrivateKey(pk)) {
      throw new TemporalConnectionConfigError(
        key.variable,
        `the key in ${describe(key)} does not belong to the certificate in ${describe(cert)} (${cert.variable})`,
      );
    }
    clientCertPair = { crt: cert.bytes, key: key.bytes };
    parts.push(`client certificate ${describe(cert)} (${leaf!.subject.replace(/\n/g, ', ')})`);
  }
  if (serverName) parts.push(`server name ${serverName}`);

  const tlsOn = tlsFlag ?? (tlsSettings.length > 0 || key_ !== undefined);
  const tls: TLSConfig | false = tlsOn
    ? {
        ...(ca ? { serverRootCACertificate: ca.bytes } : {}),
        ...(clientCertPair ? { clientCertPair } : {}),
        ...(serverName ? { serverNameOverride: serverName } : {}),
      }
    : false;
  const summary = [
    tlsOn ? `TLS${clientCertPair ? ' (mutual)' : ''}${parts.length ? `: ${parts.join(', ')}` : ' (system CAs)'}` : 'no TLS',
    ...(key_ ? ['API key'] : []),
  ].join('; ');
  return { tls, ...(key_ ? { apiKey: key_ } : {}), summary };
}

/** Is anything set that a plain, keyless server (the embedded dev server) could not honour? */
export function wantsSecurity(security: TemporalSecurity): boolean {
  return security.tls !== false || security.apiKey !== undefined;
}
