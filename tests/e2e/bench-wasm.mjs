// The wasm build against native code, on the same inputs (run by `cargo xtask bench wasm`):
//   node bench-wasm.mjs [--budget SECS] [--iters N] [--markdown] [--profile] [--json OUT]
//                       [--pkg DIR] [--profile-pkg DIR] [PATH...]
//
// For every input and every operation the page performs (the exports `programs(bytes)`,
// `explain(bytes)` and `btf_dump(bytes)`), the native equivalent is timed by
// `argctx-bench native --json --op OP PATH` (the same core calls, results turned into JSON text),
// then the export is timed in headless Chromium, inside the served playground page, on a fresh
// instance of pkg/argctx_web.js. Both sides use one scheme: a warm-up (at least two calls and a
// tenth of the budget), then batches of k calls lasting at least 20 ms each (performance.now() is
// coarsened to 0.1 ms in the browser), the figure of a batch being its mean per call; a row reports
// the median of its batches. Ratio = wasm median / native median; the target is at most 1.5×.
//
// Without PATH: the default inputs of `argctx-bench native --list` (the largest fixture, generated
// objects, /sys/kernel/btf/vmlinux). --profile also records a CPU profile of each wasm row in
// Chromium (a separate pass, after the timing) and prints where the time goes; --profile-pkg DIR
// (any directory) takes the profiled module from a build that kept its name section (`cargo xtask
// bench wasm --profile` builds one), since pkg/ is stripped. --pkg DIR takes the timed module from
// another build under the repository (default pkg), for experiments with build options.
// Needs pkg/ (`cargo xtask wasm`) and the bench binary (`cargo build --release -p argctx-bench`,
// or ARGCTX_BENCH=path).

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ROOT, startBrowser, startServer } from './harness.mjs';

const BENCH = process.env.ARGCTX_BENCH ?? join(ROOT, 'target/release/argctx-bench');
const TARGET = 1.5;
const BATCH_MIN_MS = 20;

const opts = { budget: 3, iters: 0, markdown: false, profile: false, json: '', pkg: 'pkg', profilePkg: '', paths: [] };
for (let i = 2; i < process.argv.length; i += 1) {
  const a = process.argv[i];
  const value = () => {
    const v = process.argv[(i += 1)];
    if (v === undefined) throw new Error(`${a} needs a value`);
    return v;
  };
  if (a === '--budget') opts.budget = Number(value());
  else if (a === '--iters') opts.iters = Number(value());
  else if (a === '--markdown') opts.markdown = true;
  else if (a === '--profile') opts.profile = true;
  else if (a === '--json') opts.json = value();
  else if (a === '--pkg') opts.pkg = value().replace(/^\/+|\/+$/g, '');
  else if (a === '--profile-pkg') opts.profilePkg = value();
  else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
  else opts.paths.push(a);
}
if (!(opts.budget > 0)) throw new Error('--budget needs a positive number of seconds');

/** `argctx-bench native ARGS…`, parsed. */
function native(...args) {
  const r = spawnSync(BENCH, ['native', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`cannot run ${BENCH} (cargo build --release -p argctx-bench): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${BENCH} native ${args.join(' ')} failed: ${r.stderr}`);
  if (r.stderr.trim()) process.stderr.write(r.stderr);
  return JSON.parse(r.stdout);
}

const budgetArgs = ['--budget', String(opts.budget), ...(opts.iters ? ['--iters', String(opts.iters)] : [])];

// In the page: the timing loop (mirrors argctx-bench's `measure_batched`).
async function timeInPage({ op, budgetMs, iters, batchMin }) {
  const { glue, bytes } = window.argctxBench;
  const call = () => glue[op](bytes);
  const pause = () => new Promise((r) => setTimeout(r, 0));
  let out;
  const t0 = performance.now();
  try {
    out = call();
  } catch (e) {
    return { error: String(e?.message ?? e) };
  }
  const first = performance.now() - t0;
  const outputLen = new TextEncoder().encode(typeof out === 'string' ? out : JSON.stringify(out)).length;
  out = undefined;
  await pause();
  const start = performance.now();
  let spent = 0;
  let runs = 0;
  for (;;) {
    const t = performance.now();
    call();
    spent += performance.now() - t;
    runs += 1;
    if ((runs >= 2 && performance.now() - start >= budgetMs * 0.1) || spent / runs > 1000) break;
  }
  const per = Math.max(spent / runs, 1e-6);
  const perBatch = Math.max(1, Math.ceil(batchMin / per));
  const batches = iters || Math.min(101, Math.max(per > 10_000 ? 3 : 5, Math.floor(budgetMs / (per * perBatch))));
  const v = [];
  for (let b = 0; b < batches; b += 1) {
    await pause();
    const t = performance.now();
    for (let k = 0; k < perBatch; k += 1) call();
    v.push((performance.now() - t) / perBatch);
  }
  v.sort((a, b) => a - b);
  const n = v.length;
  const median = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return { median: median / 1e3, min: v[0] / 1e3, batches, per_batch: perBatch, first: first / 1e3, output_len: outputLen };
}

// In the page: `calls` calls for the profiler, or (warm) the unprofiled warm-up before them.
async function repeatInPage({ op, calls, warm }) {
  const { bytes } = window.argctxBench;
  const glue = window.argctxBench.profiled ?? window.argctxBench.glue;
  if (warm) {
    // Until the engine has optimised the hot functions of this instance: ≥ 2 calls and ≥ 0.5 s.
    const start = performance.now();
    for (let k = 0; k < 2 || performance.now() - start < 500; k += 1) glue[op](bytes);
    return;
  }
  for (let k = 0; k < calls; k += 1) glue[op](bytes);
}

// In the page: what turning the result into JS values would cost through JSON text instead
// (UTF-8 decoding of the JSON text, then JSON.parse), timed as in `timeInPage`.
async function parseInPage({ op, budgetMs, batchMin }) {
  const { glue, bytes } = window.argctxBench;
  const utf8 = new TextEncoder().encode(JSON.stringify(glue[op](bytes)));
  const decoder = new TextDecoder();
  const call = () => JSON.parse(decoder.decode(utf8));
  const start = performance.now();
  let runs = 0;
  while (runs < 2 || performance.now() - start < budgetMs * 0.1) {
    call();
    runs += 1;
  }
  const per = Math.max((performance.now() - start) / runs, 1e-6);
  const perBatch = Math.max(1, Math.ceil(batchMin / per));
  const v = [];
  for (let b = 0; b < 9; b += 1) {
    await new Promise((r) => setTimeout(r, 0));
    const t = performance.now();
    for (let k = 0; k < perBatch; k += 1) call();
    v.push((performance.now() - t) / perBatch);
  }
  v.sort((a, b) => a - b);
  return v[4] / 1e3;
}

/** Sub-steps of a call, by the functions on the stack of a sample (first match wins). */
const STEPS = [
  ['GC', (nm) => nm === '(garbage collector)'],
  ['copy in', (nm) => nm === 'passArray8ToWasm0'],
  ['to JS values', (nm) => nm.includes('serde_wasm_bindgen')],
  ['to JS string', (nm) => nm === 'getStringFromWasm0' || nm === 'decodeText'],
  ['free', (nm) => nm.startsWith('__wbindgen_free') || nm.startsWith('__rust_dealloc') || nm.includes('drop_in_place')],
  ['core', (nm) => nm.startsWith('argctx::') || nm.startsWith('<argctx::')],
  ['other', () => true],
];

/** Self and inclusive time per function of a CPU profile (Chromium's `Profiler.stop`). */
function summarise(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => {
    const f = n.callFrame;
    const base = f.functionName || (f.url ? `(anonymous ${f.url.split('/').pop()})` : '(anonymous)');
    return base.replace(/::h[0-9a-f]{16}$/, '');
  };
  const samples = new Map();
  for (const id of profile.samples) samples.set(id, (samples.get(id) ?? 0) + 1);
  const self = new Map();
  const incl = new Map();
  const steps = new Map(STEPS.map(([step]) => [step, 0]));
  let total = 0;
  for (const [id, count] of samples) {
    total += count;
    const leaf = byId.get(id);
    self.set(name(leaf), (self.get(name(leaf)) ?? 0) + count);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const nm = name(byId.get(cur));
      if (!seen.has(nm)) {
        seen.add(nm);
        incl.set(nm, (incl.get(nm) ?? 0) + count);
      }
    }
    const stack = [...seen];
    const [step] = STEPS.find(([, test]) => stack.some(test));
    steps.set(step, steps.get(step) + count);
  }
  const top = (m, k) =>
    [...m.entries()]
      .filter(([nm]) => !['(root)', '(program)', '(idle)'].includes(nm))
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([nm, c]) => `${((100 * c) / total).toFixed(1)}% ${nm}`);
  const share = Object.fromEntries([...steps].map(([k, c]) => [k, c / Math.max(total, 1)]));
  return { samples: total, steps: share, self: top(self, 12), inclusive: top(incl, 16) };
}

function fmtDur(s) {
  if (s >= 1) return `${s.toFixed(3)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(3)} ms`;
  if (s >= 1e-6) return `${(s * 1e6).toFixed(2)} µs`;
  return `${(s * 1e9).toFixed(0)} ns`;
}

function fmtBytes(b) {
  if (b >= 1024 * 1024) return `${(b / 1024 / 1024).toFixed(1)} MiB`;
  if (b >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${b} B`;
}

/** Prints a table; `left`: the indices of the left-aligned (text) columns. */
function printTable(title, head, rows, markdown, left) {
  console.log(`\n## ${title}\n`);
  console.log(`(1-minute load average when printed: ${loadavg()[0].toFixed(2)})\n`);
  if (markdown) {
    console.log(`| ${head.join(' | ')} |`);
    console.log(`|${head.map((_, i) => (left.includes(i) ? '---|' : '---:|')).join('')}`);
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    return;
  }
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    console.log(cells.map((c, i) => (left.includes(i) ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ').trimEnd());
  line(head);
  console.log('-'.repeat(w.reduce((a, b) => a + b, 0) + 2 * (w.length - 1)));
  for (const r of rows) line(r);
}

const inputs = native('--list', ...opts.paths).inputs;
const server = await startServer();
const browser = await startBrowser();
const results = [];
const profiles = [];
let chromiumVersion = '';
try {
  const { context } = browser;
  chromiumVersion = context.browser()?.version() ?? '';
  // The inputs are served by the test driver (they may lie outside the served repository).
  let current = null;
  await context.route('**/__bench/input', (route) =>
    route.fulfill({ status: 200, contentType: 'application/octet-stream', body: readFileSync(current) }),
  );
  if (opts.profilePkg) {
    await context.route('**/__bench/profile-pkg/*', (route) => {
      const file = new URL(route.request().url()).pathname.split('/').pop();
      const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      return route.fulfill({ status: 200, contentType: type, body: readFileSync(join(opts.profilePkg, file)) });
    });
  }
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${server.url}/www/`);
  await page.waitForFunction(() => document.getElementById('version').textContent !== '…');
  // A fresh instance of the module, apart from the page's own.
  await page.evaluate(async (pkg) => {
    const glue = await import(`/${pkg}/argctx_web.js?bench`);
    await glue.default({ module_or_path: `/${pkg}/argctx_web_bg.wasm` });
    window.argctxBench = { glue, bytes: null };
  }, opts.pkg);
  if (opts.profile && opts.profilePkg) {
    await page.evaluate(async () => {
      const glue = await import('/__bench/profile-pkg/argctx_web.js');
      await glue.default({ module_or_path: '/__bench/profile-pkg/argctx_web_bg.wasm' });
      window.argctxBench.profiled = glue;
    });
  }
  const cdp = opts.profile ? await context.newCDPSession(page) : null;
  for (const input of inputs) {
    current = input.path;
    await page.evaluate(async () => {
      const r = await fetch('/__bench/input');
      window.argctxBench.bytes = new Uint8Array(await r.arrayBuffer());
    });
    for (const op of input.ops) {
      process.stderr.write(`timing ${op} on ${input.name}…\n`);
      const extra = opts.profile ? ['--breakdown'] : [];
      const nat = native('--json', '--op', op, ...extra, ...budgetArgs, input.path).inputs[0].results[0];
      const wasm = await page.evaluate(timeInPage, {
        op,
        budgetMs: opts.budget * 1e3,
        iters: opts.iters,
        batchMin: BATCH_MIN_MS,
      });
      results.push({ input: input.name, path: input.path, bytes: input.bytes, op, native: nat, wasm });
      if (cdp && !wasm.error) {
        const calls = Math.max(3, Math.ceil(1 / wasm.median));
        await page.evaluate(repeatInPage, { op, calls, warm: true });
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
        await cdp.send('Profiler.start');
        await page.evaluate(repeatInPage, { op, calls });
        const { profile } = await cdp.send('Profiler.stop');
        await cdp.send('Profiler.disable');
        const parse =
          op === 'btf_dump' ? null : await page.evaluate(parseInPage, { op, budgetMs: 1000, batchMin: BATCH_MIN_MS });
        profiles.push({ input: input.name, op, calls, native: nat, wasm, parse, ...summarise(profile) });
      }
    }
    await page.evaluate(() => {
      window.argctxBench.bytes = null;
    });
  }
} finally {
  await browser.close();
  server.stop();
}

const rows = [];
const notes = [];
let missed = 0;
for (const r of results) {
  const cells = [r.input, fmtBytes(r.bytes), r.op];
  if (r.native.error || r.wasm.error) {
    cells.push(r.native.error ? 'error' : fmtDur(r.native.median), r.wasm.error ? 'error' : fmtDur(r.wasm.median), '—', '—', '—');
    notes.push(`${r.op} on ${r.input}: native ${r.native.error ?? 'ok'}; wasm ${r.wasm.error ?? 'ok'}`);
  } else {
    const ratio = r.wasm.median / r.native.median;
    r.ratio = ratio;
    const met = ratio <= TARGET;
    if (!met) missed += 1;
    cells.push(
      fmtDur(r.native.median),
      fmtDur(r.wasm.median),
      `${ratio.toFixed(2)}×`,
      met ? 'met' : 'MISSED',
      fmtDur(r.wasm.first),
      `${r.wasm.batches}×${r.wasm.per_batch}`,
    );
    if (r.native.output_len !== r.wasm.output_len) {
      notes.push(
        `${r.op} on ${r.input}: OUTPUTS DIFFER in length (native JSON ${r.native.output_len} bytes, wasm result as JSON ` +
          `${r.wasm.output_len}): were pkg/ and the bench binary built from the same sources?`,
      );
    }
  }
  rows.push(cells);
}
printTable(
  `wasm in Chromium ${chromiumVersion} vs native: the page's operations (target: wasm ≤ ${TARGET}× native)`,
  ['input', 'size', 'operation', 'native median', 'wasm median', 'ratio', `≤ ${TARGET}×`, 'wasm first call', 'wasm batches'],
  rows,
  opts.markdown,
  [0, 2, 6],
);
console.log('');
for (const n of notes) console.log(`note: ${n}`);
console.log(
  'note: native = the core call of the export + serde_json::to_string (btf_dump: the dump string), ' +
    'release build; wasm = the export called from JS in the page (copy of the bytes into wasm memory, ' +
    `the same core calls, the result converted to JS values or a JS string), ${opts.pkg}/ as built. ` +
    `Median per call over batches of ≥ ${BATCH_MIN_MS} ms; "first call" is the first call on that input ` +
    "(on the first input, before the engine has optimised the module's code).",
);
console.log(
  `wasm target (≤ ${TARGET}× native): ${missed ? `MISSED on ${missed} of ${rows.length} rows` : `met on all ${rows.length} rows`}`,
);
if (profiles.length) {
  // The wasm median split by the profile's shares, next to the native core call and serialisation.
  const stepRows = profiles.map((p) => {
    const at = (k) => p.steps[k] * p.wasm.median;
    const core = p.native.core_median ?? p.native.median;
    const freeAndCore = at('core') + at('free');
    const coreRatio = freeAndCore / core;
    const toJson = Math.max(0, p.native.median - core);
    // Through JSON text: copy in + wasm core + serde_json in wasm (native × core ratio) + decode + parse.
    const viaJson = p.parse === null ? null : at('copy in') + freeAndCore + toJson * coreRatio + p.parse;
    return [
      p.input,
      p.op,
      fmtDur(core),
      fmtDur(toJson),
      fmtDur(at('copy in')),
      fmtDur(freeAndCore),
      fmtDur(at('to JS values') + at('to JS string')),
      fmtDur(at('GC')),
      fmtDur(at('other')),
      `${coreRatio.toFixed(2)}×`,
      p.parse === null ? '—' : fmtDur(p.parse),
      viaJson === null ? '—' : `${fmtDur(viaJson)} (${(viaJson / p.native.median).toFixed(2)}×)`,
    ];
  });
  printTable(
    'where the time goes: native core call and serialisation; wasm median split by CPU profile (0.1 ms samples)',
    [
      'input',
      'op',
      'native core',
      'native to JSON',
      'wasm copy in',
      'wasm core',
      'wasm to JS',
      'wasm GC',
      'wasm other',
      'core ratio',
      'JSON text → JS',
      'est. via JSON',
    ],
    stepRows,
    opts.markdown,
    [0, 1],
  );
  console.log(
    '\nnote: "wasm core" is the samples under argctx:: frames (and frees); "to JS" under serde_wasm_bindgen ' +
      '(programs, explain) or the UTF-8 decoding of the returned string (btf_dump); "core ratio" = wasm core / native core. ' +
      '"JSON text → JS": TextDecoder + JSON.parse of the same result as JSON text, in the page; "est. via JSON": what the ' +
      'export would take returning JSON text for JSON.parse (copy in + wasm core + native to JSON × core ratio + that), ' +
      'and its ratio to native.',
  );
}
for (const p of profiles) {
  console.log(`\nprofile: wasm ${p.op} on ${p.input} (${p.calls} calls, ${p.samples} samples at 0.1 ms)`);
  console.log(`  self:      ${p.self.join('\n             ')}`);
  console.log(`  inclusive: ${p.inclusive.join('\n             ')}`);
}
if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ chromium: chromiumVersion, results, profiles }, null, 2)}\n`);
