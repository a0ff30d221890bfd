// Shared by the e2e tests and the benchmark: the playground server (`xtask serve --no-build`),
// Debian's Chromium through playwright-core, and the CLI whose JSON the page must match.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
