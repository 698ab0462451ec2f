#!/usr/bin/env node
// A customer's webhook receiver for the tests, in plain Node (node:http, node:crypto;
// no npm packages), so that the JSON re-serialization it checks is JavaScript's own.
//
// It verifies X-HMAC-SIGNATURE the two ways integrators do (veriff-api.md §2.3, §5.2):
// over the raw body bytes, and over JSON.stringify(JSON.parse(body)) as Veriff's demo
// listener does; a delivery is accepted (200 {"status":"success"}) only when both
// match and the API key is the expected one, otherwise 401. It can misbehave on
// purpose for the first N requests: answer 500, hang (never answer), or reset the
// connection.
//
// Usage: node webhook_receiver.js --secret S --api-key K [--fail-first N]
//                                 [--mode 500|hang|reset] [--port P]
//                                 [--tls-cert PEM --tls-key PEM]
// Prints "listening PORT" on stdout once bound (port 0 picks a free one). With
// --tls-cert and --tls-key, deliveries are received over HTTPS on that port, and the
// control endpoints below are served over plain HTTP on another loopback port, printed
// first as "control PORT".
// Control (loopback only, not signed):
//   GET  /_control/deliveries  -> {"accepted":[…],"rejected":[…],"requests":N}
//   POST /_control/behaviour   {"failFirst":N,"mode":"500"} -> counts restart at 0
// Every accepted delivery is recorded as {path, body (the raw text), rawMatches,
// stringifyMatches, signature, authClient, contentType, encrypted (over TLS)}.
'use strict';

const http = require('node:http');
const https = require('node:https');
const fs = require('node:fs');
const crypto = require('node:crypto');

function parseArgs(argv) {
  const options = { port: 0, secrets: [], apiKey: null, failFirst: 0, mode: '500' };
  for (let i = 2; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`missing value for ${name}`);
    if (name === '--port') options.port = Number(value);
    else if (name === '--secret') options.secrets.push(value);
    else if (name === '--api-key') options.apiKey = value;
    else if (name === '--fail-first') options.failFirst = Number(value);
    else if (name === '--mode') options.mode = value;
    else if (name === '--tls-cert') options.tlsCert = value;
    else if (name === '--tls-key') options.tlsKey = value;
    else throw new Error(`unknown option ${name}`);
  }
  if (options.secrets.length === 0) throw new Error('--secret is required');
  return options;
}

const options = parseArgs(process.argv);
let behaviour = { failFirst: options.failFirst, mode: options.mode };
let deliveryRequests = 0; // webhook requests since the behaviour was last set
let totalRequests = 0;
const accepted = [];
const rejected = [];

function hmacHex(secret, text) {
  return crypto.createHmac('sha256', secret).update(Buffer.from(text, 'utf8')).digest('hex');
}

// Constant-time, as Veriff's demo listener: lowercase, hex-decode, compare lengths first.
function matches(received, expectedHex) {
  const got = Buffer.from(String(received || '').toLowerCase(), 'hex');
  const expected = Buffer.from(expectedHex, 'hex');
  return got.length === expected.length && crypto.timingSafeEqual(got, expected);
}

function anySecretMatches(signature, text) {
  return options.secrets.some((secret) => matches(signature, hmacHex(secret, text)));
}

function reply(res, status, object) {
  const body = JSON.stringify(object);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function control(req, res, raw) {
  if (req.method === 'GET' && req.url === '/_control/deliveries') {
    reply(res, 200, { accepted, rejected, requests: totalRequests });
    return;
  }
  if (req.method === 'POST' && req.url === '/_control/behaviour') {
    const next = JSON.parse(raw.toString('utf8'));
    behaviour = { failFirst: Number(next.failFirst || 0), mode: String(next.mode || '500') };
    deliveryRequests = 0;
    reply(res, 200, { status: 'success' });
    return;
  }
  reply(res, 404, { error: 'unknown control endpoint' });
}

function webhook(req, res, raw) {
  ++totalRequests;
  const index = deliveryRequests++;
  if (index < behaviour.failFirst) {
    if (behaviour.mode === 'hang') return; // never answer: the sender's timeout must fire
    if (behaviour.mode === 'reset') {
      req.socket.resetAndDestroy ? req.socket.resetAndDestroy() : req.socket.destroy();
      return;
    }
    reply(res, 500, { error: 'failing on purpose' });
    return;
  }
  const text = raw.toString('utf8');
  const signature = req.headers['x-hmac-signature'];
  let restringified = null;
  try {
    restringified = JSON.stringify(JSON.parse(text));
  } catch (e) {
    restringified = null;
  }
  const record = {
    path: req.url,
    body: text,
    signature: signature || null,
    authClient: req.headers['x-auth-client'] || null,
    contentType: req.headers['content-type'] || null,
    rawMatches: anySecretMatches(signature, text),
    stringifyMatches: restringified !== null && anySecretMatches(signature, restringified),
    byteEqualToStringify: restringified === text,
    encrypted: Boolean(req.socket.encrypted),
  };
  const keyOk = options.apiKey === null || record.authClient === options.apiKey;
  if (!record.rawMatches || !record.stringifyMatches || !keyOk) {
    rejected.push(record);
    reply(res, 401, { error: 'invalid signature' });
    return;
  }
  accepted.push(record);
  reply(res, 200, { status: 'success' });
}

function handler(req, res) {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    if (req.url.startsWith('/_control/')) control(req, res, raw);
    else webhook(req, res, raw);
  });
}

function listen(server, port, announce) {
  // Hanging requests must not keep the process alive or pile up forever.
  server.requestTimeout = 0;
  server.listen(port, '127.0.0.1', announce);
}

if (options.tlsCert || options.tlsKey) {
  const tlsOptions = { cert: fs.readFileSync(options.tlsCert), key: fs.readFileSync(options.tlsKey) };
  const controlServer = http.createServer(handler);
  listen(controlServer, 0, () => {
    process.stdout.write(`control ${controlServer.address().port}\n`);
    const server = https.createServer(tlsOptions, handler);
    listen(server, options.port, () => process.stdout.write(`listening ${server.address().port}\n`));
  });
} else {
  const server = http.createServer(handler);
  listen(server, options.port, () => process.stdout.write(`listening ${server.address().port}\n`));
}
process.on('SIGTERM', () => process.exit(0));
