// Shared by the e2e tests and the benchmark: the playground server (`xtask serve --no-build`),
// Debian's Chromium through playwright-core, and the CLI whose JSON the page must match.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = join(ROOT, 'tests/fixtures');
export const ARTIFACTS = join(ROOT, 'tests/e2e/artifacts');
export const CHROMIUM = process.env.ARGCTX_CHROMIUM ?? '/usr/bin/chromium';
export const CLI = process.env.ARGCTX_CLI ?? join(ROOT, 'target/debug/argctx');

// Without these, Chromium's own network attempts are refused in bulk on these machines.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Fixture names (without `.o`), sorted. */
export function fixtures() {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.o'))
    .map((f) => f.slice(0, -2))
    .sort();
}

/** Runs the CLI; returns {status, stdout, stderr}. */
export function cli(...args) {
  const r = spawnSync(CLI, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new Error(`cannot run ${CLI} (build it with cargo build -p argctx-cli): ${r.error.message}`);
  return r;
}

/** `argctx explain FILE --format json [options]` parsed; the report is printed even when libbpf fails the load. */
export function cliExplain(file, { arch, kernel, programs = [] } = {}) {
  const args = ['explain', file, '--format', 'json'];
  if (arch) args.push('--arch', arch);
  if (kernel) args.push('--kernel', kernel);
  for (const p of programs) args.push('--program', p);
  const r = cli(...args);
  if (r.status !== 0 && r.status !== 1) throw new Error(`argctx ${args.join(' ')}: ${r.stderr}`);
  return { json: JSON.parse(r.stdout), text: r.stdout };
}

/** Starts `xtask serve --no-build --port 0`; resolves to {url, stop}. */
export async function startServer() {
  const xtask = process.env.ARGCTX_XTASK;
  const [cmd, args] = xtask
    ? [xtask, ['serve', '--no-build', '--port', '0']]
    : ['cargo', ['run', '--quiet', '--package', 'xtask', '--', 'serve', '--no-build', '--port', '0']];
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const url = await new Promise((resolveUrl, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 120 s: ${stderr}`)), 120_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/argctx playground: (http:\/\/127\.0\.0\.1:\d+)\/www\//);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
  });
  return {
    url,
    stop: () => {
      child.removeAllListeners('exit');
      child.kill('SIGTERM');
    },
  };
}

/** Launches Chromium with a fresh profile; resolves to {context, close}. */
export async function startBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'argctx-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the page has finished run number > `after` and returns its state. */
export async function settled(page, after = 0, timeout = 60_000) {
  await page.waitForFunction(
    (n) => {
      const m = document.getElementById('main');
      return Number(m.dataset.run ?? 0) > n && (m.dataset.state === 'ready' || m.dataset.state === 'error');
    },
    after,
    { timeout },
  );
  return page.evaluate(() => ({ ...document.getElementById('main').dataset }));
}

/** The current run number (0 before the first analysis). */
export function runNumber(page) {
  return page.evaluate(() => Number(document.getElementById('main').dataset.run ?? 0));
}

/** Whether clang-19 (which builds the generated objects) is installed. */
export const CLANG = !spawnSync('clang-19', ['--version']).error;

/**
 * A generated object, compiled once with clang-19 into tests/e2e/artifacts/NAME.o (recompiled when
 * its source changes): `subprogs` tagged global subprograms, each of `progs` xdp programs calling
 * its share of them, and with `autoloadOff` one more program, autoload off, calling the first.
 * `by` names the generator in the source's first line. Throws when clang-19 fails.
 */
export function generatedObject(name, { subprogs, progs, autoloadOff = false, by }) {
  const out = [`/* Generated by ${by}. */`, '#include "common.h"', ''];
  for (let i = 0; i < subprogs; i += 1) {
    out.push(
      `__noinline int sub_${i}(void *ctx __arg_ctx, int x)`,
      '{',
      '\tint len = bpf_xdp_get_buff_len(ctx);',
      `\tif (x > ${i % 97}) len += x * ${i + 3};`,
      `\treturn len ^ ${i};`,
      '}',
      '',
    );
  }
  const per = Math.ceil(subprogs / progs);
  for (let p = 0; p < progs; p += 1) {
    out.push('SEC("xdp")', `int prog_${p}(struct xdp_md *ctx)`, '{', '\tint r = 0;');
    for (let i = p * per; i < Math.min(subprogs, (p + 1) * per); i += 1) out.push(`\tr += sub_${i}(ctx, r);`);
    out.push('\treturn r ? XDP_PASS : XDP_DROP;', '}', '');
  }
  if (autoloadOff) {
    out.push('SEC("?xdp")', 'int prog_off(struct xdp_md *ctx)', '{', '\treturn sub_0(ctx, 1) ? XDP_PASS : XDP_DROP;', '}', '');
  }
  out.push('char LICENSE[] SEC("license") = "GPL";', '');
  const text = out.join('\n');
  mkdirSync(ARTIFACTS, { recursive: true });
  const src = join(ARTIFACTS, `${name}.bpf.c`);
  const obj = join(ARTIFACTS, `${name}.o`);
  if (existsSync(obj) && existsSync(src) && readFileSync(src, 'utf8') === text) return obj;
  writeFileSync(src, text);
  const r = spawnSync(
    'clang-19',
    ['-O2', '-g', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-mcpu=v3', '-I', join(ROOT, 'tests/bpf'), '-c', src, '-o', obj],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`clang-19 failed on ${src}: ${r.stderr}`);
  return obj;
}
