// End-to-end harness: runs the real `boocode` node and a headless system Chromium.
//
//   import { startNode, stopNode, launchBrowser, waitFor } from './harness.mjs';
//
//   const node = await startNode();            // node.url = "http://127.0.0.1:PORT"
//   const browser = await launchBrowser();
//   const page = await browser.newPage();
//   ...
//   await browser.close();
//   await stopNode(node);                      // SIGTERM, expects exit code 0
//
// Restarting a node with the same database, on the same address (a page stays on its URL):
//
//   await stopNode(node, { keepData: true });
//   const again = await restartNode(node);     // same --data-dir, same port
//
// A cluster of nodes on one PostgreSQL (the first node's embedded server), and a node killed:
//
//   const nodes = await startCluster(3, { extraArgs: [...] });   // nodes[0] hosts the database
//   await sqlScalar(nodes[0], "SELECT node_id FROM actor_leases WHERE actor_id = '...'");
//   await killNode(nodes[1]);                  // SIGKILL, expects death by it
//   await stopCluster(nodes);                  // SIGTERM each (the database's host last)
//
// Environment:
//   BOOCODE_BIN          node binary (default: ../build/bin/boocode relative to web/)
//   BOOCODE_WEB_DIR      static files the node serves (default: web/dist)
//   CHROMIUM_BIN         browser binary (default: /usr/bin/chromium)
//   BOOCODE_E2E_VERBOSE  =1 to echo the node's stdout/stderr while tests run
//   BOOCODE_E2E_KEEP     =1 to keep temp data dirs after stopNode()
//   BOOCODE_E2E_TLS_DIR  a folder with ca.pem, node.pem and node.key (e2e/with-tls.mjs makes
//                        it): nodes serve HTTPS and WSS and speak mutual TLS on their cluster
//                        port, and Chromium accepts that certificate alone
//
// A describe() that needs a node and a browser (and a workspace for chats) for all its tests:
//
//   const suite = nodeSuite({ script: fixture('chat-script.json'), workspace: true });
//   it('...', async () => {
//     const { node, browser } = suite.started();
//     const page = await browser.newPage();
//     const problems = watchPage(page);
//     await openChat(page, node, await createChat(node, { workspace: suite.workspace, title: 'T' }), 'T');
//     ...
//     await closePage(page, problems);    // no protocol error, no page error, then close
//   });
//
// Nothing here sleeps for a fixed time: every wait is on a condition with a deadline.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const boocodeBin = process.env.BOOCODE_BIN
  ? path.resolve(process.env.BOOCODE_BIN)
  : path.resolve(webDir, '../build/bin/boocode');
export const distDir = process.env.BOOCODE_WEB_DIR
  ? path.resolve(process.env.BOOCODE_WEB_DIR)
  : path.join(webDir, 'dist');
export const chromiumBin = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/** The path of a file in e2e/fixtures/ (model scripts). @param {string} name */
export function fixture(name) {
  return path.join(webDir, 'e2e', 'fixtures', name);
}

const tlsDir = process.env.BOOCODE_E2E_TLS_DIR ?? '';
/** Whether this run's nodes serve HTTPS and WSS (BOOCODE_E2E_TLS_DIR). */
export const overTls = tlsDir !== '';
/** The flags that put a node's HTTP and cluster ports on the test certificate. */
const TLS_ARGS = overTls
  ? [
      '--tls-cert', path.join(tlsDir, 'node.pem'),
      '--tls-key', path.join(tlsDir, 'node.key'),
      '--cluster-cert', path.join(tlsDir, 'node.pem'),
      '--cluster-key', path.join(tlsDir, 'node.key'),
      '--cluster-ca', path.join(tlsDir, 'ca.pem'),
    ]
  : [];

/**
 * The base64 SHA-256 of a certificate's public key, as Chromium's
 * --ignore-certificate-errors-spki-list takes it (it then accepts that key alone).
 * @param {string} pemFile
 */
function spkiHash(pemFile) {
  const der = new X509Certificate(readFileSync(pemFile)).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

const verbose = process.env.BOOCODE_E2E_VERBOSE === '1';
const keepTemp = process.env.BOOCODE_E2E_KEEP === '1';

export const READY_TIMEOUT_MS = 60_000;
export const STOP_TIMEOUT_MS = 20_000;
const READY_RE = /^boocode listening on (https?:\/\/\S+)$/;
/** The node logs where its admin port listens before it says it is ready. */
const ADMIN_RE = /admin port (\S+)$/;
/** A node with the embedded PostgreSQL logs the socket directory it serves on. */
const PG_SOCKET_RE = /starting PostgreSQL \(pid \d+\) on socket (\S+)$/;
const TAIL_LINES = 200;

/** @type {Set<import('node:child_process').ChildProcess>} */
const liveChildren = new Set();
// If a test crashes before stopNode(), do not leave nodes running behind us.
process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

/**
 * @typedef {object} NodeHandle
 * @property {string} url                 base URL, e.g. "http://127.0.0.1:41234"
 * @property {string} adminAddress        its admin port, HOST:PORT (from its start-up log)
 * @property {string} pgSocketDir         the socket dir of its embedded PostgreSQL (from its
 *                                        start-up log); '' for a node started with --database-url
 * @property {string} dataDir             the fresh --data-dir of this node
 * @property {import('node:child_process').ChildProcess} child
 * @property {string[]} args              the arguments the node was started with
 * @property {string[]} stdoutLines       every stdout line so far
 * @property {() => string} stderrTail    the last lines of stderr, joined
 * @property {Promise<{code: number | null, signal: NodeJS.Signals | null}>} exited
 */

/**
 * Spawns `boocode serve` on an ephemeral port with a fresh data dir and waits for its
 * "boocode listening on URL" line. `dataDir` reuses a data dir (a node stopped with
 * `keepData`), `listen` a fixed address instead of 127.0.0.1:0.
 * @param {{extraArgs?: string[], env?: Record<string, string>, readyTimeoutMs?: number,
 *          dataDir?: string, listen?: string}} [opts]
 * @returns {Promise<NodeHandle>}
 */
export async function startNode(opts = {}) {
  const { extraArgs = [], env = {}, readyTimeoutMs = READY_TIMEOUT_MS, listen = '127.0.0.1:0' } = opts;
  if (!existsSync(boocodeBin)) {
    throw new Error(`node binary not found: ${boocodeBin} (build it, or set BOOCODE_BIN)`);
  }
  if (!existsSync(path.join(distDir, 'index.html'))) {
    throw new Error(`${distDir}/index.html not found: run \`npm run build\` in web/ first`);
  }
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'boocode-e2e-data-')));
  // mkdtemp makes the dir 0700. When we run as root, the node runs its embedded PostgreSQL
  // as another user ('postgres'), which must be able to enter the data dir.
  await chmod(dataDir, 0o711);
  const args = [
    'serve',
    '--listen', listen,
    '--cluster-listen', '127.0.0.1:0',
    '--admin-listen', '127.0.0.1:0',
    '--data-dir', dataDir,
    '--web-dir', distDir,
    ...TLS_ARGS,
    '--log-level', 'info', // restartNode takes the arguments after its value as extraArgs
    ...extraArgs,
  ];
  const child = spawn(boocodeBin, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  liveChildren.add(child);

  /** @type {string[]} */
  const stderrLines = [];
  /** @type {string[]} */
  const stdoutLines = [];
  const stderrTail = () => stderrLines.slice(-TAIL_LINES).join('\n');

  /** @type {Promise<{code: number | null, signal: NodeJS.Signals | null}>} */
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      liveChildren.delete(child);
      stderrLines.push(`[spawn error] ${err.message}`);
      resolve({ code: null, signal: null });
    });
  });

  let adminAddress = '';
  let pgSocketDir = '';
  readline.createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stderr) })
    .on('line', (line) => {
      const admin = ADMIN_RE.exec(line.trim());
      if (admin && admin[1] && !adminAddress) adminAddress = admin[1];
      const socket = PG_SOCKET_RE.exec(line.trim());
      if (socket && socket[1] && !pgSocketDir) pgSocketDir = socket[1];
      stderrLines.push(line);
      if (stderrLines.length > TAIL_LINES * 2) stderrLines.splice(0, TAIL_LINES);
      if (verbose) process.stderr.write(`[boocode:err] ${line}\n`);
    });

  /** @type {Promise<string>} */
  const ready = new Promise((resolve) => {
    readline.createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stdout) })
      .on('line', (line) => {
        stdoutLines.push(line);
        if (verbose) process.stderr.write(`[boocode:out] ${line}\n`);
        const m = READY_RE.exec(line.trim());
        if (m && m[1]) resolve(m[1].replace(/\/+$/, ''));
      });
  });

  /** @type {NodeHandle} */
  const handle = { url: '', adminAddress: '', pgSocketDir: '', dataDir, child, args, stdoutLines, stderrTail, exited };
  let timer;
  try {
    const outcome = await Promise.race([
      ready.then((url) => ({ kind: /** @type {const} */ ('ready'), url })),
      exited.then((e) => ({ kind: /** @type {const} */ ('exited'), ...e })),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve({ kind: 'timeout' }), readyTimeoutMs);
      }).then(() => ({ kind: /** @type {const} */ ('timeout') })),
    ]);
    if (outcome.kind === 'ready') {
      handle.url = outcome.url;
      handle.adminAddress = adminAddress;
      handle.pgSocketDir = pgSocketDir;
      return handle;
    }
    const why =
      outcome.kind === 'exited'
        ? `exited (code ${outcome.code}, signal ${outcome.signal}) before it was ready`
        : `printed no "boocode listening on URL" line within ${readyTimeoutMs} ms`;
    throw new Error(
      `boocode ${why}\ncommand: ${boocodeBin} ${args.join(' ')}\n` +
        `stdout:\n${stdoutLines.join('\n')}\nstderr tail:\n${stderrTail()}`,
    );
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    if (!keepTemp) await rm(dataDir, { recursive: true, force: true });
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends SIGTERM, waits for the node to exit, checks that it exited with code 0, and
 * removes its data dir (unless `keepData`, to start it again with restartNode).
 * @param {NodeHandle} node
 * @param {{timeoutMs?: number, keepData?: boolean}} [opts]
 */
export async function stopNode(node, opts = {}) {
  const { timeoutMs = STOP_TIMEOUT_MS, keepData = false } = opts;
  try {
    if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGTERM');
    const result = await exitedWithin(node, timeoutMs);
    if (result === null) {
      node.child.kill('SIGKILL');
      await node.exited;
      throw new Error(
        `boocode did not exit within ${timeoutMs} ms of SIGTERM\nstderr tail:\n${node.stderrTail()}`,
      );
    }
    if (result.code !== 0) {
      throw new Error(
        `boocode exited with code ${result.code}, signal ${result.signal} after SIGTERM ` +
          `(expected code 0)\nstderr tail:\n${node.stderrTail()}`,
      );
    }
  } finally {
    if (!keepTemp && !keepData) await rm(node.dataDir, { recursive: true, force: true });
  }
}

/**
 * Starts a node stopped with `keepData` again: the same data dir (its database), the same
 * address (so pages on its URL reconnect to it), and the same extra arguments.
 * @param {NodeHandle} node
 * @param {{env?: Record<string, string>, readyTimeoutMs?: number}} [opts]
 * @returns {Promise<NodeHandle>}
 */
export async function restartNode(node, opts = {}) {
  const listen = new URL(node.url).host;
  const i = node.args.indexOf('--log-level');
  const extraArgs = i >= 0 ? node.args.slice(i + 2) : [];
  return startNode({ ...opts, extraArgs, dataDir: node.dataDir, listen });
}

/**
 * How the node's process ended, or null when it is still running after `timeoutMs`.
 * @param {NodeHandle} node
 * @param {number} timeoutMs
 */
async function exitedWithin(node, timeoutMs) {
  let timer;
  const result = await Promise.race([
    node.exited,
    new Promise((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }).then(() => null),
  ]);
  clearTimeout(timer);
  return result;
}

/**
 * SIGKILLs a node (as a crash would), waits for it to die of that signal, and removes its data
 * dir (unless BOOCODE_E2E_KEEP). Its handle keeps its output (stderrTail) for diagnostics.
 * @param {NodeHandle} node
 * @param {{timeoutMs?: number}} [opts]
 */
export async function killNode(node, opts = {}) {
  const { timeoutMs = STOP_TIMEOUT_MS } = opts;
  node.child.kill('SIGKILL');
  const result = await exitedWithin(node, timeoutMs);
  if (!keepTemp) await rm(node.dataDir, { recursive: true, force: true });
  assert.ok(result, `boocode did not die within ${timeoutMs} ms of SIGKILL`);
  assert.equal(result.signal, 'SIGKILL', `boocode exited with code ${result.code}, signal ${result.signal}`);
}

/** Whether the node's process has exited (stopped, killed or crashed). @param {NodeHandle} node */
export function hasExited(node) {
  return node.child.exitCode !== null || node.child.signalCode !== null;
}

/**
 * The connection string of the embedded PostgreSQL a node started (storage/embedded_postgres.cpp:
 * superuser `boocode`, database `boocode`, port 5432 on a Unix socket, no TCP), for other nodes'
 * --database-url and for sqlScalar.
 * @param {NodeHandle} node
 */
export function embeddedDatabaseUrl(node) {
  assert.ok(node.pgSocketDir, 'the node logged no embedded PostgreSQL socket (was it started with --database-url?)');
  return `host=${node.pgSocketDir} port=5432 user=boocode dbname=boocode`;
}

/**
 * Runs one query with psql against the embedded PostgreSQL of `node` and returns the first
 * column of its first row ('' when there is none).
 * @param {NodeHandle} node
 * @param {string} query
 * @returns {Promise<string>}
 */
export function sqlScalar(node, query) {
  const conninfo = embeddedDatabaseUrl(node);
  return new Promise((resolve, reject) => {
    execFile(
      'psql',
      ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', conninfo, '-c', query],
      { timeout: 10_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`psql ${JSON.stringify(query)}: ${err.message}\n${stderr}`));
        else resolve(stdout.split('\n')[0]?.trim() ?? '');
      },
    );
  });
}

/** Heartbeat and node timeout of e2e clusters: a killed or hung node is noticed fast. */
export const CLUSTER_ARGS = ['--heartbeat-interval', '250ms', '--node-timeout', '1500ms'];

/**
 * Starts `count` nodes of one cluster on one PostgreSQL, one after the other, with the node ids
 * `node-a`, `node-b`, ...: the first with its embedded PostgreSQL (under its data dir), the
 * others with --database-url pointed at that server. So the first node must outlive the others:
 * kill any but it, and stop it last (stopCluster does).
 * @param {number} count
 * @param {{extraArgs?: string[]}} [opts]
 * @returns {Promise<NodeHandle[]>}
 */
export async function startCluster(count, opts = {}) {
  const { extraArgs = [] } = opts;
  /** @type {NodeHandle[]} */
  const nodes = [];
  try {
    for (let i = 0; i < count; i++) {
      const id = `node-${String.fromCharCode(97 + i)}`;
      const database = i === 0 ? [] : ['--database-url', embeddedDatabaseUrl(/** @type {NodeHandle} */ (nodes[0]))];
      nodes.push(await startNode({ extraArgs: ['--node-id', id, ...database, ...CLUSTER_ARGS, ...extraArgs] }));
    }
  } catch (err) {
    await stopCluster(nodes).catch(() => {});
    throw err;
  }
  return nodes;
}

/**
 * Stops a cluster's nodes with SIGTERM (each drains its chats to the ones still up, then exits
 * with code 0), the database's host (the first) last; nodes that exited already (killNode) are
 * skipped. Stops every node even when one fails, then throws the failures.
 * @param {NodeHandle[]} nodes
 */
export async function stopCluster(nodes) {
  /** @type {unknown[]} */
  const failures = [];
  for (const node of [...nodes.slice(1).reverse(), ...nodes.slice(0, 1)]) {
    if (hasExited(node)) {
      if (!keepTemp) await rm(node.dataDir, { recursive: true, force: true });
      continue;
    }
    try {
      await stopNode(node);
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} nodes did not stop cleanly`);
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * @typedef {object} BrowserHandle
 * @property {import('playwright-core').BrowserContext} context
 * @property {() => Promise<import('playwright-core').Page>} newPage
 * @property {() => Promise<void>} close   closes the browser and removes its profile dir
 */

/**
 * Launches headless system Chromium with a fresh, throw-away profile.
 * @param {{viewport?: {width: number, height: number}}} [opts]
 * @returns {Promise<BrowserHandle>}
 */
export async function launchBrowser(opts = {}) {
  if (!existsSync(chromiumBin)) {
    throw new Error(`chromium not found at ${chromiumBin} (set CHROMIUM_BIN)`);
  }
  const profileDir = await mkdtemp(path.join(os.tmpdir(), 'boocode-e2e-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: chromiumBin,
      headless: true,
      args: overTls
        ? [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${spkiHash(path.join(tlsDir, 'node.pem'))}`]
        : CHROMIUM_ARGS,
      viewport: opts.viewport ?? { width: 1024, height: 640 },
      timeout: 60_000,
    });
  } catch (err) {
    await rm(profileDir, { recursive: true, force: true });
    throw err;
  }
  const ctx = context;
  return {
    context: ctx,
    newPage: () => ctx.newPage(),
    close: async () => {
      try {
        await ctx.close();
      } finally {
        await rm(profileDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Polls `check` until it returns a truthy value or the deadline passes.
 * @template T
 * @param {() => T | Promise<T>} check
 * @param {{timeoutMs?: number, intervalMs?: number, what?: string}} [opts]
 * @returns {Promise<T>}
 */
export async function waitFor(check, opts = {}) {
  const { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = opts;
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${suffix}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Waits until the element with data-testid `testId` has exactly the text `expected`.
 * On timeout the error says what the element showed instead.
 * @param {import('playwright-core').Page} page
 * @param {string} testId
 * @param {string} expected
 * @param {{timeoutMs?: number}} [opts]
 */
export async function waitForTestIdText(page, testId, expected, opts = {}) {
  const { timeoutMs = 15_000 } = opts;
  try {
    await page.waitForFunction(
      ([id, want]) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() === want,
      [testId, expected],
      { timeout: timeoutMs, polling: 'raf' },
    );
  } catch (err) {
    const actual = await page
      .locator(`[data-testid="${testId}"]`)
      .first()
      .textContent({ timeout: 1000 })
      .catch(() => '<element not found>');
    throw new Error(
      `[data-testid="${testId}"] showed ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)} ` +
        `within ${timeoutMs} ms: ${err instanceof Error ? err.message.split('\n')[0] : err}`,
    );
  }
}

/**
 * Text content of the element with data-testid `testId`, trimmed.
 * @param {import('playwright-core').Page} page
 * @param {string} testId
 */
export async function testIdText(page, testId) {
  return ((await page.locator(`[data-testid="${testId}"]`).textContent()) ?? '').trim();
}

/**
 * @typedef {object} Suite
 * @property {NodeHandle | undefined} node        the suite's node; a test that restarts it stores the new one here
 * @property {BrowserHandle | undefined} browser
 * @property {string} workspace                   the temp workspace (with `workspace: true`), else ''
 * @property {() => {node: NodeHandle, browser: BrowserHandle}} started  node and browser, asserting both are up
 */

/** The viewport of the chat tests. */
export const CHAT_VIEWPORT = { width: 1280, height: 800 };

/**
 * Registers before() and after() hooks in the calling describe(): before its tests, a node
 * (with `script`, on the scripted model: `--model-script script`), a browser (`viewport`,
 * CHAT_VIEWPORT by default) and with `workspace` a temp dir for chats; after them, closes the
 * browser, stops the node (expecting exit code 0) and removes the workspace.
 * @param {{script?: string, workspace?: boolean, viewport?: {width: number, height: number}}} [opts]
 * @returns {Suite}
 */
export function nodeSuite(opts = {}) {
  /** @type {Suite} */
  const suite = {
    node: undefined,
    browser: undefined,
    workspace: '',
    started() {
      const { node, browser } = suite;
      assert.ok(node && browser);
      return { node, browser };
    },
  };
  before(async () => {
    if (opts.workspace) suite.workspace = await tempWorkspace();
    suite.node = await startNode(opts.script ? { extraArgs: ['--model-script', opts.script] } : {});
    suite.browser = await launchBrowser({ viewport: opts.viewport ?? CHAT_VIEWPORT });
  });
  after(async () => {
    await suite.browser?.close();
    if (suite.node) await stopNode(suite.node);
    if (suite.workspace && !keepTemp) await rm(suite.workspace, { recursive: true, force: true });
  });
  return suite;
}

/** A fresh temp dir for chats to work in. */
export async function tempWorkspace() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'boocode-e2e-ws-'));
  // mkdtemp makes it 0700; a node running as root may work in it as another user.
  await chmod(dir, 0o755);
  return dir;
}

/**
 * Collects the page's uncaught errors (their messages).
 * @param {import('playwright-core').Page} page
 */
export function pageErrorsOf(page) {
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

/**
 * Collects the page's uncaught errors and what the app logs to the console as a problem
 * (messages starting "boocode:").
 * @param {import('playwright-core').Page} page
 */
export function watchPage(page) {
  /** @type {string[]} */
  const problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.text().startsWith('boocode:')) problems.push(`console.${msg.type()}: ${msg.text()}`);
  });
  return problems;
}

/**
 * The end of a test's page: it shows no protocol error, nothing went wrong in it (`problems`,
 * from watchPage or pageErrorsOf), and it closes.
 * @param {import('playwright-core').Page} page
 * @param {string[]} problems
 */
export async function closePage(page, problems) {
  assert.equal(await page.getByTestId('protocol-error').count(), 0);
  assert.deepEqual(problems, []);
  await page.close();
}

/**
 * Saves a screenshot of the page to the temp dir as boocode-e2e-`name`-PID.png and names it in
 * the test's diagnostics.
 * @param {import('playwright-core').Page} page
 * @param {{diagnostic: (message: string) => void}} t   the test's context
 * @param {string} name
 * @param {{fullPage?: boolean}} [opts]
 */
export async function screenshot(page, t, name, opts = {}) {
  const shot = path.join(os.tmpdir(), `boocode-e2e-${name}-${process.pid}.png`);
  await page.screenshot({ path: shot, ...opts });
  t.diagnostic(`screenshot: ${shot}`);
}

/**
 * Runs `boocode admin --connect <the node's admin port> ...args` (docs/admin.md) and returns its
 * exit code and output.
 * @param {NodeHandle} node
 * @param {...string} args
 * @returns {Promise<{code: number | null, stdout: string, stderr: string}>}
 */
export async function boocodeAdmin(node, ...args) {
  assert.ok(node.adminAddress, 'the node logged no admin port');
  const child = spawn(boocodeBin, ['admin', '--connect', node.adminAddress, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => {
    child.once('exit', (c) => resolve(c));
    child.once('error', (err) => {
      stderr += err.message;
      resolve(null);
    });
  });
  return { code: /** @type {number | null} */ (code), stdout, stderr };
}

/**
 * Creates a chat over the API (POST /api/chats, answered 201) and returns its id.
 * @param {NodeHandle} node
 * @param {{workspace: string, title?: string, permission_mode?: string, network?: boolean}} body
 * @returns {Promise<string>}
 */
export async function createChat(node, body) {
  const res = await fetch(`${node.url}/api/chats`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201);
  return /** @type {{id: string}} */ (await res.json()).id;
}

/**
 * Opens the page of a chat and waits until the WebSocket is connected and the chat's title shows.
 * @param {import('playwright-core').Page} page
 * @param {{url: string}} node
 * @param {string} chatId
 * @param {string} title
 */
export async function openChat(page, node, chatId, title) {
  await page.goto(`${node.url}/chats/${encodeURIComponent(chatId)}`);
  await waitForTestIdText(page, 'ws-status', 'connected');
  await waitForTestIdText(page, 'chat-title', title);
}

/**
 * The id of the chat the page shows, from its URL (/chats/<id>).
 * @param {import('playwright-core').Page} page
 */
export function openedChatId(page) {
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
}

/**
 * Types `text` into the composer and sends it with the Send button.
 * @param {import('playwright-core').Page} page
 * @param {string} text
 */
export async function compose(page, text) {
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('composer-send').click();
}

/**
 * Whether the top of `target` is inside the visible box of its scroller `container`.
 * @param {import('playwright-core').Locator} container
 * @param {import('playwright-core').Locator} target
 */
export async function isInView(container, target) {
  const box = await container.boundingBox();
  const el = await target.boundingBox();
  return !!box && !!el && el.y >= box.y - 1 && el.y < box.y + box.height;
}
