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
// Environment:
//   BOOCODE_BIN          node binary (default: ../build/bin/boocode relative to web/)
//   BOOCODE_WEB_DIR      static files the node serves (default: web/dist)
//   CHROMIUM_BIN         browser binary (default: /usr/bin/chromium)
//   BOOCODE_E2E_VERBOSE  =1 to echo the node's stdout/stderr while tests run
//   BOOCODE_E2E_KEEP     =1 to keep temp data dirs after stopNode()
//
// Nothing here sleeps for a fixed time: every wait is on a condition with a deadline.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
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

const verbose = process.env.BOOCODE_E2E_VERBOSE === '1';
const keepTemp = process.env.BOOCODE_E2E_KEEP === '1';

export const READY_TIMEOUT_MS = 60_000;
export const STOP_TIMEOUT_MS = 20_000;
const READY_RE = /^boocode listening on (http:\/\/\S+)$/;
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
    '--data-dir', dataDir,
    '--web-dir', distDir,
    '--log-level', 'info',
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

  readline.createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stderr) })
    .on('line', (line) => {
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
  const handle = { url: '', dataDir, child, args, stdoutLines, stderrTail, exited };
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
    let timer;
    const result = await Promise.race([
      node.exited,
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }).then(() => null),
    ]);
    clearTimeout(timer);
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
      args: CHROMIUM_ARGS,
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
