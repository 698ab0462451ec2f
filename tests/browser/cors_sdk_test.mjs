// A real page on another origin creates a session through CORS, exactly as
// @veriff/js-sdk does (veriff-api.md §8.1), in headless Chromium driven by Playwright;
// a page on an origin the integration does not allow cannot.
//
//   node cors_sdk_test.mjs <path to the inereg binary>
//
// Starts the real binary on 127.0.0.1 (temporary SQLite database), serves the page
// from two other loopback origins (127.0.0.2: allowed; 127.0.0.3: not), and fails
// (never skips) when Chromium is missing.
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { CHROMIUM, SANDBOX_ARGS, runThenCleanUp, startInereg } from './support.mjs';

const inereg = process.argv[2];
assert.ok(inereg && existsSync(inereg), `usage: node cors_sdk_test.mjs <inereg binary>; got ${inereg}`);

const work = mkdtempSync(join(tmpdir(), 'inereg-browser-'));
const env = { ...process.env, INEREG_MASTER_KEY: randomBytes(32).toString('hex') };
const db = `sqlite:${join(work, 'browser.db')}`;
const cleanups = [];

// The page: @veriff/js-sdk's createSession request, verbatim in shape (src/xhr.ts):
// XHR POST {host}/v1/sessions, Content-type + x-auth-client + x-origin, no signature,
// JSON.stringify of the verification (undefined members dropped), 201 = success.
function page(apiBase, apiKey) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>shop</title></head><body>
<script>
  const xhr = new XMLHttpRequest();
  xhr.open('POST', ${JSON.stringify(apiBase)} + '/v1/sessions', true);
  xhr.setRequestHeader('Content-type', 'application/json');
  xhr.setRequestHeader('x-auth-client', ${JSON.stringify(apiKey)});
  xhr.setRequestHeader('x-origin', 'js-sdk');
  xhr.onreadystatechange = () => {
    if (xhr.readyState !== XMLHttpRequest.DONE) return;
    window.sdkResult = { status: xhr.status, body: xhr.responseText };
  };
  xhr.send(JSON.stringify({ verification: {
    callback: 'https://shop.example.test/done',
    person: { firstName: 'Ana', lastName: 'Ruiz', idNumber: undefined },
    vendorData: 'browser-order-1',
    timestamp: new Date().toISOString(),
  } }));
</script></body></html>`;
}

// An HTTP server for the page on `host`; the page is set once the API is up.
async function pageServer(host) {
  const state = { html: '' };
  const server = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(state.html);
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  cleanups.push(() => server.close());
  state.origin = `http://${host}:${server.address().port}`;
  return state;
}

// What the browser page managed to do.
async function runPage(browser, url) {
  const tab = await browser.newPage();
  try {
    await tab.goto(url);
    await tab.waitForFunction(() => window.sdkResult !== undefined, null, { timeout: 30_000 });
    return await tab.evaluate(() => window.sdkResult);
  } finally {
    await tab.close();
  }
}

async function main() {
  const allowed = await pageServer('127.0.0.2');
  const refused = await pageServer('127.0.0.3');
  const created = JSON.parse(execFileSync(inereg, ['integration', 'create', '--db', db, '--name', 'shop', '--json',
    '--cors-origin', allowed.origin], { env, encoding: 'utf8' }));
  const { port: apiPort } = await startInereg(inereg, db, env, cleanups);
  const apiBase = `http://127.0.0.1:${apiPort}`;
  allowed.html = page(apiBase, created.apiKey);
  refused.html = page(apiBase, created.apiKey);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: SANDBOX_ARGS,
  });
  cleanups.push(() => browser.close());

  // Allowed origin: the preflight passes, the POST answers 201 and the page can read it.
  const ok = await runPage(browser, `${allowed.origin}/`);
  assert.equal(ok.status, 201, `page on ${allowed.origin}: ${JSON.stringify(ok)}`);
  const session = JSON.parse(ok.body);
  assert.equal(session.status, 'success');
  assert.match(session.verification.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(session.verification.vendorData, 'browser-order-1');

  // The session exists: the integration's server reads it back, signed.
  const id = session.verification.id;
  const person = await fetch(`${apiBase}/v1/sessions/${id}/person`, { headers: {
    'X-AUTH-CLIENT': created.apiKey,
    'X-HMAC-SIGNATURE': createHmac('sha256', created.sharedSecret).update(id, 'utf8').digest('hex'),
  } });
  assert.equal(person.status, 200);
  assert.equal((await person.json()).person.firstName, 'Ana');

  // Another origin: the preflight is refused, so the browser never sends the POST and
  // the page sees a network error (status 0).
  const blocked = await runPage(browser, `${refused.origin}/`);
  assert.equal(blocked.status, 0, `page on ${refused.origin} must be blocked: ${JSON.stringify(blocked)}`);
  const preflight = await fetch(`${apiBase}/v1/sessions`, { method: 'OPTIONS', headers: { Origin: refused.origin } });
  assert.equal(preflight.status, 403);

  console.log(`browser: ${allowed.origin} created session ${id}; ${refused.origin} was refused`);
}

await runThenCleanUp(main, cleanups, work);
