// The compact, read-only view for documentation: embed.html?example=NAME[&arch=…&kernel=…&program=…]
// or ?src=PATH (an object on the same origin). Sends its height to the parent frame.

import { call, load } from './wasm.js';
import { explainOptions, h, readUrlState, renderProgram, urlQuery } from './render.js';

const $ = (id) => document.getElementById(id);
const main = $('main');

function postHeight() {
  if (window.parent === window) return;
  const height = Math.ceil(document.documentElement.scrollHeight);
  window.parent.postMessage({ argctxEmbed: { height, href: location.href } }, '*');
}

function fail(msg) {
  main.dataset.state = 'error';
  $('error').textContent = `argctx: ${msg}`;
  $('error').hidden = false;
  $('embed-title').replaceChildren(h('strong', {}, 'argctx'));
  postHeight();
}

async function fetchObject(url) {
  const { example, src } = url;
  let path;
  let name;
  if (example) {
    if (!/^[A-Za-z0-9_.-]+$/.test(example)) throw new Error(`bad example name '${example}'`);
    path = new URL(`../tests/fixtures/${example}.o`, import.meta.url);
    name = `${example}.o`;
  } else if (src) {
    path = new URL(src, location.href);
    if (path.origin !== location.origin) throw new Error('src must be on this site');
    name = path.pathname.split('/').pop();
  } else {
    throw new Error('add ?example=NAME (a built-in example) or ?src=PATH to the URL');
  }
  const res = await fetch(path);
  if (!res.ok) throw new Error(`cannot fetch ${name}: HTTP ${res.status}`);
  return { name, bytes: new Uint8Array(await res.arrayBuffer()) };
}

async function start() {
  const url = readUrlState();
  $('open-full').href = `index.html${urlQuery(url)}`;
  try {
    await load();
    const { name, bytes } = await fetchObject(url);
    const report = await call('explain', bytes, explainOptions(url));
    $('embed-title').replaceChildren(
      h('strong', {}, 'argctx'),
      ' ',
      h('code', {}, name),
      h(
        'span',
        { class: 'muted' },
        ` · ${report.kernel === 'native' ? 'kernel 6.8+ (native arg:ctx)' : 'kernel before 6.8 (libbpf fallback)'} · ${report.arch}`,
      ),
    );
    $('program-list').replaceChildren(
      ...report.programs.map((p) => renderProgram(p, { compact: true })),
      report.error ? h('p', { class: 'load-error' }, `libbpf fails the whole load: ${report.error}`) : '',
    );
    main.dataset.state = 'ready';
    main.dataset.file = name;
    postHeight();
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
}

new ResizeObserver(postHeight).observe(document.documentElement);
start();
