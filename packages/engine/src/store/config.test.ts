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
});

describe('lock keys', () => {
  it('are stable signed 64-bit integers, different for a runbook and a resource of one name', () => {
    expect(lockKey('runbook:deploy')).toBe(lockKey('runbook:deploy'));
    expect(lockKey('runbook:deploy')).not.toBe(lockKey('resource:deploy'));
    const key = BigInt(lockKey('resource:db-prod'));
    expect(key >= -(2n ** 63n) && key < 2n ** 63n).toBe(true);
  });
});
