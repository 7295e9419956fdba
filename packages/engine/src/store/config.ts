/**
 * Where runs are coordinated and recorded beyond this machine: `READYBOOK_STORE`, a PostgreSQL
 * connection string (`postgresql://role:password@host:5432/db` or libpq `key=value` words). Without
 * it the local file store (READYBOOK_HOME) is the only one and everything works as it always did.
 *
 * The string is a secret (it may carry a password): it is never printed. `describeStore` gives what
 * messages may show, and `maskStoreText` removes the password from any text (a driver's error).
 */
export const STORE_ENV = 'READYBOOK_STORE';

export interface StoreConfig {
  /** The connection string as given: for the driver only, never for output. */
  url: string;
  /** What messages show: the string with its password replaced by `***`. */
  label: string;
  /** The password, if the string has one: masked wherever store text is shown. */
  password?: string;
}

export function storeConfig(env: NodeJS.ProcessEnv = process.env): StoreConfig | undefined {
  const url = env[STORE_ENV]?.trim();
  if (!url) return undefined;
  const password = passwordOf(url);
  return { url, label: describeStore(url), ...(password ? { password } : {}) };
}

/** A URL's parts around its password: `scheme://user:` + password + `@host…` (the last `@` of the authority ends it, as URL parsers read it). */
function splitUrl(url: string): { before: string; password: string; after: string } | undefined {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)([\s\S]*)$/i.exec(url);
  if (!match) return undefined;
  const authority = match[2]!;
  const at = authority.lastIndexOf('@');
  if (at < 0) return undefined;
  const colon = authority.indexOf(':');
  if (colon < 0 || colon > at) return undefined;
  return { before: `${match[1]}${authority.slice(0, colon + 1)}`, password: authority.slice(colon + 1, at), after: `${authority.slice(at)}${match[3]}` };
}

/** The password of a URL (`scheme://user:password@host`), of a `password=` query parameter or of a libpq `password=…` word. */
function passwordOf(url: string): string | undefined {
  const parts = splitUrl(url);
  const raw = parts?.password || /[?&]password=([^&#]*)/i.exec(url)?.[1];
  if (raw) {
    try {
      return decodeURIComponent(raw) || undefined;
    } catch {
      return raw;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return undefined;
  const word = /(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.|'')*'|\S+)/i.exec(url);
  if (!word) return undefined;
  const value = word[1]!;
  return value.startsWith("'") ? value.slice(1, -1).replace(/\\(.)/g, '$1').replace(/''/g, "'") : value;
}

/** The connection string with its password (in the URL, a `password=` word or a `password` query parameter) as `***`. */
export function describeStore(url: string): string {
  const parts = splitUrl(url);
  const masked = parts ? `${parts.before}***${parts.after}` : url.replace(/((?:^|\s)password\s*=\s*)('(?:[^'\\]|\\.|'')*'|\S+)/gi, '$1***');
  return masked.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** A password at least this long is masked wherever it appears; a shorter one where a connection string puts it. */
const MASK_ANYWHERE = 4;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Any text (a driver error, a log line) with the store's connection string and password masked. A
 * password of 4 characters or more is masked wherever it appears. A shorter one (a one-letter password
 * is still a password) is masked where connection text carries it (`user:…@host`, `password=…`), not in
 * every word that happens to contain its letters: masking `e` everywhere would turn `password
 * authentication failed for user` into `auth***ntication fail***d`, a message nobody can read.
 */
export function maskStoreText(config: StoreConfig, text: string): string {
  let out = text.split(config.url).join(config.label);
  if (!config.password) return out;
  for (const secret of new Set([config.password, encodeURIComponent(config.password)])) {
    if (secret.length >= MASK_ANYWHERE) {
      out = out.split(secret).join('***');
      continue;
    }
    const s = escapeRegExp(secret);
    out = out
      .replace(new RegExp(`(://[^\\s/@:]*:)${s}(@)`, 'g'), '$1***$2')
      .replace(new RegExp(`(password\\s*=\\s*)(['"]?)${s}\\2(?=[\\s&#;,)]|$)`, 'gi'), '$1$2***$2');
  }
  return out;
}
