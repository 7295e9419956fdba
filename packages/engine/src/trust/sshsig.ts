import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Ed25519 signatures in OpenSSH's SSHSIG format (PROTOCOL.sshsig), made and checked with Node's crypto
 * alone, so that `ssh-keygen -Y verify` checks what readybook signs and readybook checks what
 * `ssh-keygen -Y sign` (git's SSH commit signing) signs.
 */

/** Namespaces: a signature made for one purpose never verifies for another. */
export const NAMESPACE = { run: 'readybook-run', evidence: 'readybook-evidence', signoff: 'readybook-signoff', release: 'readybook-release' } as const;

const MAGIC = Buffer.from('SSHSIG');
const KEY_TYPE = 'ssh-ed25519';

function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  bytes(n: number): Buffer {
    if (this.at + n > this.buf.length) throw new SignatureError('the signature is cut short');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  u32(): number {
    return this.bytes(4).readUInt32BE();
  }
  string(): Buffer {
    return this.bytes(this.u32());
  }
  get done(): boolean {
    return this.at === this.buf.length;
  }
}

export class SignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureError';
  }
}

/** An Ed25519 public key: the raw 32 bytes, in OpenSSH's `ssh-ed25519 AAAA…` form, and its SHA256 fingerprint. */
export interface PublicKey {
  raw: Buffer;
  openssh: string;
  fingerprint: string;
}

export function publicKeyFromRaw(raw: Buffer): PublicKey {
  if (raw.length !== 32) throw new SignatureError('an Ed25519 public key has 32 bytes');
  const blob = Buffer.concat([sshString(KEY_TYPE), sshString(raw)]);
  return { raw, openssh: `${KEY_TYPE} ${blob.toString('base64')}`, fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}` };
}

/** Parses `ssh-ed25519 AAAA… [comment]`. */
export function parsePublicKey(text: string): PublicKey {
  const [type, b64] = text.trim().split(/\s+/);
  if (type !== KEY_TYPE || !b64) throw new SignatureError(`not an ssh-ed25519 public key: ${text.trim().slice(0, 40)}`);
  return publicKeyFromBlob(Buffer.from(b64, 'base64'));
}

function publicKeyFromBlob(blob: Buffer): PublicKey {
  const r = new Reader(blob);
  const type = r.string().toString();
  if (type !== KEY_TYPE) throw new SignatureError(`the key is ${type}; readybook checks ssh-ed25519 keys`);
  return publicKeyFromRaw(Buffer.from(r.string()));
}

function keyObject(key: PublicKey): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.raw.toString('base64url') }, format: 'jwk' });
}

/** A signing key: Node's key object and its public half. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: PublicKey;
  /** Where it was read from. */
  path: string;
}

function rawPublic(privateKey: KeyObject): Buffer {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as { x?: string };
  return Buffer.from(jwk.x ?? '', 'base64url');
}

/** Reads a PKCS#8 PEM Ed25519 key, or an unencrypted OpenSSH one (`ssh-keygen -t ed25519 -N ''`). */
export function readSigningKey(path: string): SigningKey {
  const text = readFileSync(path, 'utf8');
  let privateKey: KeyObject;
  if (text.includes('BEGIN OPENSSH PRIVATE KEY')) {
    privateKey = openSshPrivateKey(text);
  } else {
    privateKey = createPrivateKey(text);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new SignatureError(`${path} is a ${privateKey.asymmetricKeyType} key; readybook signs with Ed25519`);
  return { privateKey, publicKey: publicKeyFromRaw(rawPublic(privateKey)), path };
}

function openSshPrivateKey(text: string): KeyObject {
  const b64 = text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const buf = Buffer.from(b64, 'base64');
  const magic = 'openssh-key-v1\0';
  if (buf.subarray(0, magic.length).toString('latin1') !== magic) throw new SignatureError('not an OpenSSH private key');
  const r = new Reader(buf.subarray(magic.length));
  const cipher = r.string().toString();
  if (cipher !== 'none') throw new SignatureError('the key is passphrase-protected; give an unencrypted key or use ssh-keygen');
  r.string(); // kdf
  r.string(); // kdf options
  if (r.u32() !== 1) throw new SignatureError('the file holds more than one key');
  r.string(); // public key blob
  const priv = new Reader(r.string());
  priv.u32();
  priv.u32();
  if (priv.string().toString() !== KEY_TYPE) throw new SignatureError('not an ssh-ed25519 key');
  const pub = priv.string();
  const secret = priv.string(); // 64 bytes: seed + public key
  return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(secret.subarray(0, 32)).toString('base64url'), x: Buffer.from(pub).toString('base64url') }, format: 'jwk' });
}

/**
 * The key that signs runs and evidence on this machine: `READYBOOK_SIGNING_KEY` if set, else
 * `<home>/keys/signing-key.pem`, generated on first use (mode 0600) with its `.pub` beside it.
 */
export function signingKeyPath(home: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = env.READYBOOK_SIGNING_KEY;
  return given && given.trim() !== '' ? given : `${home}/keys/signing-key.pem`;
}

export function loadOrCreateSigningKey(home: string, env: NodeJS.ProcessEnv = process.env): SigningKey {
  const path = signingKeyPath(home, env);
  if (!existsSync(path)) {
    if (env.READYBOOK_SIGNING_KEY) throw new SignatureError(`READYBOOK_SIGNING_KEY names ${path}, which does not exist`);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    const key = readSigningKey(path);
    writeFileSync(`${path.replace(/\.pem$/, '')}.pub`, `${key.publicKey.openssh} readybook@${home}\n`, { mode: 0o644 });
    return key;
  }
  return readSigningKey(path);
}

/** The public key of this home's signing key, if there is one (never creates it). */
export function homePublicKey(home: string, env: NodeJS.ProcessEnv = process.env): PublicKey | undefined {
  const path = signingKeyPath(home, env);
  try {
    return readSigningKey(path).publicKey;
  } catch {
    return undefined;
  }
}

function signedData(namespace: string, message: Buffer): Buffer {
  const digest = createHash('sha512').update(message).digest();
  return Buffer.concat([MAGIC, sshString(namespace), sshString(''), sshString('sha512'), sshString(digest)]);
}

/** Signs `message` for `namespace`; returns the armored `-----BEGIN SSH SIGNATURE-----` text. */
export function sshSign(key: SigningKey, namespace: string, message: Buffer | string): string {
  const data = signedData(namespace, Buffer.from(message));
  const signature = cryptoSign(null, data, key.privateKey);
  const pubBlob = Buffer.concat([sshString(KEY_TYPE), sshString(key.publicKey.raw)]);
  const sigBlob = Buffer.concat([sshString(KEY_TYPE), sshString(signature)]);
  const version = Buffer.alloc(4);
  version.writeUInt32BE(1);
  const blob = Buffer.concat([MAGIC, version, sshString(pubBlob), sshString(namespace), sshString(''), sshString('sha512'), sshString(sigBlob)]);
  const lines = blob.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN SSH SIGNATURE-----\n${lines.join('\n')}\n-----END SSH SIGNATURE-----\n`;
}

/**
 * Checks an armored SSHSIG signature of `message` for `namespace`. Returns the key that made it;
 * throws SignatureError saying what is wrong. Whether that key is trusted is the caller's question.
 */
export function sshVerify(armored: string, namespace: string, message: Buffer | string): PublicKey {
  const match = /-----BEGIN SSH SIGNATURE-----([\s\S]*?)-----END SSH SIGNATURE-----/.exec(armored);
  if (!match) throw new SignatureError('not an SSH signature (no -----BEGIN SSH SIGNATURE----- block)');
  const r = new Reader(Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64'));
  if (!r.bytes(6).equals(MAGIC)) throw new SignatureError('not an SSHSIG signature');
  if (r.u32() !== 1) throw new SignatureError('unknown SSHSIG version');
  const key = publicKeyFromBlob(Buffer.from(r.string()));
  const ns = r.string().toString();
  r.string();
  const hash = r.string().toString();
  const sig = new Reader(r.string());
  if (ns !== namespace) throw new SignatureError(`the signature is for namespace ${ns}, not ${namespace}`);
  if (hash !== 'sha512' && hash !== 'sha256') throw new SignatureError(`unknown hash algorithm ${hash}`);
  if (sig.string().toString() !== KEY_TYPE) throw new SignatureError('the signature is not ssh-ed25519');
  const raw = sig.string();
  const digest = createHash(hash).update(Buffer.from(message)).digest();
  const data = Buffer.concat([MAGIC, sshString(ns), sshString(''), sshString(hash), sshString(digest)]);
  if (!cryptoVerify(null, data, keyObject(key), raw)) throw new SignatureError(`the signature by ${key.fingerprint} does not match the content: it was changed after it was signed`);
  return key;
}

/** Raw Ed25519 signature (for DSSE envelopes). */
export function rawSign(key: SigningKey, data: Buffer): Buffer {
  return cryptoSign(null, data, key.privateKey);
}

export function rawVerify(key: PublicKey, data: Buffer, signature: Buffer): boolean {
  try {
    return cryptoVerify(null, data, keyObject(key), signature);
  } catch {
    return false;
  }
}

/** One line of an OpenSSH allowed_signers file (ssh-keygen(1), ALLOWED SIGNERS). */
export interface AllowedSigner {
  principals: string[];
  namespaces?: string[];
  validAfter?: Date;
  validBefore?: Date;
  key: PublicKey;
  line: number;
}

/**
 * Parses an allowed_signers file: `principals [options] ssh-ed25519 AAAA… [comment]`, options
 * `namespaces="a,b"`, `valid-after=`/`valid-before=` (YYYYMMDD[HHMM[SS]][Z]). Lines with other key
 * types or `cert-authority` are skipped and named in `problems`.
 */
export function parseAllowedSigners(text: string): { signers: AllowedSigner[]; problems: string[] } {
  const signers: AllowedSigner[] = [];
  const problems: string[] = [];
  for (const [i, rawLine] of text.split('\n').entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const tokens = line.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
    const principals = (tokens.shift() ?? '').replace(/^"|"$/g, '').split(',').filter(Boolean);
    const signer: Partial<AllowedSigner> = { principals, line: i + 1 };
    let ok = true;
    while (tokens.length > 0 && !tokens[0]!.startsWith('ssh-') && !tokens[0]!.startsWith('sk-') && !tokens[0]!.startsWith('ecdsa-')) {
      for (const option of tokens.shift()!.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
        const [name, value = ''] = option.split(/=(.*)/s) as [string, string?];
        const unquoted = value.replace(/^"|"$/g, '');
        if (name === 'namespaces') signer.namespaces = unquoted.split(',').map((n) => n.trim());
        else if (name === 'valid-after') signer.validAfter = sshTime(unquoted);
        else if (name === 'valid-before') signer.validBefore = sshTime(unquoted);
        else if (name === 'cert-authority') ok = false;
      }
    }
    const keyText = tokens.slice(0, 2).join(' ');
    if (!ok) {
      problems.push(`line ${i + 1}: cert-authority lines are not supported`);
      continue;
    }
    try {
      signer.key = parsePublicKey(keyText);
    } catch (error) {
      problems.push(`line ${i + 1}: ${(error as Error).message}`);
      continue;
    }
    signers.push(signer as AllowedSigner);
  }
  return { signers, problems };
}

function sshTime(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z?)$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00'] = m;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

/** The allowed signers entry that lists `key` for `namespace` (and, if given, `principal`), valid at `at`. */
export function findSigner(signers: readonly AllowedSigner[], key: PublicKey, namespace: string, options: { principal?: string; at?: Date } = {}): AllowedSigner | undefined {
  return signers.find(
    (s) =>
      s.key.raw.equals(key.raw) &&
      (!s.namespaces || s.namespaces.some((n) => globMatch(n, namespace))) &&
      (options.principal === undefined || s.principals.some((p) => globMatch(p, options.principal!))) &&
      (!options.at || ((!s.validAfter || s.validAfter <= options.at) && (!s.validBefore || options.at < s.validBefore))),
  );
}

function globMatch(pattern: string, value: string): boolean {
  const negated = pattern.startsWith('!');
  const re = new RegExp(`^${(negated ? pattern.slice(1) : pattern).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return negated ? !re.test(value) : re.test(value);
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
