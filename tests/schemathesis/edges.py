"""The answers schemathesis cannot provoke, checked against the document.

    edges.py --base http://127.0.0.1:PORT --document openapi.json \
             --username alice --password '...'

schemathesis sends well-framed requests with made-up bodies, so it never
sees a throttled login, an oversized body, head or request line, a chunked
body it did not choose, a blacklisted token on verify, a refresh token used
as a bearer token, or a full connection table. This script sends those
requests over raw sockets to a jwtd started with its default limits, and
checks each answer as schemathesis does: the status is documented for the
operation, required headers are present and match their schemas, the media
type matches, and the JSON body validates against the documented schema.
Prints one line per case and "N passed, N failed"; exits 1 on any failure.
"""

import argparse
import json
import socket
import sys
import time
import urllib.parse

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOC_URI = "urn:jwtd:openapi"


class Document:
    def __init__(self, doc):
        self.doc = doc
        resource = Resource.from_contents(doc, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(DOC_URI, resource)

    def deref(self, obj):
        while isinstance(obj, dict) and "$ref" in obj:
            node = self.doc
            for part in obj["$ref"].removeprefix("#/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            obj = node
        return obj

    def pointer(self, *parts):
        escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
        return "#/" + "/".join(escaped)

    def problems(self, path, method, status, headers, body):
        """What is wrong with this answer, per the document ([] when nothing)."""
        operation = self.doc["paths"][path][method]
        responses = operation["responses"]
        key = str(status)
        if key not in responses:
            return [f"status {status} is not documented for {method.upper()} {path} ({', '.join(responses)})"]
        response = self.deref(responses[key])
        out = []
        for name, header in response.get("headers", {}).items():
            header = self.deref(header)
            value = headers.get(name.lower())
            if value is None:
                if header.get("required"):
                    out.append(f"required header {name} is missing")
                continue
            schema = header.get("schema", {})
            if schema.get("type") == "integer":
                try:
                    value = int(value)
                except ValueError:
                    pass
            for error in jsonschema.Draft202012Validator(schema).iter_errors(value):
                out.append(f"header {name}: {error.message}")
        content = response.get("content")
        if not content:
            return out
        received = headers.get("content-type", "")
        main = received.split(";")[0].strip().lower()
        media = next((m for m in content if m.split(";")[0].strip().lower() == main), None)
        if media is None:
            return out + [f"content type {received!r} is not documented ({', '.join(content)})"]
        if main != "application/json":
            return out
        try:
            instance = json.loads(body)
        except ValueError as e:
            return out + [f"body is not JSON: {e}: {body[:200]!r}"]
        if "schema" in content[media]:
            # Validate through the document, so $refs resolve against it.
            ref = DOC_URI + self.pointer("paths", path, method, "responses", key)
            if "$ref" in responses[key]:
                ref = DOC_URI + responses[key]["$ref"]
            schema = {"$ref": ref + self.pointer("content", media, "schema")[1:]}
            validator = jsonschema.Draft202012Validator(schema, registry=self.registry)
            for error in validator.iter_errors(instance):
                out.append(f"body {json.dumps(instance)[:200]}: {error.message}")
        return out


class Client:
    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port
        self.hostport = url.netloc

    def connect(self):
        return socket.create_connection((self.host, self.port), timeout=15)

    def raw(self, data, head=False):
        """Sends bytes, returns (status, headers, body) of the answer."""
        with self.connect() as s:
            try:
                s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused early: the answer is still there to read
            return read_response(s, head)

    def request(self, method, target, headers=(), body=None, length=True):
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.hostport}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in headers]
        if body is not None and length:
            lines.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
        return self.raw(data, head=method == "HEAD")

    def post_json(self, path, value, headers=()):
        body = json.dumps(value).encode()
        return self.request("POST", path, [("Content-Type", "application/json"), *headers], body)


def read_response(s, head=False):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed before a full head: {data!r}")
        data += chunk
    head_bytes, _, rest = data.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), value.strip())
    length = 0 if head else int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:length]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--document", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--max-connections", type=int, required=True)
    parser.add_argument("--admin-username", required=True, help="a superuser with the same password")
    args = parser.parse_args()
    doc = Document(json.load(open(args.document, encoding="utf-8")))
    client = Client(args.base)
    results = []

    def case(name, path, method, expected, answer):
        status, headers, body = answer
        problems = doc.problems(path, method, status, headers, body)
        if status != expected:
            problems.insert(0, f"expected {expected}, got {status}: {body[:200]!r}")
        results.append(not problems)
        print(f"{'ok  ' if not problems else 'FAIL'} {status} {method.upper()} {path}: {name}")
        for problem in problems:
            print(f"       {problem}")
        return json.loads(body) if body and headers.get("content-type") == "application/json" else None

    def login(username=args.username):
        status, _, body = client.post_json(
            "/api/token/", {"username": username, "password": args.password}
        )
        if status != 200:
            sys.exit(f"edges: cannot log in as {username}: {status} {body!r}")
        return json.loads(body)

    pair = login()
    bearer = [("Authorization", f"Bearer {pair['access']}")]

    # The HTTP layer's refusals.
    case("body over MAX_BODY_BYTES", "/api/token/", "post", 413,
         client.request("POST", "/api/token/", [("Content-Type", "application/json"),
                                                ("Content-Length", "20000")]))
    case("request line over MAX_REQUEST_LINE_BYTES", "/api/protected/", "get", 414,
         client.request("GET", "/api/protected/?" + "q" * 9000, bearer))
    case("head over MAX_HEADER_BYTES", "/api/protected/", "get", 431,
         client.request("GET", "/api/protected/", [("X-Padding", "p" * 17000), *bearer]))
    case("more than MAX_HEADERS fields", "/healthz", "get", 431,
         client.request("GET", "/healthz", [(f"X-H{i}", "1") for i in range(101)]))
    case("chunked body", "/api/token/verify/", "post", 400,
         client.request("POST", "/api/token/verify/",
                        [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")],
                        b"0\r\n\r\n", length=False))
    case("unsupported transfer coding", "/api/token/verify/", "post", 501,
         client.request("POST", "/api/token/verify/",
                        [("Content-Type", "application/json"), ("Transfer-Encoding", "gzip, chunked")],
                        b"0\r\n\r\n", length=False))
    case("two Host headers", "/api/schema/", "get", 400,
         client.request("GET", "/api/schema/", [("Host", "again")]))
    case("Transfer-Encoding with Content-Length", "/api/token/", "post", 400,
         client.request("POST", "/api/token/", [("Transfer-Encoding", "chunked")], b"0\r\n\r\n"))

    # DRF's parsers.
    case("text/plain body", "/api/token/", "post", 415,
         client.request("POST", "/api/token/", [("Content-Type", "text/plain")], b"x"))
    case("no Content-Type", "/api/token/refresh/", "post", 415,
         client.request("POST", "/api/token/refresh/", [], b"{}"))
    case("malformed JSON", "/api/token/", "post", 400,
         client.request("POST", "/api/token/", [("Content-Type", "application/json")], b'{"username": }'))
    case("JSON null", "/api/token/verify/", "post", 400,
         client.request("POST", "/api/token/verify/", [("Content-Type", "application/json")], b"null"))
    case("JSON list", "/api/token/blacklist/", "post", 400, client.post_json("/api/token/blacklist/", [1]))
    case("multipart without boundary", "/api/token/", "post", 400,
         client.request("POST", "/api/token/", [("Content-Type", "multipart/form-data")], b"x"))
    case("empty form", "/api/token/", "post", 400,
         client.request("POST", "/api/token/", [("Content-Type", "application/x-www-form-urlencoded")], b""))
    case("blank, null and list fields", "/api/token/", "post", 400,
         client.post_json("/api/token/", {"username": " ", "password": None}))
    case("NUL in a field", "/api/token/refresh/", "post", 400,
         client.post_json("/api/token/refresh/", {"refresh": "a\u0000b"}))

    # The token views.
    case("form login", "/api/token/", "post", 200,
         client.request("POST", "/api/token/", [("Content-Type", "application/x-www-form-urlencoded")],
                        urllib.parse.urlencode({"username": args.username, "password": args.password}).encode()))
    case("wrong password", "/api/token/", "post", 401,
         client.post_json("/api/token/", {"username": args.username, "password": "wrong"}))
    case("verify an access token", "/api/token/verify/", "post", 200,
         client.post_json("/api/token/verify/", {"token": pair["access"]}))
    case("verify garbage", "/api/token/verify/", "post", 401,
         client.post_json("/api/token/verify/", {"token": "garbage"}))
    case("refresh with an access token", "/api/token/refresh/", "post", 401,
         client.post_json("/api/token/refresh/", {"refresh": pair["access"]}))
    case("blacklist an access token", "/api/token/blacklist/", "post", 401,
         client.post_json("/api/token/blacklist/", {"refresh": pair["access"]}))
    rotated = case("refresh (rotation)", "/api/token/refresh/", "post", 200,
                   client.post_json("/api/token/refresh/", {"refresh": pair["refresh"]}))
    case("refresh a rotated token (reuse)", "/api/token/refresh/", "post", 401,
         client.post_json("/api/token/refresh/", {"refresh": pair["refresh"]}))
    case("verify a blacklisted token", "/api/token/verify/", "post", 400,
         client.post_json("/api/token/verify/", {"token": pair["refresh"]}))
    if rotated:
        # The repeat came within REUSE_GRACE_PERIOD: a second tab, not a
        # thief, so the rotated-in token is still live and logs out.
        case("log out the new token: its family survived the repeat", "/api/token/blacklist/", "post", 200,
             client.post_json("/api/token/blacklist/", {"refresh": rotated.get("refresh", "")}))
    fresh = login()
    case("blacklist (logout)", "/api/token/blacklist/", "post", 200,
         client.post_json("/api/token/blacklist/", {"refresh": fresh["refresh"]}))
    case("blacklist twice", "/api/token/blacklist/", "post", 401,
         client.post_json("/api/token/blacklist/", {"refresh": fresh["refresh"]}))

    # The protected view.
    case("no credentials", "/api/protected/", "get", 401, client.request("GET", "/api/protected/"))
    case("another scheme", "/api/protected/", "get", 401,
         client.request("GET", "/api/protected/", [("Authorization", "Basic YTpi")]))
    case("scheme alone", "/api/protected/", "get", 401,
         client.request("GET", "/api/protected/", [("Authorization", "Bearer")]))
    case("garbage token", "/api/protected/", "get", 401,
         client.request("GET", "/api/protected/", [("Authorization", "Bearer garbage")]))
    case("refresh token as bearer", "/api/protected/", "get", 401,
         client.request("GET", "/api/protected/", [("Authorization", f"Bearer {fresh['refresh']}")]))
    case("lower-case scheme", "/api/protected/", "get", 200,
         client.request("GET", "/api/protected/", [("Authorization", f"bearer {pair['access']}")]))
    case("POST with credentials", "/api/protected/", "get", 405,
         client.request("POST", "/api/protected/", bearer, b""))
    case("DELETE the document", "/api/schema/", "get", 405, client.request("DELETE", "/api/schema/"))
    case("POST to /healthz", "/healthz", "get", 405, client.request("POST", "/healthz", [], b""))
    case("POST to /metrics", "/metrics", "get", 405, client.request("POST", "/metrics", [], b""))

    # The admin API: schemathesis runs with a user who is no superuser, so
    # it sees 401 and 403 only; the other answers are provoked here.
    users, user = "/api/admin/users/", "/api/admin/users/{id}/"
    revoke = "/api/admin/users/{id}/revoke/"
    root = login(args.admin_username)
    admin = [("Authorization", f"Bearer {root['access']}")]
    admin_json = [("Content-Type", "application/json"), *admin]

    def admin_call(method, target, value):
        return client.request(method, target, admin_json, json.dumps(value).encode())

    case("admin list without credentials", users, "get", 401, client.request("GET", users))
    case("admin list as a plain user", users, "get", 403, client.request("GET", users, bearer))
    case("admin create as a plain user", users, "post", 403,
         client.post_json(users, {"username": "x", "password": "y"}, bearer))
    case("admin list", users, "get", 200, client.request("GET", users, admin))
    case("admin list, page past the end", users, "get", 404,
         client.request("GET", users + "?page=99", admin))
    created = case("admin create", users, "post", 201,
                   admin_call("POST", users, {"username": "edge-user", "password": "edge pass"}))
    case("admin create, form-encoded", users, "post", 201,
         client.request("POST", users, [("Content-Type", "application/x-www-form-urlencoded"), *admin],
                        b"username=edge-form&password=edge+form+pass&is_staff=on"))
    case("admin create, field errors", users, "post", 400,
         admin_call("POST", users, {"username": "edge-user", "password": " x", "is_active": "maybe"}))
    case("admin create, JSON null", users, "post", 400, admin_call("POST", users, None))
    case("admin create, text/plain", users, "post", 415,
         client.request("POST", users, [("Content-Type", "text/plain"), *admin], b"x"))
    new_id = (created or {}).get("id", 999999)
    me = next(u["id"] for u in json.loads(client.request("GET", users, admin)[2])["results"]
              if u["username"] == args.admin_username)
    case("admin retrieve", user, "get", 200, client.request("GET", f"{users}{new_id}/", admin))
    case("admin retrieve a missing user", user, "get", 404, client.request("GET", f"{users}999999/", admin))
    case("admin PUT", user, "get", 405, admin_call("PUT", f"{users}{new_id}/", {}))
    case("admin patch flags", user, "patch", 200,
         admin_call("PATCH", f"{users}{new_id}/", {"is_staff": True, "is_active": "off"}))
    case("admin patch password", user, "patch", 200,
         admin_call("PATCH", f"{users}{new_id}/", {"password": "new edge pass"}))
    case("admin patch, bad boolean", user, "patch", 400,
         admin_call("PATCH", f"{users}{new_id}/", {"is_superuser": "perhaps"}))
    case("admin deactivates themselves", user, "patch", 400,
         admin_call("PATCH", f"{users}{me}/", {"is_active": False}))
    case("admin patch a missing user", user, "patch", 404,
         admin_call("PATCH", f"{users}999999/", {"is_staff": True}))
    case("admin revoke", revoke, "post", 200, client.request("POST", f"{users}{new_id}/revoke/", admin, b""))
    case("admin revoke a missing user", revoke, "post", 404,
         client.request("POST", f"{users}999999/revoke/", admin, b""))
    case("admin deletes themselves", user, "delete", 400, client.request("DELETE", f"{users}{me}/", admin))
    case("admin delete", user, "delete", 204, client.request("DELETE", f"{users}{new_id}/", admin))
    case("admin delete again", user, "delete", 404, client.request("DELETE", f"{users}{new_id}/", admin))
    case("admin delete as a plain user", user, "delete", 403,
         client.request("DELETE", f"{users}{me}/", bearer))

    # Login throttling, with the default LOGIN_FAILURES_PER_USER (10).
    for attempt in range(30):
        answer = client.post_json("/api/token/", {"username": "mallory", "password": f"guess {attempt}"})
        if answer[0] != 401:
            break
    case(f"failed login #{attempt + 1} for one username", "/api/token/", "post", 429, answer)

    # A full connection table: MAX_CONNECTIONS idle connections, then one more.
    time.sleep(0.5)
    idle = [client.connect() for _ in range(args.max_connections)]
    try:
        time.sleep(0.5)
        with client.connect() as s:
            s.sendall(f"GET /healthz HTTP/1.1\r\nHost: {client.hostport}\r\n\r\n".encode())
            case("every connection slot taken", "/healthz", "get", 503, read_response(s))
    finally:
        for s in idle:
            s.close()

    failed = results.count(False)
    print(f"edges: {len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
