// Reading the files of a directory-format dump (pg_dump -Fd) once each: shared by backup.mjs (which reads every
// table back as pg_dump finishes it) and verify-backup.mjs (which reads them again later).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

/**
 * Reads a file once: resolves to { sha256 } and, with `rows`, its (gunzipped) COPY data's row count
 * ({ sha256, rows }) or the reason it cannot be read back ({ sha256, error }). Never rejects.
 */
export function readOnce(path, rows) {
  return new Promise((done) => {
    const hash = createHash('sha256');
    const input = createReadStream(path, { highWaterMark: 1 << 20 });
    let newlines = 0;
    let tail = '';
    let pending = rows ? 2 : 1;
    const result = {};
    const finish = () => {
      pending -= 1;
      if (pending === 0) done(result);
    };
    input.on('error', (error) => done({ error: `cannot read it (${error.message})` }));
    input.on('data', (chunk) => hash.update(chunk));
    input.on('end', () => {
      result.sha256 = hash.digest('hex');
      finish();
    });
    if (!rows) return;
    // Table data is gzip (NNNN.dat.gz) unless the dump was made with -Z0 (NNNN.dat).
    const data = path.endsWith('.gz') ? input.pipe(createGunzip({ chunkSize: 1 << 18 })) : input;
    data.on('data', (chunk) => {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) newlines += 1;
      tail = (tail + chunk.subarray(-6).toString('latin1')).slice(-6);
    });
    if (data !== input) {
      data.on('error', (error) => {
        input.unpipe(data);
        input.resume(); // unpiping paused it; the hash still needs the rest of the file
        result.error = `its data does not decompress (${error.message})`;
        finish();
      });
    }
    data.on('end', () => {
      // COPY text data as pg_dump writes it: one line a row, then the end marker `\.` and two empty lines.
      if (newlines === 3 ? tail !== '\\.\n\n\n' : tail !== '\n\\.\n\n\n') result.error = 'its data stops before the end-of-data marker';
      else result.rows = newlines - 3;
      finish();
    });
  });
}

/** Runs `task(item)` for every item, at most `jobs` at once, in the order given; items may be pushed while it runs. */
export function pool(jobs) {
  const queue = [];
  const running = new Set();
  let wake;
  const pump = () => {
    while (running.size < jobs && queue.length > 0) {
      const job = queue.shift();
      const promise = job().finally(() => {
        running.delete(promise);
        pump();
        wake?.();
      });
      running.add(promise);
    }
  };
  return {
    push(job) {
      queue.push(job);
      pump();
    },
    /** Resolves once the queue is empty and nothing runs. */
    async drained() {
      while (queue.length > 0 || running.size > 0) await new Promise((resolve) => (wake = resolve));
    },
  };
}
