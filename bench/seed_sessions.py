#!/usr/bin/env python3
"""Seeds an inereg server with submitted sessions for the ine-registry benchmark.

Goes through the real API, as a client would: POST /v1/sessions with the INE data of a
registry record (mostly vigente ones, some credentials the registry has no record of),
then the signed PATCH that submits the session and queues its registry check. Waits
until every session's GET /v1/sessions/{id}/decision/ine-registry answers 200, then
writes one `session_id signature` line per session (the signature is the HMAC of the
session id, what the GET must carry).

Standard library only (http.client keep-alive connections, one per thread).
"""

import argparse
import csv
import hashlib
import hmac
import http.client
import json
import random
import sys
import threading
import time

VIGENTE = "1"
SUBMIT_BODY = b'{"verification":{"status":"submitted"}}'


def sign(secret, message):
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def credential_fields(row):
    """The create-session person/document members carrying a registry row's INE data."""
    person = {"firstName": "BENCH", "lastName": "SINTETICO"}
    document = {"country": "MX", "type": "ID_CARD"}
    model = row["model"]
    if model == "C":
        # Lookup form: clave de elector + número de emisión + OCR.
        document["number"] = row["elector_key"]
        document["issueNumber"] = row["emission_number"]
        person["ifeIdentifier"] = row["ocr"]
    elif model == "D":
        # Lookup form: CIC + OCR.
        document["number"] = row["cic"]
        person["ifeIdentifier"] = row["ocr"]
    else:
        # E–H: CIC + identificador del ciudadano.
        document["number"] = row["cic"]
        person["ineIdentifier"] = row["citizen_id"]
    return person, document


def unknown_row(rng, known_cics):
    """A well-formed model G credential that is not in the registry."""
    while True:
        cic = "".join(rng.choice("0123456789") for _ in range(9))
        if cic not in known_cics:
            known_cics.add(cic)
            return {"model": "G", "cic": cic, "citizen_id": "".join(rng.choice("0123456789") for _ in range(9))}


class Client:
    """One keep-alive connection; reconnects once if the server closed it."""

    def __init__(self, port, api_key, secret):
        self.port = port
        self.api_key = api_key
        self.secret = secret
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, body=None, signature=None):
        headers = {"X-AUTH-CLIENT": self.api_key}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if signature is not None:
            headers["X-HMAC-SIGNATURE"] = signature
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                return response.status, data, response.getheader("Retry-After")
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def create_and_submit(self, row):
        person, document = credential_fields(row)
        body = json.dumps(
            {"verification": {"person": person, "document": document, "vendorData": "bench"}},
            separators=(",", ":"),
        ).encode()
        status, data, _ = self.call("POST", "/v1/sessions", body, sign(self.secret, body))
        if status != 201:
            raise RuntimeError(f"POST /v1/sessions -> {status} {data[:200]!r}")
        session_id = json.loads(data)["verification"]["id"]
        status, data, _ = self.call("PATCH", f"/v1/sessions/{session_id}", SUBMIT_BODY, sign(self.secret, SUBMIT_BODY))
        if status != 200:
            raise RuntimeError(f"PATCH /v1/sessions/{session_id} -> {status} {data[:200]!r}")
        return session_id

    def ine_registry(self, session_id, signature):
        return self.call("GET", f"/v1/sessions/{session_id}/decision/ine-registry?version=v1", signature=signature)


def run_threads(count, target):
    errors = []

    def guarded(index):
        try:
            target(index)
        except Exception as e:  # reported after join, so one failure does not hang the others
            errors.append(f"thread {index}: {e}")

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError("; ".join(errors[:5]))


def write_sessions(path, session_ids, signatures):
    with open(path, "w") as f:
        for sid, signature in zip(session_ids, signatures):
            f.write(f"{sid} {signature}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--registry", required=True, help="CSV written by `inereg registry generate`")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--unknown-percent", type=int, default=10, help="sessions with a credential not in the registry")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the checks")
    parser.add_argument("--seed", type=int, default=20_260_101)
    parser.add_argument("--out", required=True, help="file of `session_id signature` lines")
    parser.add_argument("--sample-body", help="write one vigente 200 body here (for the reference server)")
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help="write the sessions file right after submitting, checks still pending (for a server without check workers)",
    )
    args = parser.parse_args()

    rng = random.Random(args.seed)
    with open(args.registry, newline="") as f:
        rows = list(csv.DictReader(f))
    known_cics = {r["cic"] for r in rows if r["cic"]}
    vigente = [r for r in rows if r["situation"] == VIGENTE]
    unknown_count = args.count * args.unknown_percent // 100
    vigente_count = args.count - unknown_count
    if len(vigente) < vigente_count:
        sys.exit(f"registry has {len(vigente)} vigente records, {vigente_count} needed")
    plan = rng.sample(vigente, vigente_count) + [unknown_row(rng, known_cics) for _ in range(unknown_count)]
    rng.shuffle(plan)

    session_ids = [None] * len(plan)
    started = time.monotonic()

    def create_worker(index):
        client = Client(args.port, args.api_key, args.secret)
        for i in range(index, len(plan), args.threads):
            session_ids[i] = client.create_and_submit(plan[i])

    run_threads(args.threads, create_worker)
    created = time.monotonic()
    print(f"seed: created and submitted {len(plan)} sessions in {created - started:.1f} s", file=sys.stderr)
    signatures = [sign(args.secret, sid.encode()) for sid in session_ids]
    if args.no_wait:
        write_sessions(args.out, session_ids, signatures)
        return

    # Every session must answer 200 before the benchmark starts: a pending check would
    # show up as a 404 in the measured run. Checks complete roughly in submission order,
    # so each thread walks its share and polls only where a check is still pending.
    deadline = time.monotonic() + args.timeout
    outcome = {"active": 0, "inactive": 0}
    bodies = {}
    lock = threading.Lock()

    def wait_worker(index):
        client = Client(args.port, args.api_key, args.secret)
        for i in range(index, len(plan), args.threads):
            while True:
                status, data, retry_after = client.ine_registry(session_ids[i], signatures[i])
                if status == 200:
                    break
                if status != 404 or retry_after is None:
                    raise RuntimeError(f"GET ine-registry {session_ids[i]} -> {status} {data[:200]!r}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"check of session {session_ids[i]} still pending after {args.timeout} s")
                time.sleep(0.05)
            result = json.loads(data)
            with lock:
                outcome["active" if result["active"] else "inactive"] += 1
                if result["active"]:
                    bodies.setdefault("vigente", data)

    run_threads(args.threads, wait_worker)
    print(
        f"seed: all {len(plan)} checks done after {time.monotonic() - created:.1f} s more "
        f"({outcome['active']} active, {outcome['inactive']} not active)",
        file=sys.stderr,
    )
    if outcome["active"] < vigente_count:
        sys.exit(f"only {outcome['active']} of {vigente_count} vigente credentials came back active")

    write_sessions(args.out, session_ids, signatures)
    if args.sample_body:
        with open(args.sample_body, "wb") as f:
            f.write(bodies["vigente"])


if __name__ == "__main__":
    main()
