// The playground page: file input and examples → argctx (WebAssembly) → rendered report.

import { call, load } from './wasm.js';
import {
  btfEntries,
  explainOptions,
  filterEntries,
  h,
  readUrlState,
  renderBtfExt,
  renderProgram,
  renderSummary,
  urlQuery,
} from './render.js';

const $ = (id) => document.getElementById(id);
const main = $('main');
const EXAMPLES = new URL('../pkg/examples.json', import.meta.url);
const MAX_SIZE = 256 * 1024 * 1024;

const state = {
  files: [], // [{name, bytes, example}]
  current: -1,
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
};

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

function updateUrl() {
  const f = currentFile();
  const o = options();
  const q = urlQuery({ example: f?.example ?? '', arch: o.arch, kernel: o.kernel, programs: o.programs });
  history.replaceState(null, '', `${location.pathname}${q}`);
}

function fillPrograms(report, checked) {
  const box = $('programs');
  box.replaceChildren(
    ...report.programs.map((p) =>
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
  if (!report.programs.length) box.append(h('p', { class: 'muted' }, 'The object has no programs.'));
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
}

/** Analyses the current file with the current options; `fresh` also lists its programs. */
async function analyse({ fresh = false } = {}) {
  const f = currentFile();
  if (!f) return;
  const run = ++state.run;
  main.dataset.run = String(run);
  setState('loading');
  say(`Analysing ${f.name}…`);
  clearError();
  try {
    if (fresh) {
      $('programs').replaceChildren();
      const programs = await call('programs', f.bytes);
      fillPrograms(programs, state.urlPrograms);
      const known = new Set(programs.programs.map((p) => p.name));
      state.urlPrograms = state.urlPrograms.filter((p) => !known.has(p));
    }
    updateUrl();
    const opts = options();
    // Programs named only by the URL apply to the first analysis.
    state.urlPrograms = [];
    const report = await call('explain', f.bytes, opts);
    if (run !== state.run) return;
    resetResults();
    state.report = report;
    render(report);
    const ms = performance.now() - state.startedAt;
    main.dataset.file = f.name;
    main.dataset.elapsedMs = ms.toFixed(1);
    delete main.dataset.paintedMs;
    // The first frame after rendering: the result is on screen.
    requestAnimationFrame(() =>
      setTimeout(() => {
        if (run === state.run) main.dataset.paintedMs = (performance.now() - state.startedAt).toFixed(1);
      }),
    );
    setState('ready');
    say(
      `${f.name}: ${report.programs.length} program${report.programs.length === 1 ? '' : 's'} analysed in ${ms.toFixed(0)} ms.`,
    );
  } catch (e) {
    if (run !== state.run) return;
    resetResults();
    main.dataset.file = f.name;
    setState('error');
    say('');
    showError(`${f.name}: ${message(e)}`);
  }
}

function render(report) {
  $('summary').replaceChildren(renderSummary(report));
  $('program-list').replaceChildren(
    ...(report.programs.length
      ? report.programs.map((p) => renderProgram(p))
      : [h('p', { class: 'muted' }, 'No program is loaded: none is autoloaded or selected.')]),
  );
  $('report-json').textContent = JSON.stringify(report);
  $('download-btf').disabled = !report.btf || !!report.error;
  $('results').hidden = false;
  refreshPanels();
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
  if (!state.report) return;
  const json = `${JSON.stringify(state.report, null, 2)}\n`;
  download(`${baseName()}.explain.json`, new Blob([json], { type: 'application/json' }));
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
    if (ev.key !== '/' || typing || ev.ctrlKey || ev.metaKey || ev.altKey || !state.report) return;
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
  if (url.kernel === 'native' || url.kernel === 'fallback') {
    document.querySelector(`input[name=kernel][value=${url.kernel}]`).checked = true;
  }
  setState('idle');
  if (url.example) {
    state.urlPrograms = url.programs;
    await openExample(url.example);
  } else {
    say('Open a file or choose an example.');
  }
}

start();
