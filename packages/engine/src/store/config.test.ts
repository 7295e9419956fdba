import { describe, expect, it } from 'vitest';
import { describeStore, maskStoreText, storeConfig } from './config.js';
import { lockKey } from './locks.js';

describe('READYBOOK_STORE', () => {
  it('is off when unset or blank', () => {
    expect(storeConfig({})).toBeUndefined();
    expect(storeConfig({ READYBOOK_STORE: '  ' })).toBeUndefined();
  });

  it('never shows the password of a URL, a libpq word or a query parameter', () => {
    expect(describeStore('postgresql://rb:s3cr%40t@db.example:5432/readybook')).toBe('postgresql://rb:***@db.example:5432/readybook');
    expect(describeStore('postgres://rb@db/readybook')).toBe('postgres://rb@db/readybook');
    expect(describeStore("host=db user=rb password='a b' dbname=readybook")).toBe('host=db user=rb password=*** dbname=readybook');
    expect(describeStore('postgresql://db/readybook?user=rb&password=hunter2&sslmode=require')).toBe('postgresql://db/readybook?user=rb&password=***&sslmode=require');
  });

  it('masks the password, raw and URL-encoded, and the whole string in any text', () => {
    const config = storeConfig({ READYBOOK_STORE: 'postgresql://rb:s3cr@t!@db:5432/readybook' })!;
    expect(config.password).toBe('s3cr@t!');
    expect(config.label).toBe('postgresql://rb:***@db:5432/readybook');
    expect(maskStoreText(config, `failed for postgresql://rb:s3cr@t!@db:5432/readybook: bad s3cr@t! or ${encodeURIComponent('s3cr@t!')}`)).toBe(
      'failed for postgresql://rb:***@db:5432/readybook: bad *** or ***',
    );
    const words = storeConfig({ READYBOOK_STORE: "host=db password='it''s' user=rb" })!;
    expect(maskStoreText(words, words.url)).not.toContain("it''s");
  });

  it('masks a one-character password where connection text carries it, and leaves the words of a message alone', () => {
    const config = storeConfig({ READYBOOK_STORE: 'postgresql://readybook:e@127.0.0.1:5432/readybook' })!;
    expect(config.label).toBe('postgresql://readybook:***@127.0.0.1:5432/readybook');
    expect(maskStoreText(config, 'password authentication failed for user "readybook"')).toBe('password authentication failed for user "readybook"');
    expect(maskStoreText(config, 'bad postgres://readybook:e@db/x, password=e or password="e"; host=db password=e')).toBe(
      'bad postgres://readybook:***@db/x, password=*** or password="***"; host=db password=***',
    );
    const digit = storeConfig({ READYBOOK_STORE: 'host=127.0.0.1 port=1 password=1' })!;
    expect(digit.label).toBe('host=127.0.0.1 port=1 password=***');
    expect(maskStoreText(digit, 'connect ECONNREFUSED 127.0.0.1:1 (password=1)')).toBe('connect ECONNREFUSED 127.0.0.1:1 (password=***)');
  });
});

describe('lock keys', () => {
  it('are stable signed 64-bit integers, different for a runbook and a resource of one name', () => {
    expect(lockKey('runbook:deploy')).toBe(lockKey('runbook:deploy'));
    expect(lockKey('runbook:deploy')).not.toBe(lockKey('resource:deploy'));
    const key = BigInt(lockKey('resource:db-prod'));
    expect(key >= -(2n ** 63n) && key < 2n ** 63n).toBe(true);
  });
});
