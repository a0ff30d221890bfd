// Turns argctx's reports (the JSON contracts of `argctx explain --format json` and of
// `argctx check --format json`'s report) into DOM.
// Every string from a file is inserted as text, never as HTML.

/** Creates an element: h('p', {class: 'x', dataset: {a: 1}}, 'text', child, …). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** One line per decision, in words, for tooltips. */
export const DECISIONS = {
  rewritten: 'libbpf clones the function and points the argument at the context struct',
  already_canonical: 'the argument already has the context type: nothing to do',
  mismatched_type: 'neither void * nor the context type: libbpf warns and leaves it',
  static_function: 'static function: libbpf and the kernel ignore the tag',
  not_a_function: 'the tag is not on a function with a prototype',
  not_reachable: 'this program never calls the function',
  no_named_context: 'no context struct libbpf can emulate for this program type',
  no_func_info: 'no func_info (.BTF.ext), so no fallback',
  native_support: 'the kernel reads arg:ctx itself: BTF sent unchanged',
  whole_function: 'the tag is on the whole function, not an argument',
  out_of_range: 'the tag names an argument past the last one',
};

const QUIET = new Set(['not_reachable']);
const GOOD = new Set(['already_canonical', 'native_support']);
const BAD = new Set(['mismatched_type', 'no_func_info', 'no_named_context', 'out_of_range']);

function decisionClass(d) {
  if (d === 'rewritten') return 'decision rewritten';
  if (GOOD.has(d)) return 'decision good';
  if (BAD.has(d)) return 'decision bad';
  if (QUIET.has(d)) return 'decision quiet';
  return 'decision other';
}

/** `{0, 17} {6, 33}` as the CLI prints func_info. */
export function funcInfoText(list) {
  return list.length ? list.map((f) => `{${f.insn_off}, ${f.type_id}}`).join(' ') : '(none)';
}

function code(text) {
  return h('code', {}, text);
}

/** Text with `backticked` spans shown as code (argctx's reasons quote C that way). */
export function prose(text) {
  const parts = text.split('`');
  if (parts.length % 2 === 0) return text; // unbalanced: leave it as it is
  return parts.map((p, i) => (i % 2 ? code(p) : p));
}

function argTitle(a) {
  const idx = a.arg_index < 0 ? 'whole function' : `arg#${a.arg_index}`;
  return [code(`${a.subprog || '(anon)'}()`), ` ${idx}`, a.arg_name ? [' ', code(a.arg_name)] : ''];
}

function renderArg(a, { compact = false } = {}) {
  return h(
    'li',
    {
      class: `arg${QUIET.has(a.decision) ? ' is-quiet' : ''}`,
      dataset: { subprog: a.subprog, argIndex: a.arg_index, decision: a.decision },
    },
    h(
      'div',
      { class: 'arg-head' },
      h('span', { class: 'arg-name' }, argTitle(a)),
      h(
        'span',
        { class: decisionClass(a.decision), title: DECISIONS[a.decision] ?? '' },
        a.decision,
      ),
    ),
    compact && QUIET.has(a.decision) ? null : h('p', { class: 'reason' }, prose(a.reason)),
    compact && QUIET.has(a.decision)
      ? null
      : h(
          'dl',
          { class: 'protos' },
          h('dt', {}, 'before'),
          h('dd', {}, h('code', { class: 'proto before' }, a.before)),
          a.after ? [h('dt', {}, 'after'), h('dd', {}, h('code', { class: 'proto after' }, a.after))] : null,
        ),
  );
}

/**
 * Long lists show their first items at once; a button builds the rest (off-document, inserted in
 * one go) when pressed, so a large object's result is on screen quickly and nothing is left out.
 */
export const FIRST = { args: 25, subprogs: 12, funcInfo: 12, btfLines: 40 };

/** A fragment of `make(item)` for each item. */
function fragment(items, make) {
  const frag = document.createDocumentFragment();
  for (const it of items) frag.append(make(it));
  return frag;
}

/**
 * Appends the first `first` items to `list`; returns null when that is all of them, else the
 * "Show all" button that appends the rest. Pressed from the keyboard, it moves focus to the first
 * item it revealed (the button is gone).
 */
function showAll(list, items, make, first, label, of) {
  list.append(fragment(items.slice(0, first), make));
  if (items.length <= first) return null;
  const more = h(
    'button',
    { type: 'button', class: 'more' },
    `Show all ${items.length} ${label}`,
    of ? h('span', { class: 'sr-only' }, ` of ${of}`) : null,
  );
  more.addEventListener('click', () => {
    const rest = fragment(items.slice(first), make);
    const next = rest.firstElementChild;
    const hadFocus = document.activeElement === more;
    list.append(rest);
    more.remove();
    if (hadFocus && next) {
      next.tabIndex = -1;
      next.focus();
    }
  });
  return more;
}

/** Whether the record sent (`a`) differs from the object's (`b`); either may be missing. */
function changedRecord(b, a) {
  return !b || !a || b.type_id !== a.type_id || b.insn_off !== a.insn_off;
}

function funcInfoRow([b, a]) {
  const changed = changedRecord(b, a);
  return h(
    'tr',
    { class: changed ? 'changed' : null },
    h('td', {}, String((a ?? b).insn_off)),
    h('td', {}, b ? String(b.type_id) : '–'),
    h('td', {}, a ? String(a.type_id) : '–', changed ? h('span', { class: 'sr-only' }, ' (changed)') : null),
  );
}

function renderFuncInfo(p) {
  const n = Math.max(p.func_info_before.length, p.func_info.length);
  const pairs = [];
  let changed = 0;
  for (let i = 0; i < n; i += 1) {
    const b = p.func_info_before[i];
    const a = p.func_info[i];
    if (changedRecord(b, a)) changed += 1;
    pairs.push([b, a]);
  }
  const body = h('tbody', {});
  const more = showAll(body, pairs, funcInfoRow, FIRST.funcInfo, 'func_info records', p.name);
  if (!n) body.append(h('tr', {}, h('td', { colspan: 3 }, '(none)')));
  const table = h(
    'table',
    {
      class: 'func-info',
      dataset: {
        before: funcInfoText(p.func_info_before),
        sent: funcInfoText(p.func_info),
      },
    },
    h(
      'caption',
      {},
      'func_info records (insn_off in instructions)',
      n > FIRST.funcInfo ? `: ${n} records, ${changed} changed` : null,
    ),
    h(
      'thead',
      {},
      h('tr', {}, h('th', { scope: 'col' }, 'insn_off'), h('th', { scope: 'col' }, 'type_id before'), h('th', { scope: 'col' }, 'type_id sent')),
    ),
    body,
  );
  return more ? [table, more] : table;
}

function argList(args, opts = {}) {
  if (!args.length) return h('p', { class: 'muted' }, opts.empty ?? 'none');
  const list = h('ul', { class: 'arg-list' });
  const more = showAll(list, args, (a) => renderArg(a, opts), FIRST.args, 'tags', opts.of);
  return more ? [list, more] : list;
}

/** Tags in functions the program never calls: collapsed, built when first opened. */
function unreachedArgs(program, args) {
  if (!args.length) return null;
  const fns = [...new Set(args.map((a) => a.subprog))];
  const names = fns.length <= 4 ? `: ${fns.join(', ')}` : '';
  const details = h(
    'details',
    { class: 'unreached', dataset: { count: args.length } },
    h('summary', {}, `${args.length} more tag${args.length === 1 ? '' : 's'} in functions ${program} never calls${names} (not_reachable)`),
  );
  details.addEventListener('toggle', () => {
    if (details.open && details.childElementCount === 1) details.append(...[argList(args, { of: program })].flat());
  });
  return details;
}

/** The BTF types added for a program (bpftool's format), the first lines of a long text at once. */
function addedBtf(ep) {
  const text = ep.added_btf;
  let end = 0;
  for (let n = 0; n < FIRST.btfLines && end < text.length; n += 1) {
    const nl = text.indexOf('\n', end);
    end = nl < 0 ? text.length : nl + 1;
  }
  if (!text.slice(end).trim()) return h('pre', { class: 'btf' }, text);
  const pre = h('pre', { class: 'btf' }, text.slice(0, end));
  const lines = text.trimEnd().split('\n').length;
  const more = h(
    'button',
    { type: 'button', class: 'more' },
    `Show all ${lines} lines`,
    h('span', { class: 'sr-only' }, ` of the BTF types added for ${ep.name}`),
  );
  more.addEventListener('click', () => {
    const hadFocus = document.activeElement === more;
    pre.textContent = text;
    more.remove();
    if (hadFocus) {
      pre.tabIndex = 0;
      pre.focus();
    }
  });
  return [pre, more];
}

/** The subprograms in append order, the first of a long list at once. */
function subprogList(ep) {
  if (!ep.subprogs.length) return '(none)';
  const list = h('ol', {});
  const more = showAll(list, ep.subprogs, (s) => h('li', {}, code(s)), FIRST.subprogs, 'subprograms', ep.name);
  return more ? [list, more] : list;
}

/** About how many elements `renderProgram(ep)` creates (long lists collapsed). */
export function programWeight(ep) {
  let args = 0;
  for (const a of ep.args) if (!QUIET.has(a.decision)) args += 1;
  const rows = Math.max(ep.func_info.length, ep.func_info_before.length);
  return (
    20 +
    2 * Math.min(ep.subprogs.length, FIRST.subprogs) +
    14 * Math.min(args, FIRST.args) +
    4 * Math.min(rows, FIRST.funcInfo) +
    ep.warnings.length
  );
}

/**
 * About how tall a card is at first (in rem, at the page's width): the size it takes while off
 * screen and not yet laid out (`content-visibility: auto`).
 */
function cardHeight(ep, reached) {
  const rows = Math.max(ep.func_info.length, ep.func_info_before.length);
  const lines = ep.added_btf ? Math.min(ep.added_btf.trimEnd().split('\n', FIRST.btfLines + 1).length, FIRST.btfLines) : 0;
  const more = (reached > FIRST.args) + (ep.subprogs.length > FIRST.subprogs) + (rows > FIRST.funcInfo) + (lines >= FIRST.btfLines);
  return Math.round(
    19 +
      9.5 * Math.min(reached, FIRST.args) +
      1.5 * Math.min(ep.subprogs.length, FIRST.subprogs) +
      1.9 * Math.min(rows, FIRST.funcInfo) +
      (lines ? 4 + Math.min(1.4 * lines, 32) : 0) +
      2.5 * more +
      2 * (ep.args.length > reached) +
      1.6 * ep.warnings.length,
  );
}

/** One program's card: everything the fallback did to it. */
export function renderProgram(ep, { compact = false } = {}) {
  const id = `prog-${ep.name}`;
  const quiet = ep.args.filter((a) => QUIET.has(a.decision)).length;
  const reached = ep.args.filter((a) => !QUIET.has(a.decision));
  const unreached = ep.args.filter((a) => QUIET.has(a.decision));
  const args = compact ? reached : ep.args;
  const card = h(
    'article',
    { class: 'program', 'aria-labelledby': id, dataset: { program: ep.name } },
    h(
      'header',
      {},
      h('h3', { id }, ep.name),
      h(
        'p',
        { class: 'meta' },
        'section ',
        code(ep.section),
        ' · type ',
        code(ep.prog_type),
        ' · attach ',
        code(ep.expected_attach_type),
        ep.error ? null : ` · ${ep.insn_cnt} instructions · ${ep.line_info_cnt} line_info`,
      ),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Context struct'),
      h(
        'dd',
        { class: 'ctx-struct' },
        ep.ctx_struct ? code(`struct ${ep.ctx_struct}`) : 'none (no fallback for this program type)',
      ),
      h('dt', {}, 'Subprograms (append order)'),
      h(
        'dd',
        { class: 'subprogs' },
        subprogList(ep),
      ),
    ),
    ep.error ? h('p', { class: 'prog-error', role: 'alert' }, `Linking fails: ${ep.error}`) : null,
    ep.error
      ? null
      : [
          h(
            'section',
            { class: 'args' },
            h('h4', {}, 'arg:ctx tags', compact && quiet ? h('span', { class: 'muted' }, ` (${quiet} not reached, hidden)`) : null),
            compact
              ? argList(args, { compact, of: ep.name, empty: ep.args.length ? 'none in the functions this program calls' : 'none' })
              : [
                  argList(reached, {
                    of: ep.name,
                    empty: unreached.length ? 'none in the functions this program calls' : 'the object has no arg:ctx tag',
                  }),
                  unreachedArgs(ep.name, unreached),
                ],
          ),
          compact
            ? h(
                'p',
                { class: 'func-info-inline' },
                'func_info ',
                code(funcInfoText(ep.func_info_before)),
                ' → ',
                code(funcInfoText(ep.func_info)),
              )
            : renderFuncInfo(ep),
          !compact && ep.added_btf
            ? h('section', { class: 'added' }, h('h4', {}, 'BTF types added'), addedBtf(ep))
            : null,
        ],
    ep.warnings.length
      ? h(
          'section',
          { class: 'warnings' },
          h('h4', {}, 'libbpf warnings'),
          h('ul', {}, ep.warnings.map((w) => h('li', {}, `libbpf: ${w}`))),
        )
      : null,
  );
  // Through the CSSOM: the page's Content-Security-Policy refuses style attributes.
  if (!compact) card.style.setProperty('--card-height', `${cardHeight(ep, reached.length)}rem`);
  return card;
}

/** The report's header: kernel, architecture, BTF sizes, load error and leftover warnings. */
export function renderSummary(report) {
  const perProgram = new Set(report.programs.flatMap((p) => p.warnings));
  const other = report.warnings.filter((w) => !perProgram.has(w));
  const b = report.btf;
  return h(
    'div',
    { class: 'summary' },
    h(
      'p',
      {},
      'Kernel: ',
      h(
        'strong',
        {},
        report.kernel === 'native'
          ? 'native arg:ctx support (6.8+)'
          : 'no native arg:ctx support (before 6.8): libbpf’s fallback',
      ),
      ' · architecture ',
      h('strong', {}, report.arch),
      ` · ${report.programs.length} autoloaded program${report.programs.length === 1 ? '' : 's'}`,
    ),
    b
      ? h(
          'p',
          { class: 'btf-sizes' },
          `BTF: ${b.original_types - 1} types, ${b.original_size} bytes in the object; ${Math.max(b.types - 1, 0)} types, ${b.size} bytes sent`,
        )
      : h('p', { class: 'muted' }, 'The object has no usable .BTF section.'),
    report.sanitized?.length
      ? h(
          'div',
          { class: 'sanitized' },
          h('p', {}, 'BTF sanitized for this kernel (libbpf rewrites what the kernel lacks in the copy it sends):'),
          h(
            'ul',
            {},
            report.sanitized.map((z) =>
              h('li', {}, `${z.feature} missing: ${z.change} (${z.count} type${z.count === 1 ? '' : 's'})`),
            ),
          ),
        )
      : null,
    report.externs?.length
      ? h(
          'p',
          { class: 'externs' },
          `Externs: ${report.externs.map((e) => `${e.kind} ${e.name}${e.weak ? ' (weak)' : ''}`).join(', ')}. `,
          'libbpf resolves them against the running kernel when it loads (a missing strong one fails the load); this view does not check them.',
        )
      : null,
    report.error ? h('p', { class: 'load-error', role: 'alert' }, `libbpf fails the whole load: ${report.error}`) : null,
    other.length
      ? h('ul', { class: 'warnings global' }, other.map((w) => h('li', {}, `libbpf: ${w}`)))
      : null,
  );
}

/** Splits bpftool raw output into entries (a `[id] KIND …` line plus its indented lines). */
export function btfEntries(dump) {
  const out = [];
  for (const line of dump.split('\n')) {
    if (line.startsWith('[') || out.length === 0) out.push(line);
    else if (line !== '') out[out.length - 1] += `\n${line}`;
  }
  return out.filter((e) => e !== '');
}

/** Entries containing every word of `query` (case-insensitive), at most `limit`. */
export function filterEntries(entries, query, limit = 3000) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const hits = words.length ? entries.filter((e) => {
    const l = e.toLowerCase();
    return words.every((w) => l.includes(w));
  }) : entries;
  return { total: hits.length, shown: hits.slice(0, limit) };
}

const CORE_RELO_KINDS = [
  'byte_off', 'byte_sz', 'field_exists', 'signed', 'lshift_u64', 'rshift_u64', 'local_type_id',
  'target_type_id', 'type_exists', 'type_size', 'enumval_exists', 'enumval_value', 'type_matches',
];

function table(caption, head, rows) {
  return h(
    'table',
    { class: 'records' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows),
  );
}

/** The `.BTF.ext` records DTO as tables, one per subsection and ELF section. */
export function renderBtfExt(x) {
  if (!x) return h('p', { class: 'muted' }, 'The object has no .BTF.ext section (or libbpf could not read it).');
  const hd = x.header;
  const parts = [
    h(
      'p',
      { class: 'meta' },
      `magic 0x${hd.magic.toString(16)}, version ${hd.version}, ${x.endian}-endian, hdr_len ${hd.hdr_len}; `,
      `func_info ${hd.func_info_len} bytes, line_info ${hd.line_info_len} bytes, core_relo ${hd.core_relo_len} bytes. `,
      'insn_off is a byte offset in the file; libbpf divides it by 8.',
    ),
  ];
  const sub = (title, s, head, row) => {
    if (!s.blocks.length) return h('section', {}, h('h4', {}, title), h('p', { class: 'muted' }, 'none'));
    return h(
      'section',
      { dataset: { subsection: title } },
      h('h4', {}, `${title} (record size ${s.rec_size})`),
      s.blocks.map((b) =>
        table(`section ${b.section} — ${b.records.length} record${b.records.length === 1 ? '' : 's'}`, head, b.records.map(row)),
      ),
    );
  };
  const insn = (off) => `${off} (insn ${off / 8})`;
  parts.push(
    sub('func_info', x.func_info, ['insn_off', 'type_id', 'function'], (r) =>
      h('tr', {}, h('td', {}, insn(r.insn_off)), h('td', {}, String(r.type_id)), h('td', {}, code(r.name))),
    ),
    sub('line_info', x.line_info, ['insn_off', 'file:line:col', 'source'], (r) =>
      h(
        'tr',
        {},
        h('td', {}, insn(r.insn_off)),
        h('td', {}, `${r.file}:${r.line}:${r.col}`),
        h('td', {}, code(r.source.trim())),
      ),
    ),
    sub('core_relo', x.core_relo, ['insn_off', 'type_id', 'access', 'kind'], (r) =>
      h(
        'tr',
        {},
        h('td', {}, insn(r.insn_off)),
        h('td', {}, `${r.type_id} ${r.type_name}`),
        h('td', {}, code(r.access_str)),
        h('td', {}, CORE_RELO_KINDS[r.kind] ?? String(r.kind)),
      ),
    ),
  );
  return h('div', { class: 'btf-ext' }, parts);
}

/** Reads the URL's options: {example, src, arch, kernel, programs, view, kernels, loader, kernelBtf}. */
export function readUrlState(search = location.search) {
  const q = new URLSearchParams(search);
  return {
    example: q.get('example') ?? '',
    src: q.get('src') ?? '',
    arch: q.get('arch') ?? '',
    kernel: q.get('kernel') ?? '',
    programs: q.getAll('program'),
    view: q.get('view') ?? '',
    kernels: kernelList(q.get('kernels') ?? ''),
    loader: q.get('loader') ?? '',
    kernelBtf: q.get('kernel_btf') !== 'no',
  };
}

/** The query string for a state (defaults left out). */
export function urlQuery({ example, arch, kernel, programs, view, kernels, loader, kernelBtf }) {
  const q = new URLSearchParams();
  if (example) q.set('example', example);
  if (arch && arch !== 'x86_64') q.set('arch', arch);
  if (kernel && kernel !== 'fallback') q.set('kernel', kernel);
  for (const p of programs ?? []) q.append('program', p);
  if (view && view !== 'explain') q.set('view', view);
  if (kernels?.length) q.set('kernels', kernels.join(','));
  if (loader && loader !== 'libbpf') q.set('loader', loader);
  if (kernelBtf === false) q.set('kernel_btf', 'no');
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The explain options the core takes. */
export function explainOptions({ arch, kernel, programs }) {
  return { programs: programs ?? [], arch: arch || 'x86_64', kernel: kernel || 'fallback' };
}

/** The options `check` takes (argctx check's flags); no kernels: the core's default set. */
export function checkOptions({ arch, loader, kernels, kernelBtf, programs }) {
  return {
    kernels: kernels ?? [],
    arch: arch || 'x86_64',
    loader: loader || 'libbpf',
    kernel_btf: kernelBtf !== false,
    programs: programs ?? [],
  };
}

/** Kernel names typed by the user: separated by spaces or commas. */
export function kernelList(text) {
  return text.split(/[\s,]+/).filter(Boolean);
}

// ---- the "Will it load?" view (argctx check) ----

/** Per load value: the mark and the word shown (never colour alone). */
export const LOADS = {
  yes: { mark: '✓', word: 'loads' },
  no: { mark: '✗', word: 'fails' },
  unknown: { mark: '?', word: 'unknown' },
};

/** Per load path: a short label and what it means. */
export const PATHS = {
  native: ['native', 'the kernel reads arg:ctx itself (6.8+): the BTF is sent as compiled'],
  fallback: ['fallback', 'no native arg:ctx: libbpf rewrites tagged context arguments where it can'],
  no_fallback: ['no fallback', 'no native arg:ctx and a loader without the fallback: arg:ctx tags are ignored'],
  inline: ['inline', 'before 5.6: no global functions, every subprogram is verified inline with its caller'],
};

function loadOf(load) {
  return LOADS[load] ?? { mark: '?', word: String(load) };
}

/** The id of the detail row of a program (stable, safe for any program name). */
export function detailId(index) {
  return `verdict-detail-${index}`;
}

/** Loader, architecture, kernels and what limits the verdicts. */
export function renderVerdictSummary(r) {
  const sanitized = r.kernels.flatMap((k) => k.sanitized.map((z) => `kernel ${k.kernel}: the loader sends ${z}`));
  const n = r.programs.length;
  return h(
    'div',
    { class: 'summary' },
    h(
      'p',
      {},
      'Loader: ',
      h('strong', {}, r.loader === 'plain' ? 'without the __arg_ctx fallback' : 'libbpf 1.4+ (the __arg_ctx fallback before 6.8)'),
      ' · architecture ',
      h('strong', {}, r.arch),
      r.kernel_btf ? ' · kernels with their own BTF' : ' · kernels without their own BTF',
      ` · ${n} program${n === 1 ? '' : 's'} on ${r.kernels.length} kernel${r.kernels.length === 1 ? '' : 's'}`,
    ),
    h(
      'p',
      { class: 'legend muted' },
      Object.entries(LOADS).map(([k, v], i) => [i ? ' · ' : '', h('span', { class: `load-mark load-${k}`, 'aria-hidden': 'true' }, v.mark), ` ${v.word}`]),
      ' — select a cell for the reasons and the lines the verifier prints.',
    ),
    sanitized.length ? h('ul', { class: 'notes' }, sanitized.map((t) => h('li', {}, t))) : null,
    r.warnings.length ? h('ul', { class: 'warnings global' }, r.warnings.map((w) => h('li', {}, `warning: ${w}`))) : null,
  );
}

/** The program × kernel table; each cell is a button that opens the program's detail row. */
export function renderVerdictMatrix(r) {
  if (!r.programs.length) return h('p', { class: 'muted' }, 'The object has no programs.');
  const cols = r.kernels.length + 2;
  const rows = r.programs.flatMap((p, i) => [
    h(
      'tr',
      { class: 'verdict-row', dataset: { program: p.name } },
      h(
        'th',
        { scope: 'row' },
        code(p.name),
        p.autoload ? null : h('span', { class: 'muted autoload-off' }, ' autoload off'),
      ),
      h('td', { class: 'prog-type' }, p.prog_type),
      p.kernels.map((k, j) => {
        const l = loadOf(k.load);
        const [path, pathTitle] = PATHS[k.path] ?? [k.path, ''];
        return h(
          'td',
          { class: `verdict-cell load-${k.load}`, dataset: { kernel: k.kernel, load: k.load } },
          h(
            'button',
            {
              type: 'button',
              class: 'cell-button',
              'aria-expanded': 'false',
              'aria-controls': detailId(i),
              title: pathTitle,
              dataset: { program: p.name, kernel: k.kernel, index: i, col: j },
            },
            h('span', { class: 'load-mark', 'aria-hidden': 'true' }, l.mark),
            ' ',
            h('span', { class: 'load-word' }, l.word),
            h('span', { class: 'load-path' }, path),
          ),
        );
      }),
    ),
    h('tr', { class: 'verdict-detail', id: detailId(i), hidden: true, dataset: { program: p.name } }, h('td', { colspan: cols })),
  ]);
  return h(
    'table',
    { class: 'verdict' },
    h('caption', {}, 'Will each program load? Select a cell for the reasons.'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'program'),
        h('th', { scope: 'col' }, 'type'),
        r.kernels.map((k) =>
          h(
            'th',
            { scope: 'col', class: 'kernel-col', dataset: { kernel: k.kernel } },
            k.kernel,
            k.kernel !== k.version ? h('span', { class: 'muted kernel-version' }, ` (${k.version})`) : null,
            h('span', { class: 'kernel-native' }, k.native_arg_ctx ? 'arg:ctx' : 'no arg:ctx'),
          ),
        ),
      ),
    ),
    h('tbody', {}, rows),
  );
}

function problemWhere(pb) {
  if (!pb.subprog) return null;
  return [code(`${pb.subprog}()`), pb.arg === null ? '' : ` arg#${pb.arg}`, ': '];
}

function logBlock(lines, label) {
  return lines.length ? h('pre', { class: 'kernel-log', 'aria-label': label }, lines.join('\n')) : null;
}

/** Why program `p` loads or not on kernel verdict `k`: problems, verifier lines, argument types. */
export function renderVerdictDetail(p, k) {
  const l = loadOf(k.load);
  const [path, pathTitle] = PATHS[k.path] ?? [k.path, ''];
  const firstFatal = k.problems.find((pb) => pb.fatal);
  const sameLog = firstFatal && firstFatal.kernel_log.join('\n') === k.expected_log.join('\n');
  const subNotes = p.subprogs.filter((s) => s.notes.length);
  return h(
    'div',
    { class: 'detail', dataset: { program: p.name, kernel: k.kernel, load: k.load } },
    h(
      'h4',
      {},
      code(p.name),
      ` on ${k.kernel}${k.kernel === k.version ? '' : ` (${k.version})`}: `,
      h('span', { class: `load-badge load-${k.load}` }, h('span', { 'aria-hidden': 'true' }, `${l.mark} `), l.word),
    ),
    h(
      'p',
      { class: 'meta' },
      'path ',
      h('strong', {}, path),
      pathTitle ? ` (${pathTitle})` : '',
      ' · section ',
      code(p.section),
      ' · context ',
      p.context ? code(p.context) : 'unknown',
      ' · arg:ctx accepts (6.8+) ',
      code(p.arg_ctx_accepts),
    ),
    k.problems.length
      ? h(
          'ol',
          { class: 'problems' },
          k.problems.map((pb) =>
            h(
              'li',
              {
                class: `problem ${pb.fatal ? 'fatal' : 'warning'}`,
                dataset: { code: pb.code, subprog: pb.subprog ?? '', arg: pb.arg ?? '', fatal: String(pb.fatal) },
              },
              h('span', { class: `severity ${pb.fatal ? 'fatal' : 'warning'}` }, pb.fatal ? 'error' : 'warning'),
              ' ',
              h('span', { class: 'problem-message' }, problemWhere(pb), prose(pb.message)),
              h('span', { class: 'muted problem-code' }, ` (${pb.code})`),
              pb.kernel_log.length
                ? [
                    h('p', { class: 'log-label' }, pb === firstFatal ? 'The verifier stops here; its log will contain:' : 'The verifier prints:'),
                    logBlock(pb.kernel_log, `verifier log for ${pb.code}`),
                  ]
                : null,
            ),
          ),
        )
      : h('p', { class: 'muted' }, k.load === 'yes' ? 'Nothing about its arguments stops it.' : 'No problem recorded.'),
    k.expected_log.length && !sameLog
      ? [h('p', { class: 'log-label' }, 'Expected in the verifier log:'), logBlock(k.expected_log, 'expected verifier log')]
      : null,
    k.notes.length || p.notes.length || subNotes.length
      ? h(
          'ul',
          { class: 'notes' },
          k.notes.map((n) => h('li', {}, prose(n))),
          p.notes.map((n) => h('li', {}, prose(n))),
          subNotes.flatMap((s) => s.notes.map((n) => h('li', {}, code(`${s.name}()`), ': ', prose(n)))),
        )
      : null,
    k.subprogs.length
      ? h(
          'details',
          { class: 'arg-types' },
          h('summary', {}, `How ${k.kernel} types the arguments of ${k.subprogs.length} global subprogram${k.subprogs.length === 1 ? '' : 's'}`),
          table(
            'arguments as this kernel sees them',
            ['func#', 'subprogram as sent', 'argument', 'the verifier’s type'],
            k.subprogs.flatMap((s) =>
              (s.args.length ? s.args : [null]).map((a) =>
                h(
                  'tr',
                  {},
                  h('td', {}, String(s.func)),
                  h('td', {}, code(s.prototype)),
                  a ? h('td', {}, `arg#${a.index} `, code(a.decl), a.tags.length ? ` [${a.tags.join(', ')}]` : '') : h('td', {}, '—'),
                  a
                    ? h('td', {}, h('strong', {}, a.class), ` ${a.how}`)
                    : h('td', {}, 'the kernel refuses the prototype'),
                ),
              ),
            ),
          ),
        )
      : null,
  );
}
