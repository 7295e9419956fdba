// webhook.mjs PORT FILE — the sandbox's on-call pager: an Alertmanager webhook receiver on 127.0.0.1:PORT that
// appends every notification it gets to FILE, one JSON line each ({"receivedAt": ISO time, ...the payload}).
// GET /health answers 200; anything but POST / answers 404. Started and stopped by sandbox.sh up/down.
// The incident drill reads FILE to learn when it was notified (see runbooks/incident-drill.md).
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, file] = process.argv.slice(2);
if (!port || !file) {
  console.error('usage: webhook.mjs PORT FILE');
  process.exit(2);
}
const MAX_BODY = 1024 * 1024;
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return void res.writeHead(200).end('ok\n');
  if (req.method !== 'POST' || req.url !== '/') return void res.writeHead(404).end();
  let body = '';
  let size = 0;
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) req.destroy();
    else body += chunk;
  });
  req.on('end', () => {
    let payload;
    try {
      payload = JSON.parse(body);
    } catch {
      return void res.writeHead(400).end('not JSON\n');
    }
    appendFileSync(file, `${JSON.stringify({ receivedAt: new Date().toISOString(), ...payload })}\n`);
    const names = (payload.alerts ?? []).map((a) => `${a.labels?.alertname}=${a.status}`).join(' ');
    console.log(`${new Date().toISOString()} ${payload.status ?? '?'} ${names}`);
    res.writeHead(200).end('recorded\n');
  });
});
server.listen(Number(port), '127.0.0.1', () => console.log(`webhook receiver on 127.0.0.1:${port}, recording to ${file}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
