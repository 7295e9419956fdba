// Peak RSS of a running child process, polled from /proc (VmHWM: the process's own high-water mark).
import { readFileSync } from 'node:fs';

/** Starts polling `child`; the returned function stops and gives the peak in MiB. */
export function watchPeakRss(child, everyMs = 20) {
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {}
  }, everyMs);
  return () => {
    clearInterval(poll);
    return peak;
  };
}
