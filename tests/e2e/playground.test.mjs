// The playground in Debian's headless Chromium, checked against the CLI: every fixture through the
// file input, the options, URL state, corrupt input, trap recovery, the embed view, the panels,
// downloads, the "Will it load?" view against `argctx check`, a large object's collapsed lists
// (generated with clang-19; skipped without it), and screenshots (tests/e2e/artifacts/, light and
// dark).
//
// Needs pkg/ and target/debug/argctx built: `cargo xtask e2e` does everything.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ARTIFACTS,
  CLANG,
  FIXTURES,
  ROOT,
  cli,
  cliExplain,
  fixtures,
  generatedObject,
  runNumber,
  settled,
  startBrowser,
  startServer,
} from './harness.mjs';

let server;
let browser;
let page;
const requests = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer();
  browser = await startBrowser();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on('request', (r) => requests.push(r.url()));
  await open('');
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/** Loads the playground with a query string and waits for it to be ready for input. */
async function open(query) {
  await page.goto(`${server.url}/www/${query}`);
  await page.waitForFunction(() => document.getElementById('version').textContent !== '…');
}

/** Selects `files` (paths or {name, mimeType, buffer}) in the file input and waits for the result. */
async function choose(files) {
  const n = await runNumber(page);
  await page.setInputFiles('#file', files);
  return settled(page, n);
}

/** Runs `action` (which changes an option) and waits for the new result. */
async function change(action) {
  const n = await runNumber(page);
  await action();
  return settled(page, n);
}

function pageReport() {
  return page.evaluate(() => JSON.parse(document.getElementById('report-json').textContent));
}

/**
 * What the page shows for each program, read from rendered text (collapsed tags opened and every
 * "Show all" pressed first).
 */
async function visible() {
  await page.evaluate(async () => {
    const details = [...document.querySelectorAll('#program-list details.unreached')];
    for (const d of details) d.open = true;
    // Toggle events fill them.
    for (let i = 0; i < 100 && details.some((d) => d.childElementCount === 1); i += 1) {
      await new Promise((r) => setTimeout(r, 0));
    }
    for (const b of document.querySelectorAll('#program-list button.more')) b.click();
    // A large report's cards and tags off screen are not laid out (content-visibility: auto) and
    // innerText reads laid-out text: lay them all out.
    for (const el of document.querySelectorAll('#program-list .program, #program-list .arg')) {
      el.style.contentVisibility = 'visible';
    }
  });
  return page.evaluate(() =>
    [...document.querySelectorAll('#program-list article.program')].map((a) => ({
      name: a.querySelector('h3').innerText,
      ctx: a.querySelector('.ctx-struct').innerText,
      subprogs: [...a.querySelectorAll('.subprogs li')].map((li) => li.innerText),
      args: [...a.querySelectorAll('.arg')].map((li) => ({
        decision: li.querySelector('.decision').innerText,
        reason: li.querySelector('.reason')?.innerText ?? null,
        before: li.querySelector('.proto.before')?.innerText ?? null,
        after: li.querySelector('.proto.after')?.innerText ?? null,
        data: { ...li.dataset },
      })),
      funcInfo: [...a.querySelectorAll('.func-info tbody tr')].map((tr) =>
        [...tr.cells].map((td) => td.innerText.replace(/\s*\(changed\)$/, '')),
      ),
      changedRows: a.querySelectorAll('.func-info tr.changed').length,
      warnings: [...a.querySelectorAll('.warnings li')].map((li) => li.innerText),
      added: a.querySelector('.added pre')?.innerText ?? '',
    })),
  );
}

/** The rendered view a CLI report must produce. */
function expectedView(report) {
  return report.programs.map((p) => {
    const n = Math.max(p.func_info.length, p.func_info_before.length);
    const rows = [];
    let changed = 0;
    for (let i = 0; i < n; i += 1) {
      const b = p.func_info_before[i];
      const s = p.func_info[i];
      if (!b || !s || b.type_id !== s.type_id || b.insn_off !== s.insn_off) changed += 1;
      rows.push([String((s ?? b).insn_off), b ? String(b.type_id) : '–', s ? String(s.type_id) : '–']);
    }
    return {
      name: p.name,
      ctx: p.ctx_struct ? `struct ${p.ctx_struct}` : 'none (no fallback for this program type)',
      subprogs: p.subprogs,
      // Tags in functions the program calls first; the not_reachable ones follow, collapsed.
      args: [...p.args.filter((a) => a.decision !== 'not_reachable'), ...p.args.filter((a) => a.decision === 'not_reachable')].map((a) => ({
        decision: a.decision,
        // Backticked spans render as <code> (when balanced).
        reason: a.reason.split('`').length % 2 ? a.reason.replaceAll('`', '') : a.reason,
        before: a.before,
        after: a.after,
        data: { subprog: a.subprog, argIndex: String(a.arg_index), decision: a.decision },
      })),
      funcInfo: p.error ? [] : rows.length ? rows : [['(none)']],
      changedRows: p.error ? 0 : changed,
      warnings: p.warnings.map((w) => `libbpf: ${w}`),
      added: p.added_btf.trimEnd(),
    };
  });
}

async function assertMatchesCli(file, opts = {}) {
  const { json } = cliExplain(file, opts);
  assert.deepEqual(await pageReport(), json, 'the report behind the page is the CLI JSON');
  const shown = await visible();
  for (const p of shown) p.added = p.added.trimEnd();
  assert.deepEqual(shown, expectedView(json), 'the rendered decisions and func_info are the CLI JSON');
  return json;
}

/** The message the CLI prints for a file it cannot read (without its `argctx: PATH: ` prefix). */
function cliError(path) {
  const r = cli('explain', path);
  assert.equal(r.status, 2, `the CLI rejects ${path}`);
  const prefix = `argctx: ${path}: `;
  assert.ok(r.stderr.startsWith(prefix), r.stderr);
  return r.stderr.slice(prefix.length).trim();
}

async function errorText() {
  return page.locator('#error').innerText();
}

describe('every fixture through the file input equals the CLI', () => {
  for (const name of fixtures()) {
    test(name, async () => {
      const file = join(FIXTURES, `${name}.o`);
      const st = await choose(file);
      assert.equal(st.state, 'ready');
      assert.equal(st.file, `${name}.o`);
      assert.ok(await page.locator('#error').isHidden());
      await assertMatchesCli(file);
      // The programs to choose from are `argctx programs`' (autoload off ones included).
      const listed = await page.locator('#programs label.choice').evaluateAll((ls) => ls.map((l) => l.innerText.trim()));
      const { programs } = JSON.parse(cli('programs', file, '--format', 'json').stdout);
      assert.deepEqual(listed, programs.map((p) => `${p.name} ${p.prog_type}${p.autoload ? '' : ', autoload off'}`));
    });
  }
});

describe('options', () => {
  test('architecture s390 makes perf_event warn, as the CLI does', async () => {
    const file = join(FIXTURES, 'perf_event.o');
    await choose(file);
    await change(() => page.selectOption('#arch', 's390'));
    const json = await assertMatchesCli(file, { arch: 's390' });
    assert.equal(json.warnings.length, 2);
    const warn = page.locator('article[data-program=on_sample] .warnings li').first();
    await assert.doesNotReject(warn.waitFor());
    assert.match(await warn.innerText(), /^libbpf: prog 'on_sample': subprog 'read_regs' arg#0 is expected to be of `struct bpf_perf_event_data \*` type$/);
    assert.match(page.url(), /[?&]arch=s390(&|$)/);
    await page.screenshot({ path: join(ARTIFACTS, 'perf_event-s390-light.png'), fullPage: true });
    await change(() => page.selectOption('#arch', 'x86_64'));
    await assertMatchesCli(file);
    assert.doesNotMatch(page.url(), /arch=/);
  });

  test('kernel 6.8+ sends func_info unchanged', async () => {
    const file = join(FIXTURES, 'void_ctx.o');
    await choose(file);
    await change(() => page.check('input[name=kernel][value=native]'));
    const json = await assertMatchesCli(file, { kernel: 'native' });
    assert.ok(json.programs.every((p) => p.args.some((a) => a.decision === 'native_support')));
    assert.match(page.url(), /kernel=native/);
    await change(() => page.check('input[name=kernel][value=fallback]'));
    await assertMatchesCli(file);
  });

  test('kernel 5.10 shows the BTF libbpf sanitizes for it', async () => {
    const file = join(FIXTURES, 'void_ctx.o');
    await choose(file);
    await change(() => page.check('input[name=kernel][value="5.10"]'));
    const json = await assertMatchesCli(file, { kernel: '5.10' });
    assert.deepEqual(json.sanitized.map((z) => z.feature), ['FEAT_BTF_DECL_TAG']);
    assert.match(await page.locator('.summary .sanitized').innerText(), /FEAT_BTF_DECL_TAG missing: DECL_TAG as a 1-byte INT/);
    assert.match(page.url(), /kernel=5\.10/);
    await change(() => page.check('input[name=kernel][value=fallback]'));
    await assertMatchesCli(file);
    assert.equal(await page.locator('.summary .sanitized').count(), 0);
  });

  test('program selection replaces the default autoload', async () => {
    const file = join(FIXTURES, 'mismatch.o');
    await choose(file);
    const boxes = await page.locator('#programs input[name=program]').evaluateAll((l) => l.map((i) => i.value));
    assert.deepEqual(boxes, ['tp_openat', 'kprobe_skb_arg', 'kprobe_fake_struct', 'xdp_int_ptr_arg', 'xdp_scalar_arg']);
    await change(() => page.check('#programs input[value=xdp_scalar_arg]'));
    await assertMatchesCli(file, { programs: ['xdp_scalar_arg'] });
    await change(() => page.check('#programs input[value=kprobe_skb_arg]'));
    await assertMatchesCli(file, { programs: ['kprobe_skb_arg', 'xdp_scalar_arg'] });
    assert.match(page.url(), /program=kprobe_skb_arg&program=xdp_scalar_arg|program=xdp_scalar_arg&program=kprobe_skb_arg/);
    await change(() => page.click('#programs-clear'));
    await assertMatchesCli(file);
  });

  test('URL state is restored on load', async () => {
    await open('?example=mismatch&arch=arm64&kernel=native&program=kprobe_skb_arg');
    await settled(page, 0);
    assert.equal(await page.inputValue('#arch'), 'arm64');
    assert.ok(await page.isChecked('input[name=kernel][value=native]'));
    assert.ok(await page.isChecked('#programs input[value=kprobe_skb_arg]'));
    assert.equal(await page.inputValue('#example'), 'mismatch');
    await assertMatchesCli(join(FIXTURES, 'mismatch.o'), { arch: 'arm64', kernel: 'native', programs: ['kprobe_skb_arg'] });
    // An example chosen in the select goes into the URL too.
    await change(() => page.selectOption('#example', 'raw_tp'));
    assert.match(page.url(), /example=raw_tp/);
    await assertMatchesCli(join(FIXTURES, 'raw_tp.o'), { arch: 'arm64', kernel: 'native' });
    await open('');
  });
});

describe('bad input', () => {
  test('random bytes and a truncated object show their error, then a good file works', async () => {
    const random = Buffer.alloc(4096);
    for (let i = 0; i < random.length; i += 1) random[i] = (i * 7919 + 13) % 251;
    const randomPath = join(ARTIFACTS, 'random.o');
    writeFileSync(randomPath, random);
    let st = await choose(randomPath);
    assert.equal(st.state, 'error');
    assert.ok((await errorText()).includes(`random.o: ${cliError(randomPath)}`), await errorText());
    assert.match(await errorText(), /not an ELF file/);
    assert.ok(await page.locator('#results').isHidden());

    const truncPath = join(ARTIFACTS, 'truncated.o');
    writeFileSync(truncPath, readFileSync(join(FIXTURES, 'void_ctx.o')).subarray(0, 3000));
    st = await choose(truncPath);
    assert.equal(st.state, 'error');
    assert.ok((await errorText()).includes(`truncated.o: ${cliError(truncPath)}`), await errorText());
    await page.screenshot({ path: join(ARTIFACTS, 'error-light.png') });

    st = await choose({ name: 'empty.o', mimeType: 'application/octet-stream', buffer: Buffer.alloc(0) });
    assert.equal(st.state, 'error');
    assert.match(await errorText(), /^Error: empty\.o: /);

    st = await choose(join(FIXTURES, 'void_ctx.o'));
    assert.equal(st.state, 'ready');
    assert.ok(await page.locator('#error').isHidden());
    await assertMatchesCli(join(FIXTURES, 'void_ctx.o'));
  });

  test('a wasm trap re-initialises the module and the page keeps working', async () => {
    // Fault injection: the glue's explain() makes one out-of-bounds call into the real module
    // (a genuine WebAssembly.RuntimeError) when the page sets the flag.
    const glue = await (await fetch(`${server.url}/pkg/argctx_web.js`)).text();
    const hook = 'export function explain(bytes, options) {';
    assert.ok(glue.includes(hook) && /\bwasm\.btf_dump\(/.test(glue), 'the wasm-bindgen glue has the shape this test patches');
    const patched = glue.replace(
      hook,
      `${hook}\n    if (globalThis.__argctxTrapOnce) { globalThis.__argctxTrapOnce = false; wasm.btf_dump(0xfffffff0, 4096); }`,
    );
    await page.route('**/pkg/argctx_web.js*', (route) =>
      route.fulfill({ status: 200, contentType: 'text/javascript', body: patched }),
    );
    await open('');
    const before = Number(await page.evaluate(() => document.documentElement.dataset.wasmInstance));
    await page.evaluate(() => {
      globalThis.__argctxTrapOnce = true;
    });
    let st = await choose(join(FIXTURES, 'kprobe.o'));
    assert.equal(st.state, 'error');
    assert.match(await errorText(), /kprobe\.o: argctx crashed \(.+\); the WebAssembly module was restarted/);
    const afterTrap = Number(await page.evaluate(() => document.documentElement.dataset.wasmInstance));
    assert.equal(afterTrap, before + 1, 'a fresh instance was created');
    st = await choose(join(FIXTURES, 'kprobe.o'));
    assert.equal(st.state, 'ready');
    await assertMatchesCli(join(FIXTURES, 'kprobe.o'));
    await page.unroute('**/pkg/argctx_web.js*');
    await open('');
  });
});

describe('panels and downloads', () => {
  test('the BTF dump is the CLI dump, searchable, and as sent', async () => {
    const file = join(FIXTURES, 'void_ctx.o');
    await choose(file);
    await page.click('#btf-section > summary');
    await page.waitForFunction(() => document.getElementById('btf-dump').textContent.length > 0);
    const dump = cli('btf', 'dump', file).stdout;
    assert.equal(await page.locator('#btf-dump').textContent(), dump.trimEnd());
    await page.fill('#btf-search', 'xdp_md');
    await page.waitForFunction(() => document.getElementById('btf-count').textContent.includes('match'));
    const hits = (await page.locator('#btf-dump').textContent()).split('\n').filter((l) => l.startsWith('['));
    assert.ok(hits.length >= 1 && hits.every((l) => l.includes('xdp_md')), hits.join('\n'));
    await page.fill('#btf-search', '');
    await page.check('input[name=btf-which][value=sent]');
    await page.waitForFunction(() => document.getElementById('btf-dump').textContent.includes("[46] DECL_TAG 'arg:ctx' type_id=43 component_idx=0"));
    await page.check('input[name=btf-which][value=compiled]');
    // "/" jumps to the search box.
    await page.locator('body').press('/');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'btf-search');
  });

  test('the .BTF.ext records', async () => {
    await choose(join(FIXTURES, 'void_ctx.o'));
    await page.click('#ext-section > summary');
    const fi = page.locator('#btf-ext [data-subsection=func_info] tbody tr');
    await fi.first().waitFor();
    const rows = await fi.evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.innerText)));
    // Byte offsets from llvm-objdump -t, type ids from bpftool btf dump file.
    assert.deepEqual(rows, [
      ['0 (insn 0)', '4', 'xdp_buff_len'],
      ['48 (insn 6)', '7', 'skb_first_byte'],
      ['136 (insn 17)', '10', 'kprobe_ip_low'],
      ['0 (insn 0)', '17', 'xdp_void'],
      ['0 (insn 0)', '21', 'tc_void'],
      ['0 (insn 0)', '26', 'kprobe_void'],
    ]);
    const lines = await page.locator('#btf-ext [data-subsection=line_info] tbody tr').count();
    assert.equal(lines, 20);
  });

  test('downloads: the JSON report and the rewritten BTF are the CLI outputs', async () => {
    const file = join(FIXTURES, 'shared_subprog.o');
    await choose(file);
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
    assert.equal(json.suggestedFilename(), 'shared_subprog.explain.json');
    assert.equal(readFileSync(await json.path(), 'utf8'), cliExplain(file).text);
    const [btf] = await Promise.all([page.waitForEvent('download'), page.click('#download-btf')]);
    assert.equal(btf.suggestedFilename(), 'shared_subprog.btf');
    const out = join(ARTIFACTS, 'shared_subprog.cli.btf');
    assert.equal(cli('rewrite', file, '--btf-out', out).status, 0);
    assert.deepEqual(readFileSync(await btf.path()), readFileSync(out));
  });

  test('several files: the loaded-file select switches between them', async () => {
    const a = join(FIXTURES, 'canonical.o');
    const b = join(FIXTURES, 'callbacks.o');
    await choose([a, b]);
    assert.ok(await page.locator('#loaded').isVisible());
    await assertMatchesCli(a);
    await change(() => page.selectOption('#loaded', '1'));
    await assertMatchesCli(b);
  });
});

// ---- large objects: long lists start collapsed ----

/** A 90-subprogram, 3-program object with one program whose autoload is off. */
function largeObject() {
  return generatedObject('large', { subprogs: 90, progs: 3, autoloadOff: true, by: 'tests/e2e/playground.test.mjs: long lists in the playground' });
}

/** The collapsed lists of each card as shown: items shown and the "Show all" buttons. */
function collapsed() {
  return page.evaluate(() =>
    [...document.querySelectorAll('#program-list article.program')].map((a) => ({
      subprogs: a.querySelectorAll('.subprogs li').length,
      rows: a.querySelectorAll('.func-info tbody tr').length,
      tags: a.querySelectorAll('section.args > .arg-list > .arg').length,
      lines: a.querySelector('.added pre').textContent.trimEnd().split('\n').length,
      caption: a.querySelector('.func-info caption').textContent,
      buttons: [...a.querySelectorAll('button.more')].map((b) => b.textContent),
    })),
  );
}

describe('large objects', () => {
  test('long lists show their first rows; "Show all" reveals every row, from the keyboard too', { skip: !CLANG && 'clang-19 is not installed' }, async () => {
    const file = largeObject();
    const st = await choose(file);
    assert.equal(st.state, 'ready');
    const { json } = cliExplain(file);
    assert.equal(json.programs.length, 3);
    const FIRST = await page.evaluate(async () => (await import('./render.js')).FIRST);

    // Every card is there once the page is ready (the first ones before the first frame, the
    // others in the tasks after it), each long list cut to its first rows.
    const expected = json.programs.map((p) => {
      const tags = p.args.filter((a) => a.decision !== 'not_reachable').length;
      const rows = Math.max(p.func_info.length, p.func_info_before.length);
      const changed = Array.from({ length: rows }, (_, i) => [p.func_info_before[i], p.func_info[i]]).filter(
        ([b, s]) => !b || !s || b.type_id !== s.type_id || b.insn_off !== s.insn_off,
      ).length;
      const lines = p.added_btf.trimEnd().split('\n').length;
      assert.ok(p.subprogs.length > FIRST.subprogs && tags > FIRST.args && rows > FIRST.funcInfo && lines > FIRST.btfLines);
      return {
        subprogs: FIRST.subprogs,
        rows: FIRST.funcInfo,
        tags: FIRST.args,
        lines: FIRST.btfLines,
        caption: `func_info records (insn_off in instructions): ${rows} records, ${changed} changed`,
        buttons: [
          `Show all ${p.subprogs.length} subprograms of ${p.name}`,
          `Show all ${tags} tags of ${p.name}`,
          `Show all ${rows} func_info records of ${p.name}`,
          `Show all ${lines} lines of the BTF types added for ${p.name}`,
        ],
      };
    });
    assert.deepEqual(await collapsed(), expected);
    await page.screenshot({ path: join(ARTIFACTS, 'large-light.png') });
    // The programs to choose from include the one the report leaves out (autoload off).
    const listed = await page.locator('#programs input[name=program]').evaluateAll((l) => l.map((i) => i.value));
    assert.deepEqual(listed, ['prog_0', 'prog_1', 'prog_2', 'prog_off']);

    // From the keyboard: Enter on a button shows the rest and moves focus to the first row it
    // revealed; Space does the same.
    const card = page.locator('article.program').first();
    const p = json.programs[0];
    await card.locator('button.more', { hasText: 'func_info records' }).focus();
    await page.keyboard.press('Enter');
    assert.equal(await card.locator('.func-info tbody tr').count(), p.func_info.length);
    const focusedRow = () =>
      page.evaluate(() => [
        document.activeElement.tagName,
        [...(document.activeElement.cells ?? [])].map((c) => c.innerText.replace(/\s*\(changed\)$/, '')),
      ]);
    const [before, sent] = [p.func_info_before[FIRST.funcInfo], p.func_info[FIRST.funcInfo]];
    assert.deepEqual(await focusedRow(), ['TR', [String(sent.insn_off), String(before.type_id), String(sent.type_id)]]);
    await card.locator('button.more', { hasText: 'subprograms' }).focus();
    await page.keyboard.press(' ');
    assert.equal(await card.locator('.subprogs li').count(), p.subprogs.length);
    assert.equal(await page.evaluate(() => document.activeElement.innerText), p.subprogs[FIRST.subprogs]);
    assert.equal(await card.locator('button.more').count(), 2);

    // Every row, tag and line, once all is shown, is the report's (and the CLI's).
    await assertMatchesCli(file);
    assert.equal(await page.locator('#program-list button.more').count(), 0);
    await open('');
  });
});

// ---- "Will it load?" (argctx check) ----

/** `argctx check FILE --format json [options]`: the file's report. */
function cliCheck(file, { kernels = [], arch, loader, kernelBtf = true, programs = [] } = {}) {
  const args = ['check', file, '--format', 'json'];
  for (const k of kernels) args.push('--kernel', k);
  if (arch) args.push('--arch', arch);
  if (loader) args.push('--loader', loader);
  if (!kernelBtf) args.push('--no-kernel-btf');
  for (const p of programs) args.push('--program', p);
  const r = cli(...args);
  assert.equal(r.status, 0, `argctx ${args.join(' ')}: ${r.stderr}`);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.files.length, 1);
  return doc.files[0].report;
}

/** `argctx check FILE [options]` as text, without the file name line the CLI prints first. */
function cliCheckText(file, kernels = []) {
  const r = cli('check', file, ...kernels.flatMap((k) => ['--kernel', k]));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.startsWith(`${file}\n`));
  return r.stdout.slice(file.length + 1, -1);
}

const LOAD_WORDS = { yes: 'loads', no: 'fails', unknown: 'unknown' };

function verdictReport() {
  return page.evaluate(() => JSON.parse(document.getElementById('verdict-json').textContent));
}

/** The table as shown: kernel headers, and per program its cells (data and visible word). */
function matrix() {
  return page.evaluate(() => ({
    kernels: [...document.querySelectorAll('#verdict-matrix thead th.kernel-col')].map((th) => th.dataset.kernel),
    rows: [...document.querySelectorAll('#verdict-matrix tr.verdict-row')].map((tr) => ({
      program: tr.dataset.program,
      cells: [...tr.querySelectorAll('td.verdict-cell')].map((td) => ({
        kernel: td.dataset.kernel,
        load: td.dataset.load,
        word: td.querySelector('.load-word').innerText,
      })),
    })),
  }));
}

/** The table a CLI report must produce. */
function expectedMatrix(report) {
  return {
    kernels: report.kernels.map((k) => k.kernel),
    rows: report.programs.map((p) => ({
      program: p.name,
      cells: p.kernels.map((k) => ({ kernel: k.kernel, load: k.load, word: LOAD_WORDS[k.load] })),
    })),
  };
}

/** The page shows the CLI's verdict for `file` with these options: the data and every cell. */
async function assertVerdictMatchesCli(file, opts = {}) {
  const report = cliCheck(file, opts);
  assert.deepEqual(await verdictReport(), report, 'the report behind the view is the CLI JSON');
  assert.deepEqual(await matrix(), expectedMatrix(report), 'every cell is the CLI verdict');
  return report;
}

/** Switches to the "Will it load?" view and waits for its verdicts. */
async function openVerdictView() {
  if ((await page.getAttribute('#tab-check', 'aria-selected')) === 'true') return;
  const st = await change(() => page.click('#tab-check'));
  assert.equal(st.view, 'check');
  return st;
}

/** The cell of `program` on `kernel`. */
function cell(program, kernel) {
  return page.locator(`#verdict-matrix tr.verdict-row[data-program="${program}"] td[data-kernel="${kernel}"] button`);
}

/** The open detail, as shown. */
function detail() {
  return page.evaluate(() => {
    const d = document.querySelector('#verdict-matrix tr.verdict-detail:not([hidden]) .detail');
    if (!d) return null;
    return {
      ...d.dataset,
      problems: [...d.querySelectorAll('.problem')].map((li) => ({
        code: li.dataset.code,
        subprog: li.dataset.subprog,
        arg: li.dataset.arg,
        fatal: li.dataset.fatal,
        message: li.querySelector('.problem-message').innerText,
        log: li.querySelector('.kernel-log')?.innerText.split('\n') ?? [],
      })),
    };
  });
}

/** The detail a CLI kernel verdict must produce. */
function expectedDetail(program, k) {
  return {
    program: program.name,
    kernel: k.kernel,
    load: k.load,
    problems: k.problems.map((pb) => ({
      code: pb.code,
      subprog: pb.subprog ?? '',
      arg: pb.arg === null ? '' : String(pb.arg),
      fatal: String(pb.fatal),
      // "subprog() arg#N: " then the message, backticked spans as <code>.
      message: `${pb.subprog ? `${pb.subprog}()${pb.arg === null ? '' : ` arg#${pb.arg}`}: ` : ''}${pb.message.split('`').length % 2 ? pb.message.replaceAll('`', '') : pb.message}`,
      log: pb.kernel_log,
    })),
  };
}

describe('will it load? (the verdict view equals argctx check)', () => {
  for (const name of fixtures()) {
    test(name, async () => {
      const file = join(FIXTURES, `${name}.o`);
      const st = await choose(file);
      assert.equal(st.file, `${name}.o`);
      await openVerdictView();
      assert.ok(await page.locator('#error').isHidden());
      const report = await assertVerdictMatchesCli(file);
      assert.deepEqual(report.kernels.map((k) => k.kernel), ['5.10', '5.15', '6.1', '6.6', '6.8', 'latest']);
    });
  }

  test('fentry: fails on 6.1 with the verifier lines, loads on 6.8', async () => {
    const file = join(FIXTURES, 'fentry.o');
    await choose(file);
    await openVerdictView();
    const report = await assertVerdictMatchesCli(file);
    const prog = report.programs.find((p) => p.name === 'fentry_unlink');
    const on = (k) => prog.kernels.find((x) => x.kernel === k);
    assert.equal(on('6.1').load, 'no');
    assert.equal(on('6.8').load, 'yes');
    assert.equal(await cell('fentry_unlink', '6.1').innerText(), '✗ fails\nfallback');
    assert.equal(await cell('fentry_unlink', '6.8').innerText(), '✓ loads\nnative');

    await cell('fentry_unlink', '6.1').click();
    assert.equal(await cell('fentry_unlink', '6.1').getAttribute('aria-expanded'), 'true');
    const shown = await detail();
    assert.deepEqual(shown, expectedDetail(prog, on('6.1')));
    assert.equal(shown.problems[0].code, 'size_unknown');
    assert.deepEqual(shown.problems[0].log, on('6.1').expected_log);
    assert.deepEqual(shown.problems[0].log, [
      'Validating fe_arg_count() func#1...',
      "arg#0 reference type('UNKNOWN ') size cannot be determined: -22",
    ]);
    await page.screenshot({ path: join(ARTIFACTS, 'verdict-fentry-light.png'), fullPage: true });

    // Another cell replaces the detail; the same cell again closes it.
    await cell('fentry_unlink', '6.8').click();
    assert.deepEqual(await detail(), expectedDetail(prog, on('6.8')));
    assert.equal(await cell('fentry_unlink', '6.1').getAttribute('aria-expanded'), 'false');
    await cell('fentry_unlink', '6.8').click();
    assert.equal(await detail(), null);

    // The text panel is `argctx check`'s text.
    await page.click('#check-text-section > summary');
    await page.waitForFunction(() => document.getElementById('check-text').textContent.length > 0);
    assert.equal(await page.locator('#check-text').textContent(), cliCheckText(file));

    // The JSON download is the CLI's report.
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
    assert.equal(json.suggestedFilename(), 'fentry.check.json');
    assert.deepEqual(JSON.parse(readFileSync(await json.path(), 'utf8')), report);
    assert.match(page.url(), /[?&]view=check(&|$)/);
  });

  test('changing the loader, the kernel list, kernel BTF and the architecture updates the table', async () => {
    const file = join(FIXTURES, 'void_ctx.o');
    await choose(file);
    await openVerdictView();
    let report = await assertVerdictMatchesCli(file);
    // tc_void loads everywhere; the other two call helpers Debian's 5.10 lacks (probed), and
    // whether 5.15 has them the probed kernels cannot say.
    const loads = Object.fromEntries(report.programs.map((p) => [p.name, p.kernels.map((k) => k.load)]));
    assert.deepEqual(loads.tc_void, ['yes', 'yes', 'yes', 'yes', 'yes', 'yes']);
    assert.deepEqual(loads.xdp_void, ['no', 'unknown', 'yes', 'yes', 'yes', 'yes']);
    assert.deepEqual(loads.kprobe_void, ['no', 'unknown', 'yes', 'yes', 'yes', 'yes']);

    await change(() => page.check('input[name=loader][value=plain]'));
    report = await assertVerdictMatchesCli(file, { loader: 'plain' });
    for (const row of (await matrix()).rows) {
      assert.deepEqual(
        row.cells.map((c) => c.word),
        ['fails', 'fails', 'fails', 'fails', 'loads', 'loads'],
        row.program,
      );
    }
    assert.equal(await cell('xdp_void', '6.1').innerText(), '✗ fails\nno fallback');
    assert.match(page.url(), /loader=plain/);

    await change(async () => {
      await page.fill('#kernels', '6.1, 6.8  latest');
      await page.press('#kernels', 'Enter');
    });
    await assertVerdictMatchesCli(file, { loader: 'plain', kernels: ['6.1', '6.8', 'latest'] });
    assert.deepEqual((await matrix()).kernels, ['6.1', '6.8', 'latest']);
    assert.match(page.url(), /kernels=6\.1%2C6\.8%2Clatest/);

    await change(() => page.check('input[name=loader][value=libbpf]'));
    await assertVerdictMatchesCli(file, { kernels: ['6.1', '6.8', 'latest'] });

    // kprobe_unlink needs the kernel's BTF to recognise its register struct by name.
    const kprobe = join(FIXTURES, 'kprobe.o');
    await choose(kprobe);
    await assertVerdictMatchesCli(kprobe, { kernels: ['6.1', '6.8', 'latest'] });
    await change(() => page.uncheck('#kernel-btf'));
    report = await assertVerdictMatchesCli(kprobe, { kernels: ['6.1', '6.8', 'latest'], kernelBtf: false });
    assert.equal(report.programs[0].kernels[0].load, 'no');
    assert.match(page.url(), /kernel_btf=no/);
    await change(() => page.check('#kernel-btf'));

    // The shared architecture selector and program selection apply here too.
    await change(() => page.selectOption('#arch', 'arm64'));
    await assertVerdictMatchesCli(kprobe, { kernels: ['6.1', '6.8', 'latest'], arch: 'arm64' });
    await change(() => page.check('#programs input[value=uprobe_any]'));
    await assertVerdictMatchesCli(kprobe, { kernels: ['6.1', '6.8', 'latest'], arch: 'arm64', programs: ['uprobe_any'] });
    assert.deepEqual((await matrix()).rows.map((r) => r.program), ['uprobe_any']);
    await change(() => page.click('#programs-clear'));
    await change(() => page.selectOption('#arch', 'x86_64'));

    // An empty list is the core's default set.
    await change(async () => {
      await page.fill('#kernels', '');
      await page.press('#kernels', 'Enter');
    });
    await assertVerdictMatchesCli(kprobe);
    assert.equal(await page.getAttribute('#kernels', 'placeholder'), '5.10 5.15 6.1 6.6 6.8 latest');
    await open('');
  });

  test('several files: the loaded-file select switches the verdicts', async () => {
    const a = join(FIXTURES, 'fentry.o');
    const b = join(FIXTURES, 'verdict_tags.o');
    await choose([a, b]);
    await openVerdictView();
    await assertVerdictMatchesCli(a);
    await change(() => page.selectOption('#loaded', '1'));
    await assertVerdictMatchesCli(b);
    await cell('xdp_nonnull_deref', '6.1').click();
    const report = cliCheck(b);
    const prog = report.programs.find((p) => p.name === 'xdp_nonnull_deref');
    assert.equal(prog.kernels[2].load, 'no');
    assert.equal(prog.kernels[4].load, 'yes');
    assert.deepEqual(await detail(), expectedDetail(prog, prog.kernels[2]));
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(ARTIFACTS, 'verdict-tags-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    await change(() => page.selectOption('#loaded', '0'));
    await assertVerdictMatchesCli(a);
  });

  test('errors show as in the other views, and the view recovers', async () => {
    const file = join(FIXTURES, 'fentry.o');
    await choose(file);
    await openVerdictView();
    let st = await change(async () => {
      await page.fill('#kernels', '6.1 nope');
      await page.press('#kernels', 'Enter');
    });
    assert.equal(st.state, 'error');
    const r = cli('check', file, '--kernel', '6.1', '--kernel', 'nope');
    assert.equal(r.status, 2);
    const cliMessage = r.stderr.trim().replace(/^argctx: /, '');
    assert.equal(cliMessage, "'nope' is not a kernel version (X.Y, X.Y.Z or latest)");
    assert.ok((await errorText()).startsWith(`Error: fentry.o: ${cliMessage}`), await errorText());
    assert.equal(await page.locator('#verdict-matrix tr').count(), 0);
    // The explain view has no error; back in this view the error is shown again.
    await page.click('#tab-explain');
    assert.ok(await page.locator('#error').isHidden());
    st = await change(() => page.click('#tab-check'));
    assert.equal(st.state, 'error');
    st = await change(async () => {
      await page.fill('#kernels', '6.1');
      await page.press('#kernels', 'Enter');
    });
    assert.equal(st.state, 'ready');
    assert.ok(await page.locator('#error').isHidden());
    await assertVerdictMatchesCli(file, { kernels: ['6.1'] });

    // A file argctx cannot read: the same error as the explain view's.
    const randomPath = join(ARTIFACTS, 'random.o');
    writeFileSync(randomPath, Buffer.alloc(512, 7));
    st = await choose(randomPath);
    assert.equal(st.state, 'error');
    assert.ok((await errorText()).includes(`random.o: ${cliError(randomPath)}`), await errorText());
    assert.ok(await page.locator('#results').isHidden());
    st = await choose(file);
    assert.equal(st.state, 'ready');
    await assertVerdictMatchesCli(file, { kernels: ['6.1'] });
    await open('');
  });

  test('the keyboard switches views and opens, moves between and closes cells', async () => {
    await choose(join(FIXTURES, 'fentry.o'));
    await page.focus('#tab-explain');
    const st = await change(() => page.keyboard.press('ArrowRight'));
    assert.equal(st.view, 'check');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-check');
    assert.ok(await page.locator('#view-explain').isHidden());
    // Tab reaches the first cell after the view's controls.
    let onCell = false;
    for (let i = 0; i < 12 && !onCell; i += 1) {
      await page.keyboard.press('Tab');
      onCell = await page.evaluate(() => document.activeElement.classList.contains('cell-button'));
    }
    assert.ok(onCell, 'a cell is reachable with Tab');
    const focused = () => page.evaluate(() => ({ ...document.activeElement.dataset }));
    assert.equal((await focused()).kernel, '5.10');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal((await focused()).kernel, '6.1');
    await page.keyboard.press('Enter');
    assert.equal((await detail())?.kernel, '6.1');
    await page.keyboard.press('End');
    assert.equal((await focused()).kernel, 'latest');
    await page.keyboard.press('Escape');
    assert.equal(await detail(), null);
    assert.equal((await focused()).kernel, '6.1', 'Escape returns to the open cell');
    await page.keyboard.press(' ');
    assert.equal((await detail())?.kernel, '6.1');
    await page.focus('#tab-check');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.getAttribute('#tab-explain', 'aria-selected'), 'true');
    assert.ok(await page.locator('#view-check').isHidden());
    await open('');
  });

  test('URL state opens the view with its options', async () => {
    await open('?example=void_ctx&view=check&kernels=6.1,6.8&loader=plain');
    const st = await settled(page, 0);
    assert.equal(st.state, 'ready');
    assert.equal(await page.getAttribute('#tab-check', 'aria-selected'), 'true');
    assert.equal(await page.inputValue('#kernels'), '6.1 6.8');
    assert.ok(await page.isChecked('input[name=loader][value=plain]'));
    await assertVerdictMatchesCli(join(FIXTURES, 'void_ctx.o'), { kernels: ['6.1', '6.8'], loader: 'plain' });
    await open('');
  });
});

describe('embed view', () => {
  test('renders the compact view of an example', async () => {
    const embed = await browser.context.newPage();
    embed.on('request', (r) => requests.push(r.url()));
    await embed.goto(`${server.url}/www/embed.html?example=void_ctx&arch=arm64`);
    await embed.waitForFunction(() => document.getElementById('main').dataset.state === 'ready');
    const { json } = cliExplain(join(FIXTURES, 'void_ctx.o'), { arch: 'arm64' });
    const cards = await embed.locator('article.program').evaluateAll((as) =>
      as.map((a) => ({
        name: a.dataset.program,
        decisions: [...a.querySelectorAll('.arg')].map((li) => [li.dataset.subprog, li.querySelector('.decision').innerText]),
        funcInfo: a.querySelector('.func-info-inline').innerText,
      })),
    );
    const fmt = (l) => l.map((f) => `{${f.insn_off}, ${f.type_id}}`).join(' ');
    assert.deepEqual(
      cards,
      json.programs.map((p) => ({
        name: p.name,
        decisions: p.args.filter((a) => a.decision !== 'not_reachable').map((a) => [a.subprog, a.decision]),
        funcInfo: `func_info ${fmt(p.func_info_before)} → ${fmt(p.func_info)}`,
      })),
    );
    assert.match(await embed.locator('#open-full').getAttribute('href'), /^index\.html\?example=void_ctx&arch=arm64$/);
    await embed.setViewportSize({ width: 720, height: 900 });
    await embed.screenshot({ path: join(ARTIFACTS, 'embed-light.png'), fullPage: true });
    await embed.emulateMedia({ colorScheme: 'dark' });
    await embed.screenshot({ path: join(ARTIFACTS, 'embed-dark.png'), fullPage: true });
    await embed.goto(`${server.url}/www/embed.html?example=no_such_fixture`);
    await embed.waitForFunction(() => document.getElementById('main').dataset.state === 'error');
    assert.match(await embed.locator('#error').innerText(), /cannot fetch no_such_fixture\.o: HTTP 404/);
    await embed.close();
  });
});

describe('page quality', () => {
  test('every control has a label, and screenshots in light and dark', async () => {
    await choose(join(FIXTURES, 'void_ctx.o'));
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, button, pre[tabindex]')]
        .filter((el) => el.type !== 'hidden' && !el.hidden && !(el.labels?.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
        .map((el) => el.outerHTML),
    );
    assert.deepEqual(unlabelled, []);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.screenshot({ path: join(ARTIFACTS, 'void_ctx-light.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.evaluate(() => {
      document.getElementById('btf-section').open = true;
    });
    await page.waitForFunction(() => document.getElementById('btf-dump').textContent.length > 0);
    await page.screenshot({ path: join(ARTIFACTS, 'void_ctx-dark.png'), fullPage: true });
    const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.equal(bg, 'rgb(21, 23, 26)');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('the keyboard reaches the file input and the options', async () => {
    await open('');
    const order = [];
    for (let i = 0; i < 8; i += 1) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement.id || document.activeElement.name || document.activeElement.tagName));
    }
    for (const id of ['file', 'example', 'arch', 'kernel']) assert.ok(order.includes(id), `${id} in ${order}`);
  });

  test('no request leaves the page’s origin', () => {
    assert.ok(requests.length > 0);
    const foreign = requests.filter((u) => !u.startsWith(server.url) && !u.startsWith('blob:') && !u.startsWith('data:'));
    assert.deepEqual(foreign, []);
  });
});
