// The workflow API, run once into the sandbox's startup snapshot
// (runtime/sandbox/snapshot.cpp). Every run's context starts from it.
//
// Natives (runtime/sandbox/natives.cpp), taken out of the global object here:
//   call(kind, path, specJson) -> Promise   an agent() or workflow() the host runs
//   value(kind, path) -> number             Date.now() / Math.random(), journaled by path
//   scope() / enter(scope)                  the structural scope, kept across awaits
//   event(kind, path, text, phase)          log() and phase()
//   spent() -> number                       tokens spent by the run's steps
'use strict';
(() => {
  const N = globalThis.__boocode;
  delete globalThis.__boocode;

  // What a sandboxed script must not reach. V8 installs some of these again
  // in each context made from the snapshot, so __start removes them too.
  const removeForbidden = () => {
    for (const name of ['WebAssembly', 'SharedArrayBuffer', 'Atomics', 'FinalizationRegistry',
                        'WeakRef']) {
      delete globalThis[name];
    }
  };
  removeForbidden();

  // Structural paths: every agent(), parallel(), pipeline(), workflow(),
  // Date.now() and Math.random() is numbered within the scope it is called
  // in. parallel() and pipeline() give each item (and stage) a scope of its
  // own, which follows the item's code across its awaits, so a path does not
  // depend on the order in which steps finish.
  const root = { path: '', counts: Object.create(null) };
  const current = () => N.scope() ?? root;
  const nextPath = (kind) => {
    const scope = current();
    const n = scope.counts[kind] ?? 0;
    scope.counts[kind] = n + 1;
    return (scope.path ? scope.path + '/' : '') + kind + '-' + n;
  };
  const within = (path, f) => {
    const previous = N.scope();
    N.enter({ path, counts: Object.create(null) });
    try {
      return f();
    } finally {
      N.enter(previous);
    }
  };

  let phaseTitle = '';
  const say = (text) => N.event('log', nextPath('log'), String(text), phaseTitle);

  // Replay-safe time and randomness.
  const RealDate = Date;
  const now = () => N.value('now', nextPath('now'));
  function SafeDate(...args) {
    if (new.target === undefined) {
      return new RealDate(now()).toString();
    }
    return Reflect.construct(RealDate, args.length === 0 ? [now()] : args, new.target);
  }
  Object.defineProperty(SafeDate, 'name', { value: 'Date' });
  Object.defineProperty(SafeDate, 'length', { value: 7 });
  SafeDate.prototype = RealDate.prototype;
  Object.defineProperty(RealDate.prototype, 'constructor', {
    value: SafeDate, writable: true, configurable: true, enumerable: false });
  SafeDate.now = () => now();
  SafeDate.UTC = RealDate.UTC;
  SafeDate.parse = RealDate.parse;
  globalThis.Date = SafeDate;
  Math.random = () => N.value('random', nextPath('random'));

  // Intl formats the current time when given none.
  if (typeof Intl === 'object') {
    const proto = Intl.DateTimeFormat.prototype;
    const format = Object.getOwnPropertyDescriptor(proto, 'format').get;
    Object.defineProperty(proto, 'format', {
      configurable: true,
      get() {
        const bound = format.call(this);
        return (date) => bound(date === undefined ? SafeDate.now() : date);
      },
    });
    const toParts = proto.formatToParts;
    proto.formatToParts = function formatToParts(date) {
      return toParts.call(this, date === undefined ? SafeDate.now() : date);
    };
  }

  // console.* writes to the run's log.
  const consoleLog = (...parts) => say(parts.map((p) => (typeof p === 'string' ? p : safeJson(p))).join(' '));
  globalThis.console = Object.freeze({
    log: consoleLog, info: consoleLog, warn: consoleLog, error: consoleLog, debug: consoleLog });

  function safeJson(value) {
    try {
      return JSON.stringify(value) ?? String(value);
    } catch {
      return String(value);
    }
  }

  class BudgetExceeded extends Error {
    constructor(spent, total) {
      super(`the run's budget is spent: ${spent} of ${total} tokens`);
      this.name = 'BudgetExceeded';
      this.spent = spent;
      this.total = total;
    }
  }

  let budgetTotal = Infinity;
  const budget = Object.freeze({
    get total() { return budgetTotal; },
    spent: () => N.spent(),
    remaining: () => Math.max(0, budgetTotal - N.spent()),
  });

  const agentOptions = ['label', 'phase', 'model', 'tools', 'worktree', 'maxTurns', 'cache',
                        'schema'];

  // agent(prompt, opts?) -> the agent's final text, or with opts.schema an
  // object matching it; null when the step was stopped or failed for good.
  function agent(prompt, opts) {
    if (typeof prompt !== 'string' || prompt.trim() === '') {
      return Promise.reject(new TypeError('agent(prompt, opts?): prompt must be a non-empty string'));
    }
    if (opts !== undefined && opts !== null && (typeof opts !== 'object' || Array.isArray(opts))) {
      return Promise.reject(new TypeError('agent(prompt, opts?): opts must be an object'));
    }
    const schema = opts ? opts.schema : undefined;
    if (schema !== undefined && (schema === null || typeof schema !== 'object' || schema.type !== 'object')) {
      return Promise.reject(new TypeError("agent(prompt, { schema }): the schema's root must be " +
                                          "an object schema ({ type: 'object', properties: … })"));
    }
    const maxTurns = opts ? opts.maxTurns : undefined;
    if (maxTurns !== undefined && !(Number.isInteger(maxTurns) && maxTurns > 0)) {
      return Promise.reject(new TypeError('agent(prompt, { maxTurns }): maxTurns must be a ' +
                                          'positive integer (the model calls the agent may make)'));
    }
    const path = nextPath('agent');
    const spent = N.spent();
    if (spent >= budgetTotal) {
      return Promise.reject(new BudgetExceeded(spent, budgetTotal));
    }
    const spec = { prompt };
    for (const key of agentOptions) {
      if (opts && opts[key] !== undefined) {
        spec[key] = opts[key];
      }
    }
    if (spec.phase === undefined && phaseTitle !== '') {
      spec.phase = phaseTitle;
    }
    return N.call('agent', path, JSON.stringify(spec));
  }

  // parallel(thunks) -> their results in order; a thunk that throws gives null.
  function parallel(thunks) {
    if (!Array.isArray(thunks)) {
      return Promise.reject(new TypeError('parallel(thunks): thunks must be an array of functions'));
    }
    const base = nextPath('parallel');
    return Promise.all(thunks.map((thunk, i) => within(`${base}/item-${i}`, () => {
      const failed = (e) => {
        say(`parallel item ${i} failed: ${e && e.message ? e.message : String(e)}`);
        return null;
      };
      try {
        return Promise.resolve(typeof thunk === 'function' ? thunk() : thunk).catch(failed);
      } catch (e) {
        return failed(e);
      }
    })));
  }

  const maxPipelineItems = 4096;

  // pipeline(items, ...stages): each item goes through the stages on its own
  // (no barrier between stages); a stage that throws makes its item null.
  function pipeline(items, ...stages) {
    if (!Array.isArray(items)) {
      return Promise.reject(new TypeError('pipeline(items, ...stages): items must be an array'));
    }
    if (items.length > maxPipelineItems) {
      return Promise.reject(new RangeError(
        `pipeline(): ${items.length} items; at most ${maxPipelineItems}`));
    }
    if (stages.some((s) => typeof s !== 'function')) {
      return Promise.reject(new TypeError('pipeline(items, ...stages): every stage must be a function'));
    }
    const base = nextPath('pipeline');
    return Promise.all(items.map(async (item, i) => {
      let previous = item;
      for (let s = 0; s < stages.length; s++) {
        try {
          previous = await within(`${base}/item-${i}/stage-${s}`, () => stages[s](previous, item, i));
        } catch (e) {
          say(`pipeline item ${i} failed at stage ${s}: ${e && e.message ? e.message : String(e)}`);
          return null;
        }
      }
      return previous;
    }));
  }

  function workflow(name, args) {
    if (typeof name !== 'string' || name === '') {
      return Promise.reject(new TypeError('workflow(name, args?): name must be a non-empty string'));
    }
    return N.call('workflow', nextPath('workflow'), JSON.stringify({ name, args: args ?? null }));
  }

  function phase(title) {
    phaseTitle = String(title);
    N.event('phase', nextPath('phase'), phaseTitle, phaseTitle);
  }

  function log(message) {
    say(message);
  }

  const api = { agent, parallel, pipeline, workflow, phase, log, budget, BudgetExceeded };
  for (const [name, value] of Object.entries(api)) {
    Object.defineProperty(globalThis, name, { value, enumerable: false, configurable: false,
                                              writable: false });
  }

  // Called once per run, before the script, then gone.
  Object.defineProperty(globalThis, '__start', {
    configurable: true,
    value: (argsJson, total) => {
      delete globalThis.__start;
      removeForbidden();
      const args = JSON.parse(argsJson);
      Object.defineProperty(globalThis, 'args', { value: deepFreeze(args), enumerable: false });
      budgetTotal = typeof total === 'number' ? total : Infinity;
    },
  });

  function deepFreeze(value) {
    if (value && typeof value === 'object') {
      Object.values(value).forEach(deepFreeze);
      Object.freeze(value);
    }
    return value;
  }
})();
