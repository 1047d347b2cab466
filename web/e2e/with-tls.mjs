// Runs the end-to-end tests over HTTPS and WSS with a test CA:
//
//   node e2e/with-tls.mjs [test files...]     (default: every e2e/*.test.mjs)
//
// scripts/certs-init makes a CA and a certificate for the nodes in a temporary folder; the
// tests then run as usual (node --test) with BOOCODE_E2E_TLS_DIR naming it, so the harness
// starts every node with --tls-cert/--tls-key (and the cluster port's certificates) and
// Chromium accepts that certificate alone, and with NODE_EXTRA_CA_CERTS, so the tests' own
// fetch() calls verify the nodes against the CA. The page, its WebSocket and every REST call
// go over TLS; a test that still used http:// or ws:// would fail to connect.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const certsInit = path.resolve(webDir, '../scripts/certs-init');

/**
 * Runs a command with inherited output; resolves with its exit code.
 * @param {string} cmd @param {string[]} args @param {NodeJS.ProcessEnv} [env]
 * @returns {Promise<number>}
 */
function run(cmd, args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env, cwd: webDir });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.once('error', () => resolve(127));
  });
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'boocode-e2e-tls-'));
let code = 1;
try {
  code = await run(certsInit, [dir, 'node']);
  if (code !== 0) throw new Error(`scripts/certs-init failed with code ${code}`);
  const files = process.argv.slice(2);
  const tests =
    files.length > 0
      ? files
      : (await readdir(path.join(webDir, 'e2e'))).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => `e2e/${f}`);
  process.stderr.write(`e2e over TLS: certificates in ${dir}\n`);
  code = await run(process.execPath, ['--test', '--test-concurrency=1', ...tests], {
    ...process.env,
    BOOCODE_E2E_TLS_DIR: dir,
    NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem'),
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exit(code);
