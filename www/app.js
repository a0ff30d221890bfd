// The playground page: file input and examples → argctx (WebAssembly) → rendered report, in two
// views: what libbpf does (`explain`) and whether each program loads per kernel (`check`).

import { call, load } from './wasm.js';
import {
  btfEntries,
  checkOptions,
  detailId,
  explainOptions,
  filterEntries,
  h,
  kernelList,
  programWeight,
  readUrlState,
  renderBtfExt,
  renderProgram,
  renderSummary,
  renderVerdictDetail,
  renderVerdictMatrix,
  renderVerdictSummary,
  urlQuery,
} from './render.js';

const $ = (id) => document.getElementById(id);
const main = $('main');
const EXAMPLES = new URL('../pkg/examples.json', import.meta.url);
const MAX_SIZE = 256 * 1024 * 1024;

const state = {
  files: [], // [{name, bytes, example}]
  current: -1,
  listed: null, // the programs listed as checkboxes ({name, prog_type, autoload})
  examples: [],
  report: null,
  run: 0,
  startedAt: 0,
  // Per report: lazily computed panels.
  dumps: {},
  entries: {},
  ext: undefined,
  text: undefined,
  // Programs named by the URL on load that the object may not have (the core reports those).
  urlPrograms: [],
  // The "Will it load?" view: its report (computed while the view is shown), the options it was
  // computed with, its text, the open cell ({program, kernel}) and whether the error shown is its.
  view: 'explain',
  verdict: null,
  verdictOptions: null,
  verdictText: undefined,
  selected: null,
  verdictError: false,
};

const VIEWS = ['explain', 'check'];

function setState(s) {
  main.dataset.state = s;
}

function say(msg) {
  $('status').textContent = msg;
}

function showError(msg) {
  const el = $('error');
  el.replaceChildren(
    h('strong', {}, 'Error: '),
    msg,
    h('span', { class: 'hint' }, ' The page is ready for another file or option.'),
  );
  el.hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error').replaceChildren();
  state.verdictError = false;
}

function message(e) {
  return e instanceof Error ? e.message : String(e);
}

function currentFile() {
  return state.files[state.current];
}

function selectedPrograms() {
  return [...document.querySelectorAll('#programs input[name=program]:checked')].map((i) => i.value);
}

function options() {
  const programs = selectedPrograms();
  for (const p of state.urlPrograms) if (!programs.includes(p)) programs.push(p);
  return explainOptions({
    arch: $('arch').value,
    kernel: document.querySelector('input[name=kernel]:checked')?.value,
    programs,
  });
}

/** The options of the "Will it load?" view (programs: those checked, as for explain). */
function verdictOptions(programs = selectedPrograms()) {
  return checkOptions({
    arch: $('arch').value,
    loader: document.querySelector('input[name=loader]:checked')?.value,
    kernels: kernelList($('kernels').value),
    kernelBtf: $('kernel-btf').checked,
    programs,
  });
}

function updateUrl() {
  const f = currentFile();
  const o = options();
  const v = verdictOptions();
  const q = urlQuery({
    example: f?.example ?? '',
    arch: o.arch,
    kernel: o.kernel,
    programs: o.programs,
    view: state.view,
    kernels: v.kernels,
    loader: v.loader,
    kernelBtf: v.kernel_btf,
  });
  // Unchanged: not replaced (the call takes milliseconds in Chromium).
  if (location.search !== q) history.replaceState(null, '', `${location.pathname}${q}`);
}

/** Lists `programs` ({name, prog_type, autoload}) as checkboxes, `checked` checked. */
function fillPrograms(programs, checked) {
  const box = $('programs');
  state.listed = programs;
  box.replaceChildren(
    ...programs.map((p) =>
      h(
        'label',
        { class: 'choice' },
        h('input', { type: 'checkbox', name: 'program', value: p.name, checked: checked.includes(p.name) }),
        ' ',
        h('code', {}, p.name),
        h('span', { class: 'muted' }, ` ${p.prog_type}${p.autoload ? '' : ', autoload off'}`),
      ),
    ),
  );
  if (!programs.length) box.append(h('p', { class: 'muted' }, 'The object has no programs.'));
}

/** Lists the programs of file `f` (`argctx programs`), unless they are the ones listed. */
async function listPrograms(f) {
  const { programs } = await call('programs', f.bytes);
  const same =
    state.listed?.length === programs.length &&
    programs.every((p, i) => {
      const q = state.listed[i];
      return p.name === q.name && p.prog_type === q.prog_type && p.autoload === q.autoload;
    });
  if (!same) fillPrograms(programs, [...selectedPrograms(), ...state.urlPrograms]);
  const known = new Set(programs.map((p) => p.name));
  state.urlPrograms = state.urlPrograms.filter((p) => !known.has(p));
}

function resetResults() {
  state.report = null;
  state.dumps = {};
  state.entries = {};
  state.ext = undefined;
  state.text = undefined;
  $('results').hidden = true;
  $('program-list').replaceChildren();
  $('summary').replaceChildren();
  $('report-json').textContent = '';
  clearVerdict();
}

function clearVerdict() {
  state.verdict = null;
  state.verdictOptions = null;
  state.verdictText = undefined;
  $('verdict-summary').replaceChildren();
  $('verdict-matrix').replaceChildren();
  $('verdict-json').textContent = '';
  $('check-text').textContent = '';
}

/** Files up to this size are listed (`programs`) before they are analysed: it takes under 0.2 ms. */
const LIST_LATER_SIZE = 64 * 1024;

/** Analyses the current file with the current options; `fresh` also lists its programs. */
async function analyse({ fresh = false } = {}) {
  const f = currentFile();
  if (!f) return;
  const run = ++state.run;
  main.dataset.run = String(run);
  setState('loading');
  say(`Analysing ${f.name}…`);
  clearError();
  // A new file's programs. For a large file whose URL names none, the report lists them (all of
  // them unless some have autoload off) and the `programs` view, called once the result is on
  // screen, completes the list: one call less before the first frame.
  const listLater = fresh && !state.urlPrograms.length && f.bytes.length > LIST_LATER_SIZE;
  try {
    if (fresh) {
      $('programs').replaceChildren();
      state.listed = null;
      if (!listLater) await listPrograms(f);
    }
    updateUrl();
    const opts = options();
    const vopts = verdictOptions(opts.programs);
    // Programs named only by the URL apply to the first analysis.
    state.urlPrograms = [];
    const report = await call('explain', f.bytes, opts);
    if (run !== state.run) return;
    if (listLater && report.programs.length) {
      fillPrograms(report.programs.map((p) => ({ name: p.name, prog_type: p.prog_type, autoload: true })), []);
    }
    resetResults();
    state.report = report;
    const queue = render(report);
    const ms = performance.now() - state.startedAt;
    main.dataset.file = f.name;
    main.dataset.elapsedMs = ms.toFixed(1);
    delete main.dataset.paintedMs;
    delete main.dataset.completeMs;
    // The first frame after rendering: the result is on screen (painted-ms). The cards below it
    // and the report's JSON (hidden, megabytes for a large object) follow (complete-ms).
    const shown = afterPaint().then(async (painted) => {
      if (painted && run === state.run) main.dataset.paintedMs = (performance.now() - state.startedAt).toFixed(1);
      if (listLater && currentFile() === f) await listPrograms(f);
      await renderRest(report, queue);
    });
    if (state.view === 'check') {
      if (!(await verdict(run, f, vopts))) return;
    } else {
      say(
        `${f.name}: ${report.programs.length} program${report.programs.length === 1 ? '' : 's'} analysed in ${ms.toFixed(0)} ms.`,
      );
    }
    await shown;
    if (run !== state.run) return;
    setState('ready');
  } catch (e) {
    if (run !== state.run) return;
    if (listLater && !state.listed) {
      // The programs are listed even when the analysis fails (when the object has them).
      await listPrograms(f).catch(() => {});
      if (run !== state.run) return;
    }
    resetResults();
    main.dataset.file = f.name;
    setState('error');
    say('');
    showError(`${f.name}: ${message(e)}`);
  }
}

/** Resolves to true after the next frame has been rendered, to false at once when the page is hidden. */
function afterPaint() {
  return new Promise((resolve) => {
    if (document.hidden) setTimeout(() => resolve(false));
    else requestAnimationFrame(() => setTimeout(() => resolve(true)));
  });
}

function nextTask() {
  return new Promise((resolve) => setTimeout(resolve));
}

/**
 * About how many elements one task creates: the first frame shows the cards that fit (at least
 * one), later tasks add the others, so a large object is on screen quickly and the page stays
 * responsive meanwhile. The cards of a small object all come at once.
 */
const BATCH_WEIGHT = 400;

/** The next cards of `queue` ({programs, weights, next}) that fit in one batch, built off-document. */
function cards(queue) {
  const frag = document.createDocumentFragment();
  let weight = 0;
  while (queue.next < queue.programs.length) {
    const w = queue.weights[queue.next];
    if (weight && weight + w > BATCH_WEIGHT) break;
    weight += w;
    frag.append(renderProgram(queue.programs[queue.next]));
    queue.next += 1;
  }
  return frag;
}

/**
 * Shows the explain report: the summary and the first cards, inserted at once (long lists start
 * collapsed); returns the queue of the cards still to add (`renderRest`). The cards of a large
 * report are laid out only when scrolled near (`large`: content-visibility in style.css).
 */
function render(report) {
  $('summary').replaceChildren(renderSummary(report));
  const weights = report.programs.map(programWeight);
  const queue = { programs: report.programs, weights, next: 0 };
  const list = $('program-list');
  list.classList.toggle('large', weights.reduce((a, w) => a + w, 0) > BATCH_WEIGHT);
  list.replaceChildren(
    report.programs.length ? cards(queue) : h('p', { class: 'muted' }, 'No program is loaded: none is autoloaded or selected.'),
  );
  $('download-btf').disabled = !report.btf || !!report.error;
  $('results').hidden = false;
  refreshPanels();
  return queue;
}

/**
 * Adds the cards left in `queue`, one batch per task, then the report's JSON; stops when another
 * report replaces `report` (the "Will it load?" view's runs leave it shown).
 */
async function renderRest(report, queue) {
  while (queue.next < queue.programs.length) {
    await nextTask();
    if (state.report !== report) return;
    $('program-list').append(cards(queue));
  }
  if (state.report !== report) return;
  $('report-json').textContent = JSON.stringify(report);
  main.dataset.completeMs = (performance.now() - state.startedAt).toFixed(1);
}

// ---- the "Will it load?" view ----

/** Computes and shows the verdicts for run `run`; false (and the error shown) when it fails. */
async function verdict(run, f, vopts) {
  const started = performance.now();
  try {
    const r = await call('check', f.bytes, vopts);
    if (run !== state.run) return false;
    clearVerdict();
    state.verdict = r;
    state.verdictOptions = vopts;
    renderVerdict(r);
    const n = r.programs.length;
    say(
      `${f.name}: ${n} program${n === 1 ? '' : 's'} judged on ${r.kernels.length} kernel${r.kernels.length === 1 ? '' : 's'} in ${(performance.now() - started).toFixed(0)} ms.`,
    );
    return true;
  } catch (e) {
    if (run !== state.run) return false;
    clearVerdict();
    $('verdict-matrix').replaceChildren(h('p', { class: 'muted' }, 'No verdict: see the error above.'));
    setState('error');
    say('');
    showError(`${f.name}: ${message(e)}`);
    state.verdictError = true;
    return false;
  }
}

/** Re-judges the current file after a change of the view's own options (or on showing it). */
async function reverdict() {
  const f = currentFile();
  if (!f || !state.report) return;
  const run = ++state.run;
  main.dataset.run = String(run);
  setState('loading');
  say(`Judging ${f.name}…`);
  clearError();
  updateUrl();
  if (await verdict(run, f, verdictOptions())) setState('ready');
}

function renderVerdict(r) {
  $('verdict-summary').replaceChildren(renderVerdictSummary(r));
  $('verdict-matrix').replaceChildren(renderVerdictMatrix(r));
  $('verdict-json').textContent = JSON.stringify(r);
  if (!$('kernels').value.trim()) $('kernels').placeholder = r.kernels.map((k) => k.kernel).join(' ');
  // The cell that was open stays open when it still exists.
  const sel = state.selected;
  const again = sel && cellButtons().find((b) => b.dataset.program === sel.program && b.dataset.kernel === sel.kernel);
  if (again) toggleCell(again);
  else state.selected = null;
  refreshCheckText();
}

function cellButtons() {
  return [...document.querySelectorAll('#verdict-matrix .cell-button')];
}

/** Opens the detail of a cell (closing any other), or closes it when it is the open one. */
function toggleCell(btn) {
  const wasOpen = btn.getAttribute('aria-expanded') === 'true';
  for (const b of cellButtons()) b.setAttribute('aria-expanded', 'false');
  for (const row of document.querySelectorAll('#verdict-matrix tr.verdict-detail')) {
    row.hidden = true;
    row.cells[0].replaceChildren();
  }
  if (wasOpen) {
    state.selected = null;
    return;
  }
  const i = Number(btn.dataset.index);
  const p = state.verdict.programs[i];
  const k = p.kernels[Number(btn.dataset.col)];
  btn.setAttribute('aria-expanded', 'true');
  const row = $(detailId(i));
  row.cells[0].replaceChildren(renderVerdictDetail(p, k));
  row.hidden = false;
  state.selected = { program: p.name, kernel: k.kernel };
}

/** Arrow keys move between cells; Escape closes the open detail and returns to its cell. */
function matrixKeys(ev) {
  if (ev.key === 'Escape') {
    const open = cellButtons().find((b) => b.getAttribute('aria-expanded') === 'true');
    if (!open) return;
    ev.preventDefault();
    toggleCell(open);
    open.focus();
    return;
  }
  const btn = ev.target.closest?.('.cell-button');
  if (!btn) return;
  let i = Number(btn.dataset.index);
  let j = Number(btn.dataset.col);
  const last = state.verdict.kernels.length - 1;
  if (ev.key === 'ArrowLeft') j -= 1;
  else if (ev.key === 'ArrowRight') j += 1;
  else if (ev.key === 'ArrowUp') i -= 1;
  else if (ev.key === 'ArrowDown') i += 1;
  else if (ev.key === 'Home') j = 0;
  else if (ev.key === 'End') j = last;
  else return;
  const target = cellButtons().find((b) => Number(b.dataset.index) === i && Number(b.dataset.col) === j);
  ev.preventDefault();
  target?.focus();
}

function setView(view) {
  state.view = VIEWS.includes(view) ? view : 'explain';
  for (const v of VIEWS) {
    const on = v === state.view;
    $(`tab-${v}`).setAttribute('aria-selected', String(on));
    $(`tab-${v}`).tabIndex = on ? 0 : -1;
    $(`view-${v}`).hidden = !on;
  }
  // The fallback/native choice and the rewritten BTF belong to the explain view.
  $('kernel-field').hidden = state.view === 'check';
  $('download-btf').hidden = state.view === 'check';
  main.dataset.view = state.view;
}

async function showView(view) {
  if (view === state.view) return;
  setView(view);
  updateUrl();
  if (state.view === 'check' && state.report && !state.verdict) {
    await reverdict();
  } else if (state.view === 'explain' && state.verdictError) {
    // The error was the verdict's: the explain view has none.
    clearError();
    setState('ready');
  }
}

function tabKeys(ev) {
  const i = VIEWS.indexOf(state.view);
  let next;
  if (ev.key === 'ArrowRight') next = VIEWS[(i + 1) % VIEWS.length];
  else if (ev.key === 'ArrowLeft') next = VIEWS[(i + VIEWS.length - 1) % VIEWS.length];
  else if (ev.key === 'Home') next = VIEWS[0];
  else if (ev.key === 'End') next = VIEWS[VIEWS.length - 1];
  else return;
  ev.preventDefault();
  $(`tab-${next}`).focus();
  showView(next);
}

async function refreshCheckText() {
  if (!$('check-text-section').open || !state.verdict) return;
  if (state.verdictText === undefined) {
    try {
      state.verdictText = await call('check_text', currentFile().bytes, state.verdictOptions);
    } catch (e) {
      state.verdictText = message(e);
    }
  }
  $('check-text').textContent = state.verdictText;
}

// ---- lazily filled panels ----

async function btfDump(which) {
  if (state.dumps[which] !== undefined) return state.dumps[which];
  const f = currentFile();
  let text;
  try {
    const bytes = which === 'sent' ? await call('rewrite_btf', f.bytes, options()) : f.bytes;
    text = await call('btf_dump', bytes);
  } catch (e) {
    text = { error: message(e) };
  }
  state.dumps[which] = text;
  return text;
}

let searchTimer;
async function refreshBtf() {
  if (!$('btf-section').open || !state.report) return;
  const which = document.querySelector('input[name=btf-which]:checked').value;
  const dump = await btfDump(which);
  if (typeof dump !== 'string') {
    $('btf-dump').textContent = `No BTF to show: ${dump.error}`;
    $('btf-count').textContent = '';
    return;
  }
  state.entries[which] ??= btfEntries(dump);
  const all = state.entries[which];
  const query = $('btf-search').value.trim();
  const { total, shown } = filterEntries(all, query);
  $('btf-dump').textContent = shown.join('\n');
  $('btf-count').textContent = query
    ? `${total} of ${all.length} types match${shown.length < total ? ` (first ${shown.length} shown)` : ''}`
    : `${all.length} types${shown.length < total ? ` (first ${shown.length} shown; search to narrow)` : ''}`;
}

async function refreshExt() {
  if (!$('ext-section').open || !state.report) return;
  if (state.ext === undefined) {
    try {
      state.ext = renderBtfExt(await call('btf_ext', currentFile().bytes));
    } catch (e) {
      state.ext = h('p', { class: 'error-inline' }, message(e));
    }
  }
  $('btf-ext').replaceChildren(state.ext);
}

async function refreshText() {
  if (!$('text-section').open || !state.report) return;
  if (state.text === undefined) {
    try {
      state.text = await call('explain_text', currentFile().bytes, options());
    } catch (e) {
      state.text = message(e);
    }
  }
  $('report-text').textContent = state.text;
}

function refreshPanels() {
  refreshBtf();
  refreshExt();
  refreshText();
}

// ---- downloads ----

function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function baseName() {
  return (currentFile()?.name ?? 'object').replace(/\.(bpf\.)?o$/, '');
}

async function downloadBtf() {
  try {
    const blob = await call('rewrite_btf', currentFile().bytes, options());
    download(`${baseName()}.btf`, new Blob([blob], { type: 'application/octet-stream' }));
    say(`Saved ${baseName()}.btf (${blob.length} bytes).`);
  } catch (e) {
    showError(`${currentFile().name}: ${message(e)}`);
  }
}

function downloadJson() {
  const [report, kind] = state.view === 'check' ? [state.verdict, 'check'] : [state.report, 'explain'];
  if (!report) return;
  const json = `${JSON.stringify(report, null, 2)}\n`;
  download(`${baseName()}.${kind}.json`, new Blob([json], { type: 'application/json' }));
}

// ---- inputs ----

async function openFiles(fileList) {
  state.startedAt = performance.now();
  const files = [...fileList];
  if (!files.length) return;
  const loaded = [];
  for (const file of files) {
    if (file.size > MAX_SIZE) {
      showError(`${file.name}: ${file.size} bytes is more than this page handles (${MAX_SIZE} bytes)`);
      continue;
    }
    loaded.push({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()), example: '' });
  }
  if (!loaded.length) return;
  state.files = loaded;
  state.urlPrograms = [];
  $('example').value = '';
  $('example-description').textContent = '';
  const sel = $('loaded');
  sel.replaceChildren(...loaded.map((f, i) => h('option', { value: i }, f.name)));
  $('loaded-field').hidden = loaded.length < 2;
  await select(0);
}

async function select(index) {
  state.current = index;
  state.selected = null;
  $('loaded').value = String(index);
  resetResults();
  await analyse({ fresh: true });
}

async function openExample(name) {
  state.startedAt = performance.now();
  const ex = state.examples.find((e) => e.name === name);
  $('example-description').textContent = ex?.description ?? '';
  if (!ex) {
    showError(`there is no built-in example '${name}'`);
    return;
  }
  try {
    const res = await fetch(new URL(`../${ex.path}`, import.meta.url));
    if (!res.ok) throw new Error(`HTTP ${res.status} for ${ex.path}`);
    state.files = [{ name: `${ex.name}.o`, bytes: new Uint8Array(await res.arrayBuffer()), example: ex.name }];
  } catch (e) {
    showError(`cannot fetch example '${name}': ${message(e)}`);
    return;
  }
  $('loaded-field').hidden = true;
  $('example').value = name;
  await select(0);
}

async function loadExamples() {
  try {
    const res = await fetch(EXAMPLES);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    state.examples = await res.json();
  } catch {
    state.examples = [];
  }
  $('example').append(...state.examples.map((e) => h('option', { value: e.name }, e.name)));
  $('example').disabled = !state.examples.length;
}

function wire() {
  $('file').addEventListener('change', async (ev) => {
    await openFiles(ev.target.files);
    ev.target.value = ''; // choosing the same file again re-runs it
  });
  const drop = $('drop');
  for (const t of ['dragenter', 'dragover']) {
    window.addEventListener(t, (ev) => {
      ev.preventDefault();
      drop.classList.add('dragging');
    });
  }
  for (const t of ['dragleave', 'dragend']) window.addEventListener(t, () => drop.classList.remove('dragging'));
  window.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('dragging');
    if (ev.dataTransfer?.files?.length) openFiles(ev.dataTransfer.files);
  });
  $('example').addEventListener('change', (ev) => {
    if (ev.target.value) openExample(ev.target.value);
  });
  $('loaded').addEventListener('change', (ev) => {
    state.startedAt = performance.now();
    select(Number(ev.target.value));
  });
  const rerun = () => {
    state.startedAt = performance.now();
    analyse();
  };
  $('arch').addEventListener('change', rerun);
  for (const r of document.querySelectorAll('input[name=kernel]')) r.addEventListener('change', rerun);
  $('programs').addEventListener('change', rerun);
  $('programs-clear').addEventListener('click', () => {
    for (const i of document.querySelectorAll('#programs input[name=program]')) i.checked = false;
    rerun();
  });
  for (const v of VIEWS) $(`tab-${v}`).addEventListener('click', () => showView(v));
  document.querySelector('[role=tablist]').addEventListener('keydown', tabKeys);
  $('kernels').addEventListener('change', reverdict);
  for (const r of document.querySelectorAll('input[name=loader]')) r.addEventListener('change', reverdict);
  $('kernel-btf').addEventListener('change', reverdict);
  $('verdict-matrix').addEventListener('click', (ev) => {
    const btn = ev.target.closest?.('.cell-button');
    if (btn) toggleCell(btn);
  });
  $('verdict-matrix').addEventListener('keydown', matrixKeys);
  $('check-text-section').addEventListener('toggle', refreshCheckText);
  $('btf-section').addEventListener('toggle', refreshBtf);
  $('ext-section').addEventListener('toggle', refreshExt);
  $('text-section').addEventListener('toggle', refreshText);
  for (const r of document.querySelectorAll('input[name=btf-which]')) r.addEventListener('change', refreshBtf);
  $('btf-search').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(refreshBtf, 120);
  });
  $('download-btf').addEventListener('click', downloadBtf);
  $('download-json').addEventListener('click', downloadJson);
  // "/" jumps to the BTF search, as on many code sites.
  document.addEventListener('keydown', (ev) => {
    const t = ev.target;
    const typing =
      (t instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'file'].includes(t.type)) ||
      t instanceof HTMLTextAreaElement ||
      t instanceof HTMLSelectElement ||
      t.isContentEditable;
    if (ev.key !== '/' || typing || ev.ctrlKey || ev.metaKey || ev.altKey || !state.report || state.view !== 'explain') return;
    ev.preventDefault();
    $('btf-section').open = true;
    $('btf-search').focus();
  });
}

async function start() {
  wire();
  try {
    await load();
  } catch (e) {
    setState('error');
    showError(`cannot start argctx: ${message(e)}`);
    return;
  }
  $('version').textContent = await call('version');
  $('arch').append(...(await call('architectures')).map((a) => h('option', { value: a }, a)));
  await loadExamples();
  const url = readUrlState();
  if (url.arch) $('arch').value = url.arch;
  if (url.arch && $('arch').value !== url.arch) showError(`unknown architecture '${url.arch}' in the URL`);
  const kernelRadio = [...document.querySelectorAll('input[name=kernel]')].find((r) => r.value === url.kernel);
  if (kernelRadio) kernelRadio.checked = true;
  document.querySelector(`input[name=loader][value=${url.loader === 'plain' ? 'plain' : 'libbpf'}]`).checked = true;
  $('kernels').value = url.kernels.join(' ');
  $('kernel-btf').checked = url.kernelBtf;
  setView(url.view);
  setState('idle');
  if (url.example) {
    state.urlPrograms = url.programs;
    await openExample(url.example);
  } else {
    say('Open a file or choose an example.');
  }
}

start();
