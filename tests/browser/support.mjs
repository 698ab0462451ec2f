// What the browser tests share: Chromium's location and launch flags, and the real
// inereg binary started on a free loopback port.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import assert from 'node:assert/strict';

export const CHROMIUM = process.env.INEREG_TEST_CHROMIUM || '/usr/bin/chromium';
assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (scripts/setup.sh)`);

// Chromium refuses its sandbox as root (containers).
export const SANDBOX_ARGS = process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [];

// `inereg serve --db db` on 127.0.0.1:0 with `env`; resolves once it listens, to its base
// URL, the port, a stop() that terminates it and resolves to its log, and log().
// Pushes stop() onto `cleanups`.
export function startInereg(inereg, db, env, cleanups) {
  const child = spawn(inereg, ['serve', '--db', db, '--listen', '127.0.0.1:0'], { env });
  let log = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    return log;
  };
  cleanups.push(stop);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`inereg did not start: ${log}`)), 30_000);
    const onData = (data) => {
      log += data;
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        const port = Number(match[1]);
        resolve({ base: `http://127.0.0.1:${port}`, port, stop, log: () => log });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`inereg exited ${code}: ${log}`)));
  });
}

// Runs `main`, then every cleanup in reverse order (whatever failed) and removes `workDir`.
export async function runThenCleanUp(main, cleanups, workDir) {
  try {
    await main();
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // already gone
      }
    }
    rmSync(workDir, { recursive: true, force: true });
  }
}
