// The page's wasm module never traps on hostile input: every fuzz corpus input (fuzz/corpus/, made by
// `cargo xtask fuzz`; its seeds by `cargo xtask fuzz corpus`), every committed crash regression
// (tests/fuzz-regressions/) and every fixture goes through every export the page calls, in node.
// An export may refuse an input (a JS `Error` naming the field and offset); a trap
// (`WebAssembly.RuntimeError`: a panic, an allocation failure) or running out of wasm memory
// (`RangeError`) fails the test. After a trap the module is instantiated afresh, so one bad input
// cannot hide the next.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, ROOT } from './harness.mjs';

const PKG = join(ROOT, 'pkg');
const WASM = join(PKG, 'argctx_web_bg.wasm');

/** Every regular file directly under `dir`, or nothing when it does not exist. */
function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile())
    .sort();
}

function inputs() {
  const corpus = join(ROOT, 'fuzz/corpus');
  const targets = existsSync(corpus) ? readdirSync(corpus).sort() : [];
  return [
    ...targets.flatMap((t) => files(join(corpus, t))),
    ...files(join(ROOT, 'tests/fuzz-regressions')),
    ...files(FIXTURES).filter((p) => p.endsWith('.o')),
  ];
}

let generation = 0;

/**
 * A fresh instance of the page's module (a new URL is a new ES module, hence a new instance):
 * `{mod, memory}`, `memory` being the instance's linear memory.
 */
async function instantiate() {
  generation += 1;
  const mod = await import(`${join(PKG, 'argctx_web.js')}?instance=${generation}`);
  const { memory } = mod.initSync({ module: readFileSync(WASM) });
  return { mod, memory };
}

// The linear memory an instance may reach on these inputs (it only grows, so its final size is
// its peak). Fuzzing bounds each input's allocation natively; this catches a wasm-only blowup.
const MEMORY_LIMIT = 256 * 1024 * 1024;

/** The calls the page makes on a dropped file, with the options it offers. */
const CALLS = [
  ['programs', (m, b) => m.programs(b)],
  ['explain', (m, b) => m.explain(b, undefined)],
  ['explain native s390', (m, b) => m.explain(b, { kernel: 'native', arch: 's390' })],
  ['explain_text', (m, b) => m.explain_text(b, { arch: 'arm64' })],
  ['btf_dump', (m, b) => m.btf_dump(b)],
  ['rewrite_btf', (m, b) => m.rewrite_btf(b, undefined)],
  ['btf_ext', (m, b) => m.btf_ext(b)],
  ['check', (m, b) => m.check(b, undefined)],
  ['check plain 5.10', (m, b) => m.check(b, { kernels: ['5.10'], loader: 'plain' })],
];

const isTrap = (e) => e instanceof WebAssembly.RuntimeError || e instanceof RangeError;

test('the wasm module never traps on the fuzz corpus, the crash regressions and the fixtures', async (t) => {
  assert.ok(existsSync(WASM), `${WASM} is missing: build it with cargo xtask wasm`);
  const all = inputs();
  let instance = await instantiate();
  const traps = [];
  let refused = 0;
  let callsMade = 0;
  let peak = 0;
  for (const path of all) {
    const bytes = new Uint8Array(readFileSync(path));
    for (const [name, call] of CALLS) {
      callsMade += 1;
      try {
        call(instance.mod, bytes);
      } catch (e) {
        if (isTrap(e)) {
          traps.push(`${path.slice(ROOT.length + 1)}: ${name}: ${e}`);
          peak = Math.max(peak, instance.memory.buffer.byteLength);
          instance = await instantiate();
        } else {
          refused += 1;
        }
      }
    }
  }
  peak = Math.max(peak, instance.memory.buffer.byteLength);
  t.diagnostic(
    `${all.length} inputs, ${callsMade} calls, ${refused} refused with an error, ${traps.length} traps, ` +
      `peak linear memory ${(peak / 1048576).toFixed(1)} MiB`,
  );
  const corpus = all.filter((p) => p.includes('/fuzz/corpus/')).length;
  if (corpus === 0) t.diagnostic('fuzz/corpus/ is empty: run cargo xtask fuzz corpus (or cargo xtask fuzz) to replay it');
  assert.deepEqual(traps, [], `the wasm module trapped:\n${traps.join('\n')}`);
  assert.ok(peak <= MEMORY_LIMIT, `linear memory grew to ${peak} bytes (limit ${MEMORY_LIMIT})`);
});
