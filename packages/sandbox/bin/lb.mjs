#!/usr/bin/env node
// lb.mjs — the sandbox's HAProxy through its runtime API (admin socket $LB_SOCKET), kept in step with its
// configuration file (lb/haproxy.cfg, written from lb/servers.json):
//   lb.mjs show                          the backend's servers: status, weight, sessions now and in total
//   lb.mjs weight SERVER [N]             get, or set and read back, a server's weight (0–256)
//   lb.mjs state SERVER ready|drain|maint
//   lb.mjs wait-up SERVER [SECONDS]      until its health checks pass (default 30 s)
//   lb.mjs wait-drained SERVER [SECONDS] until it has no session open (default 30 s)
//   lb.mjs write-config                  write lb/haproxy.cfg from lb/servers.json (sandbox.sh up does)
// SERVER is stable or canary. Exit 0 done, 1 HAProxy failed or refused, 2 usage.
import { LbError, getWeight, readState, servers, setState, setWeight, waitDrained, waitUp, writeConfig } from './lib/haproxy.mjs';

const [verb, server, arg] = process.argv.slice(2);
const usage = () => {
  console.error('usage: lb.mjs show | weight SERVER [N] | state SERVER ready|drain|maint | wait-up SERVER [S] | wait-drained SERVER [S] | write-config');
  process.exit(2);
};
const seconds = verb?.startsWith('wait-') && arg !== undefined ? Number(arg) : 30;
if (!Number.isFinite(seconds) || seconds <= 0) usage();

try {
  switch (verb) {
    case 'show':
      for (const [name, s] of Object.entries(await servers())) {
        console.log(`${name.padEnd(7)} ${s.status.padEnd(6)} weight ${String(s.weight).padStart(3)}  sessions ${s.scur} now, ${s.stot} total  check ${s.checkStatus}`);
      }
      break;
    case 'weight':
      if (!server) usage();
      if (arg === undefined) console.log(await getWeight(server));
      else if (!/^\d+$/.test(arg)) throw new LbError(`a weight is an integer from 0 to 256, got "${arg}"`);
      else console.log(`${server}: weight ${await setWeight(server, Number(arg))}`);
      break;
    case 'state':
      if (!server || !arg) usage();
      await setState(server, arg);
      console.log(`${server}: ${arg}`);
      break;
    case 'wait-up':
      if (!server) usage();
      await waitUp(server, seconds);
      console.log(`${server}: UP`);
      break;
    case 'wait-drained':
      if (!server) usage();
      await waitDrained(server, seconds);
      console.log(`${server}: drained`);
      break;
    case 'write-config':
      console.log(writeConfig(process.env, readState()));
      break;
    default:
      usage();
  }
} catch (error) {
  if (!(error instanceof LbError)) throw error;
  console.error(`lb: ${error.message}`);
  process.exit(1);
}
