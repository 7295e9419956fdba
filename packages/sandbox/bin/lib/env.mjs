// Shared by the sandbox's Node scripts (Node 20 compatible). They read the sandbox from the environment
// that `. SANDBOX_DIR/env` (or `sandbox.sh <script>`) sets up.

export function fail(message, code = 1) {
  console.error(`sandbox: ${message}`);
  process.exit(code);
}

export function requireEnv(...names) {
  const missing = names.filter((name) => !process.env[name]);
  if (missing.length > 0) fail(`${missing.join(', ')} not set; source the sandbox env first: . .sandbox/env`, 3);
  return Object.fromEntries(names.map((name) => [name, process.env[name]]));
}

export function serviceUrl(path) {
  const { SERVICE_PORT } = requireEnv('SERVICE_PORT');
  return `http://127.0.0.1:${SERVICE_PORT}${path}`;
}

/** One HTTP request with a time limit; resolves to { status, body } or { status: 0, error }. */
export async function request(method, path, body) {
  try {
    const res = await fetch(serviceUrl(path), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(3_000),
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, body: json, text };
  } catch (error) {
    return { status: 0, error: error.cause?.code ?? error.message };
  }
}

/** Reads `--name value` options and positional arguments. */
export function parseArgs(argv) {
  const options = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) options[argv[i].slice(2)] = argv[++i];
    else positional.push(argv[i]);
  }
  return { options, positional };
}
