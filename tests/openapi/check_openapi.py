#!/usr/bin/env python3
"""Checks docs/openapi.yaml against the real service.

1. Starts `inereg serve` (temporary SQLite database, loopback, port 0) and fetches
   GET /openapi.yaml: 200, application/yaml, byte for byte the file in the tree.
2. Parses it (python3-yaml) and checks the OpenAPI 3.1 shape: version, info, paths,
   responses on every operation, every $ref resolvable, {id} declared as a path
   parameter.
3. Compares the set of (method, path) in `paths` with the router's route table (printed
   by route_table_dump) in both directions, and each operation's x-signature-covers with
   the route's signing rule. A route served but not documented, or documented but not
   served, fails naming it.
"""
import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def fail(problems):
    for problem in problems:
        print("FAIL: " + problem, file=sys.stderr)
    sys.exit(1)


def router_routes(tool):
    out = subprocess.run([tool], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def fetch_served_document(inereg):
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, INEREG_MASTER_KEY=secrets.token_hex(32), INEREG_LOG_LEVEL="info")
        log_path = os.path.join(work, "serve.log")
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                [inereg, "serve", "--db", "sqlite:" + os.path.join(work, "t.db"), "--listen", "127.0.0.1:0"],
                stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            port = None
            deadline = time.monotonic() + 30
            while port is None and time.monotonic() < deadline:
                if server.poll() is not None:
                    fail(["inereg serve exited with %d: %s" % (server.returncode, open(log_path).read())])
                match = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(log_path).read())
                if match:
                    port = int(match.group(1))
                else:
                    time.sleep(0.05)
            if port is None:
                fail(["inereg serve did not report its port: " + open(log_path).read()])
            with urllib.request.urlopen("http://127.0.0.1:%d/openapi.yaml" % port, timeout=30) as reply:
                return reply.status, reply.headers.get("Content-Type"), reply.read()
        finally:
            server.terminate()
            server.wait(timeout=30)


def resolve(document, ref):
    if not ref.startswith("#/"):
        return None
    node = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def all_refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from all_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from all_refs(item)


def shape_problems(document):
    problems = []
    if not isinstance(document, dict):
        return ["the document is not a YAML mapping"]
    if not str(document.get("openapi", "")).startswith("3.1."):
        problems.append("openapi must be 3.1.x, is %r" % document.get("openapi"))
    info = document.get("info")
    if not isinstance(info, dict) or not info.get("title") or not info.get("version"):
        problems.append("info.title and info.version are required")
    paths = document.get("paths")
    if not isinstance(paths, dict) or not paths:
        problems.append("paths must be a non-empty mapping")
        return problems
    for ref in all_refs(document):
        if resolve(document, ref) is None:
            problems.append("unresolvable $ref " + ref)
    for path, item in paths.items():
        if not path.startswith("/"):
            problems.append("path %s must start with /" % path)
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            where = "%s %s" % (method.upper(), path)
            responses = operation.get("responses")
            if not isinstance(responses, dict) or not responses:
                problems.append(where + ": no responses")
            for status in (responses or {}):
                if not re.fullmatch(r"[1-5][0-9][0-9]|[1-5]XX|default", str(status)):
                    problems.append("%s: response key %r is not a status code" % (where, status))
            if "{id}" in path:
                parameters = [resolve(document, p["$ref"]) if "$ref" in p else p
                              for p in operation.get("parameters", []) + item.get("parameters", [])]
                if not any(p and p.get("in") == "path" and p.get("name") == "id" and p.get("required")
                           for p in parameters):
                    problems.append(where + ": the {id} path parameter is not declared (in: path, required)")
    return problems


def route_problems(document, routes):
    problems = []
    documented = {}
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                documented[(method.upper(), path)] = item[method]
    served = {(route["method"], route["path"]): route for route in routes}
    for key in sorted(set(served) - set(documented)):
        problems.append("route %s %s is served but missing from docs/openapi.yaml: document it" % key)
    for key in sorted(set(documented) - set(served)):
        problems.append("docs/openapi.yaml documents %s %s, which the router does not serve" % key)
    for key in sorted(set(served) & set(documented)):
        covers = documented[key].get("x-signature-covers")
        if covers != served[key]["signatureCovers"]:
            problems.append("%s %s: x-signature-covers is %r, the router signs %r"
                            % (key + (covers, served[key]["signatureCovers"])))
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--routes-tool", required=True)
    parser.add_argument("--inereg", required=True)
    parser.add_argument("--spec", required=True)
    args = parser.parse_args()

    with open(args.spec, "rb") as file:
        source = file.read()
    status, content_type, served = fetch_served_document(args.inereg)
    problems = []
    if status != 200:
        problems.append("GET /openapi.yaml answered %d" % status)
    if content_type != "application/yaml":
        problems.append("GET /openapi.yaml has Content-Type %r" % content_type)
    if served != source:
        problems.append("the served document differs from %s (rebuild?)" % args.spec)
    document = yaml.safe_load(served)
    problems += shape_problems(document)
    if not problems:
        problems += route_problems(document, router_routes(args.routes_tool))
    if problems:
        fail(problems)
    print("openapi: %d operations match the route table" % len(router_routes(args.routes_tool)))


if __name__ == "__main__":
    main()
