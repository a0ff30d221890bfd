// Loads the argctx WebAssembly module and calls its exports.
//
// The exports are stateless, but a trap (a Rust panic, or any other WebAssembly.RuntimeError)
// leaves the instance in an unknown state: after one, `call` throws a TrapError and replaces the
// instance with a fresh one (a new import of the glue module, so `init()` really runs again, on
// the already compiled module).

const GLUE = new URL('../pkg/argctx_web.js', import.meta.url);
const WASM = new URL('../pkg/argctx_web_bg.wasm', import.meta.url);

let compiled; // Promise<WebAssembly.Module>
let api; // the current glue module namespace
let generation = 0;
let lastPanic = '';

/** A trap inside the module; the module has been re-initialised when this is thrown. */
export class TrapError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'TrapError';
  }
}

// console_error_panic_hook reports the panic through console.error just before the trap: keep
// the message so the page can show it.
const consoleError = console.error.bind(console);
console.error = (...args) => {
  const first = String(args[0] ?? '');
  if (first.includes('panicked at')) lastPanic = first.split('\n\nStack')[0].trim();
  consoleError(...args);
};

async function compile() {
  const response = await fetch(WASM);
  if (!response.ok) {
    throw new Error(
      `cannot load ${WASM.pathname}: HTTP ${response.status} (build it with \`cargo xtask serve\`)`,
    );
  }
  if (WebAssembly.compileStreaming && response.headers.get('content-type') === 'application/wasm') {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/** Instantiates a fresh module (compiling it once per page) and returns the glue namespace. */
export async function load() {
  if (!compiled) {
    compiled = compile();
    compiled.catch(() => {
      compiled = undefined;
    });
  }
  const module = await compiled;
  generation += 1;
  const glue = await import(`${GLUE.href}?instance=${generation}`);
  await glue.default({ module_or_path: module });
  api = glue;
  document.documentElement.dataset.wasmInstance = String(generation);
  return glue;
}

/** How many instances this page has created (1 until the first trap). */
export function instances() {
  return generation;
}

/** Calls export `name`; errors from argctx come back as `Error`s with its message. */
export async function call(name, ...args) {
  const glue = api ?? (await load());
  try {
    return glue[name](...args);
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      const detail = lastPanic || e.message;
      lastPanic = '';
      api = undefined;
      await load();
      throw new TrapError(
        `argctx crashed (${detail}); the WebAssembly module was restarted, so the page keeps working`,
        { cause: e },
      );
    }
    throw e;
  }
}
