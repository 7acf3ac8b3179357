"""A small Elasticsearch stand-in on loopback, for tests only.

It answers the calls the indexer's real `elasticsearch` client makes (index templates,
indices, aliases, bulk, search, count, delete by query, refresh), keeps documents in memory
with external versions, evaluates the query subset the search backend emits, and fails on
demand: refused connections, whole-request errors (429, 503), failed bulk items, slowness."""

from __future__ import annotations

import fnmatch
import json
import re
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DATE_FIELDS = {"startDate", "endDate", "created", "updated", "timestamp"}
_TOKEN = re.compile(r"\w+(?:[.']\w+)*")


def _tokens(text) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(str(text or ""))]


def _date(value) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _norm(field: str, value):
    if value is None:
        return None
    if field in DATE_FIELDS:
        return _date(value)
    return value


def _values(doc: dict, field: str) -> list:
    value = doc.get(field)
    if value is None:
        return []
    return [_norm(field, v) for v in (value if isinstance(value, list) else [value])]


def _unwrap(spec, key="value"):
    return spec[key] if isinstance(spec, dict) else spec


def _wildcard(pattern: str, case_insensitive: bool) -> re.Pattern:
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out += re.escape(pattern[i + 1])
            i += 2
            continue
        out += ".*" if c == "*" else "." if c == "?" else re.escape(c)
        i += 1
    return re.compile(out, re.S | (re.I if case_insensitive else 0))


def matches(doc: dict, query: dict) -> bool:
    ((kind, spec),) = query.items()
    if kind == "match_all":
        return True
    if kind == "bool":
        must = spec.get("must", []) + spec.get("filter", [])
        must = must if isinstance(must, list) else [must]
        should = spec.get("should", [])
        should = should if isinstance(should, list) else [should]
        must_not = spec.get("must_not", [])
        must_not = must_not if isinstance(must_not, list) else [must_not]
        minimum = spec.get("minimum_should_match", 0 if must else 1)
        return (
            all(matches(doc, q) for q in must)
            and not any(matches(doc, q) for q in must_not)
            and (not should or sum(matches(doc, q) for q in should) >= int(minimum))
        )
    if kind == "exists":
        return bool(_values(doc, spec["field"]))
    ((field, arg),) = spec.items()
    values = _values(doc, field)
    if kind == "term":
        return _norm(field, _unwrap(arg)) in values
    if kind == "terms":
        wanted = {_norm(field, v) for v in arg}
        return any(v in wanted for v in values)
    if kind == "prefix":
        return any(str(v).startswith(_unwrap(arg)) for v in values)
    if kind == "wildcard":
        pattern = _wildcard(arg["value"], bool(arg.get("case_insensitive")))
        return any(pattern.fullmatch(str(v)) for v in values)
    if kind == "regexp":
        return any(re.fullmatch(_unwrap(arg), str(v), re.S) for v in values)
    if kind == "range":
        checks = {
            "gt": lambda a, b: a > b,
            "gte": lambda a, b: a >= b,
            "lt": lambda a, b: a < b,
            "lte": lambda a, b: a <= b,
        }
        return any(
            all(checks[op](v, _norm(field, bound)) for op, bound in arg.items() if op in checks)
            for v in values
        )
    if kind == "match":
        wanted = _tokens(_unwrap(arg, "query"))
        have = set(t for v in values for t in _tokens(v))
        if isinstance(arg, dict) and arg.get("operator") == "and":
            return all(t in have for t in wanted)
        return any(t in have for t in wanted)
    if kind == "match_phrase":
        wanted = _tokens(_unwrap(arg, "query"))
        for v in values:
            have = _tokens(v)
            n = len(wanted)
            if any(have[i : i + n] == wanted for i in range(len(have) - n + 1)):
                return True
        return False
    raise ValueError(f"stand-in: unsupported query {kind}")


def _sort_key(sorts: list):
    def key(item):
        _, doc = item
        parts = []
        for sort in sorts:
            if isinstance(sort, str):
                field, order, missing = sort, "asc", "_last"
            else:
                ((field, opts),) = sort.items()
                opts = opts if isinstance(opts, dict) else {"order": opts}
                order = opts.get("order", "asc")
                missing = opts.get("missing", "_last")
            values = _values(doc, field)
            value = values[0] if values else None
            parts.append((order, missing, value))
        return parts

    return key


class _Reverse:
    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        return other.value < self.value

    def __eq__(self, other):
        return self.value == other.value


def _sorted(items: list, sorts: list) -> list:
    def key(item):
        out = []
        for order, missing, value in _sort_key(sorts)(item):
            absent = value is None
            # Missing first or last regardless of direction; values ordered by direction.
            rank = (0 if missing == "_first" else 2) if absent else 1
            v = (0, "") if absent else (1, value)
            out.append((rank, _Reverse(v) if order == "desc" else v))
        return out

    return sorted(items, key=key)


class Store:
    """Indices of documents with versions, aliases and templates; thread safe."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.indices: dict[str, dict[str, tuple[int, dict | None]]] = {}
        self.aliases: dict[str, set[str]] = {}  # alias -> indices
        self.templates: dict[str, dict] = {}

    def resolve(self, expression: str) -> list[str]:
        found: list[str] = []
        for part in expression.split(","):
            if part in self.aliases:
                found += sorted(self.aliases[part])
            elif "*" in part:
                found += sorted(n for n in self.indices if fnmatch.fnmatch(n, part))
            elif part in self.indices:
                found.append(part)
        return list(dict.fromkeys(found))

    def create(self, name: str, aliases: dict | None = None) -> None:
        self.indices[name] = {}
        for template in self.templates.values():
            if any(fnmatch.fnmatch(name, p) for p in template.get("index_patterns", [])):
                for alias in (template.get("template") or {}).get("aliases") or {}:
                    self.aliases.setdefault(alias, set()).add(name)
        for alias in aliases or {}:
            self.aliases.setdefault(alias, set()).add(name)

    def docs(self, expression: str) -> list[tuple[str, str, dict]]:
        return [
            (index, doc_id, source)
            for index in self.resolve(expression)
            for doc_id, (_, source) in self.indices[index].items()
            if source is not None
        ]


class StandIn:
    """Start with `StandIn().start()`; `url` to give the client; fault switches below."""

    def __init__(self) -> None:
        self.store = Store()
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.delay = 0.0
        self.fail_status: int | None = None  # every request answers this status
        self.fail_count = 0  # ... for this many requests (0: until cleared)
        self.item_failure = None  # callable(action, index, doc_id) -> bool: fail that bulk item
        self.requests: list[tuple[str, str]] = []
        self.connections: set = set()  # keep-alive sockets, closed by stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> StandIn:
        handler = type("Handler", (_Handler,), {"standin": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Close the port and every open connection: connections are refused until
        `start()` (documents are kept)."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        for sock in list(self.connections):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.connections.clear()

    def fail(self, status: int | None, count: int = 0) -> None:
        self.fail_status, self.fail_count = status, count

    def source(self, alias: str, doc_id: str) -> dict | None:
        with self.store.lock:
            for index in self.store.resolve(alias):
                found = self.store.indices[index].get(str(doc_id))
                if found and found[1] is not None:
                    return found[1]
        return None

    def version(self, alias: str, doc_id: str) -> int | None:
        with self.store.lock:
            for index in self.store.resolve(alias):
                found = self.store.indices[index].get(str(doc_id))
                if found and found[1] is not None:
                    return found[0]
        return None

    def count(self, alias: str) -> int:
        with self.store.lock:
            return len(self.store.docs(alias))

    # The API ------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict, body: bytes):
        store = self.store
        parts = [p for p in path.split("/") if p]
        with store.lock:
            if not parts:
                return 200, {
                    "name": "standin",
                    "cluster_name": "standin",
                    "version": {"number": "9.0.0", "build_flavor": "default"},
                    "tagline": "You Know, for Search",
                }
            if parts[0] == "_index_template" and len(parts) == 2:
                if method == "PUT":
                    store.templates[parts[1]] = json.loads(body or b"{}")
                    return 200, {"acknowledged": True}
                if parts[1] not in store.templates:
                    return 404, _error("resource_not_found_exception", parts[1])
                return 200, {
                    "index_templates": [
                        {"name": parts[1], "index_template": store.templates[parts[1]]}
                    ]
                }
            if parts[0] == "_aliases" and method == "POST":
                for action in json.loads(body)["actions"]:
                    ((verb, spec),) = action.items()
                    if verb == "add":
                        store.aliases.setdefault(spec["alias"], set()).add(spec["index"])
                    elif verb == "remove":
                        store.aliases.get(spec["alias"], set()).discard(spec["index"])
                store.aliases = {a: i for a, i in store.aliases.items() if i}
                return 200, {"acknowledged": True}
            if parts[0] == "_alias" and len(parts) == 2:
                return self._aliases_of(list(store.aliases.get(parts[1], ())), parts[1])
            if parts[0] == "_bulk":
                return self._bulk(body, None)
            if parts[0] == "_refresh":
                return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
            index = parts[0]
            if len(parts) == 1:
                if method == "PUT":
                    if index in store.indices:
                        return 400, _error("resource_already_exists_exception", index)
                    spec = json.loads(body or b"{}")
                    store.create(index, spec.get("aliases"))
                    return 200, {"acknowledged": True, "index": index}
                if method == "HEAD":
                    return (200 if store.resolve(index) else 404), None
                if method == "DELETE":
                    names = store.resolve(index)
                    if not names:
                        return 404, _error("index_not_found_exception", index)
                    for name in names:
                        del store.indices[name]
                        for members in store.aliases.values():
                            members.discard(name)
                    store.aliases = {a: i for a, i in store.aliases.items() if i}
                    return 200, {"acknowledged": True}
            action = parts[1]
            if action == "_alias":
                names = store.resolve(index)
                if not names:
                    return 404, _error("index_not_found_exception", index)
                return 200, {
                    n: {"aliases": {a: {} for a, m in store.aliases.items() if n in m}}
                    for n in names
                }
            if action == "_bulk":
                return self._bulk(body, index)
            if action == "_refresh":
                return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
            if action in ("_search", "_count", "_delete_by_query"):
                spec = json.loads(body or b"{}")
                missing_ok = query.get("ignore_unavailable") == ["true"]
                if not store.resolve(index) and "*" not in index and not missing_ok:
                    return 404, _error("index_not_found_exception", index)
                hits = [
                    (i, d, s)
                    for i, d, s in store.docs(index)
                    if matches(s, spec.get("query") or {"match_all": {}})
                ]
                if action == "_count":
                    return 200, {"count": len(hits)}
                if action == "_delete_by_query":
                    for i, d, _ in hits:
                        version = store.indices[i][d][0]
                        store.indices[i][d] = (version, None)
                    return 200, {"deleted": len(hits), "failures": []}
                return 200, self._search(hits, spec, query)
            if action == "_doc" and len(parts) == 3:
                if method in ("PUT", "POST"):
                    return self._index_one(index, parts[2], json.loads(body), query)
                if method == "GET":
                    source = self.source(index, parts[2])
                    if source is None:
                        return 404, {"_index": index, "_id": parts[2], "found": False}
                    return 200, {"_index": index, "_id": parts[2], "found": True, "_source": source}
        return 400, _error("illegal_argument_exception", f"stand-in: no route {method} {path}")

    def _aliases_of(self, names: list[str], alias: str):
        if not names:
            return 404, {"error": f"alias [{alias}] missing", "status": 404}
        return 200, {n: {"aliases": {alias: {}}} for n in sorted(names)}

    def _target(self, index: str) -> str:
        store = self.store
        if index in store.aliases:
            members = sorted(store.aliases[index])
            if len(members) != 1:
                raise ValueError(f"alias [{index}] has more than one index to write to")
            return members[0]
        if index not in store.indices:
            store.create(index)
        return index

    def _write(self, verb: str, index: str, doc_id: str, source, version, version_type):
        target = self._target(index)
        docs = self.store.indices[target]
        current = docs.get(doc_id)
        if version_type == "external" and current is not None and current[0] >= version:
            return {
                "_index": target,
                "_id": doc_id,
                "status": 409,
                "error": {
                    "type": "version_conflict_engine_exception",
                    "reason": f"[{doc_id}]: version conflict, current version [{current[0]}] "
                    f"is higher or equal to the one provided [{version}]",
                },
            }
        if verb == "delete" and (current is None or current[1] is None):
            if version_type == "external":
                docs[doc_id] = (version, None)
            return {"_index": target, "_id": doc_id, "status": 404, "result": "not_found"}
        new_version = version if version_type == "external" else (current[0] + 1 if current else 1)
        docs[doc_id] = (new_version, None if verb == "delete" else source)
        created = current is None or current[1] is None
        status = 200 if verb == "delete" or not created else 201
        result = "deleted" if verb == "delete" else ("created" if created else "updated")
        return {
            "_index": target,
            "_id": doc_id,
            "_version": new_version,
            "status": status,
            "result": result,
        }

    def _index_one(self, index: str, doc_id: str, source: dict, query: dict):
        version = int(query["version"][0]) if "version" in query else None
        version_type = query.get("version_type", [None])[0]
        item = self._write("index", index, doc_id, source, version, version_type)
        return item["status"], item

    def _bulk(self, body: bytes, default_index: str | None):
        lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        items, errors, i = [], False, 0
        while i < len(lines):
            ((verb, meta),) = lines[i].items()
            i += 1
            source = None
            if verb in ("index", "create"):
                source, i = lines[i], i + 1
            index = meta.get("_index", default_index)
            doc_id = str(meta["_id"])
            if self.item_failure is not None and self.item_failure(verb, index, doc_id):
                item = {
                    "_index": index,
                    "_id": doc_id,
                    "status": 429,
                    "error": {
                        "type": "es_rejected_execution_exception",
                        "reason": "stand-in: rejected",
                    },
                }
            else:
                item = self._write(
                    "delete" if verb == "delete" else "index",
                    index,
                    doc_id,
                    source,
                    meta.get("version"),
                    meta.get("version_type"),
                )
            errors = errors or item["status"] >= 300
            items.append({verb: item})
        return 200, {"took": 1, "errors": errors, "items": items}

    def _search(self, hits: list, spec: dict, query: dict) -> dict:
        total = len(hits)
        aggs = {
            name: _aggregate([s for _, _, s in hits], agg)
            for name, agg in (spec.get("aggs") or spec.get("aggregations") or {}).items()
        }
        ordered = _sorted([(f"{i}/{d}", s) for i, d, s in hits], spec.get("sort") or [])
        by_key = {f"{i}/{d}": (i, d) for i, d, _ in hits}
        start = int(spec.get("from", query.get("from", [0])[0]))
        size = int(spec.get("size", query.get("size", [10])[0]))
        page = ordered[start : start + size]
        with_source = spec.get("_source", True) is not False
        found = []
        for key, source in page:
            index, doc_id = by_key[key]
            hit = {"_index": index, "_id": doc_id, "_score": None}
            if with_source:
                hit["_source"] = source
            found.append(hit)
        body = {
            "took": 1,
            "timed_out": False,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {"total": {"value": total, "relation": "eq"}, "max_score": None, "hits": found},
        }
        if aggs:
            body["aggregations"] = aggs
        return body


def _aggregate(docs: list[dict], spec: dict) -> dict:
    subs = spec.get("aggs") or spec.get("aggregations") or {}
    kind = next(k for k in spec if k not in ("aggs", "aggregations"))
    arg = spec[kind]
    field = arg.get("field")
    if kind == "stats":
        values = [float(v) for d in docs for v in _values(d, field)]
        if not values:
            return {"count": 0, "min": None, "max": None, "avg": None, "sum": 0.0}
        return {
            "count": len(values),
            "min": min(values),
            "max": max(values),
            "avg": sum(values) / len(values),
            "sum": sum(values),
        }
    groups: dict = {}
    for doc in docs:
        for value in _values(doc, field):
            if kind == "date_histogram":
                value = value.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            groups.setdefault(value, []).append(doc)
    if kind == "terms":
        ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))[: arg.get("size", 10)]
        buckets = [{"key": k, "doc_count": len(v)} for k, v in ordered]
    elif kind == "date_histogram":
        if arg.get("calendar_interval") not in ("day", "1d"):
            raise ValueError("stand-in: date_histogram by day only")
        buckets = []
        if groups:
            day, last = min(groups), max(groups)
            while day <= last:  # ES fills the gaps between the first and last bucket
                buckets.append(
                    {
                        "key": int(day.timestamp() * 1000),
                        "key_as_string": day.isoformat().replace("+00:00", "Z"),
                        "doc_count": len(groups.get(day, [])),
                    }
                )
                day += timedelta(days=1)
        ordered = [(datetime.fromtimestamp(b["key"] / 1000, UTC), None) for b in buckets]
        ordered = [(k, groups.get(k, [])) for k, _ in ordered]
    else:
        raise ValueError(f"stand-in: unsupported aggregation {kind}")
    for bucket, (_, members) in zip(buckets, ordered, strict=True):
        for name, sub in subs.items():
            bucket[name] = _aggregate(members, sub)
    return {"buckets": buckets}


def _error(kind: str, reason: str) -> dict:
    return {
        "error": {"type": kind, "reason": reason, "root_cause": [{"type": kind, "reason": reason}]},
        "status": 400,
    }


class _Handler(BaseHTTPRequestHandler):
    standin: StandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.standin.connections.add(self.request)

    def finish(self) -> None:
        self.standin.connections.discard(self.request)
        super().finish()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        standin = self.standin
        standin.requests.append((self.command, split.path))
        if standin.delay:
            time.sleep(standin.delay)
        if standin.fail_status is not None:
            status, payload = (
                standin.fail_status,
                {
                    "error": {"type": "stand_in_failure", "reason": "failing on demand"},
                    "status": standin.fail_status,
                },
            )
            if standin.fail_count:
                standin.fail_count -= 1
                if standin.fail_count == 0:
                    standin.fail_status = None
        else:
            try:
                status, payload = standin.handle(
                    self.command, split.path, parse_qs(split.query), body
                )
            except Exception as error:  # a stand-in bug shows as a 500 naming it
                status, payload = 500, _error("stand_in_error", repr(error))
        data = b"" if payload is None else json.dumps(payload, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(data)))
        # Headers and body in one write: two small writes meet Nagle and delayed ACKs (40 ms).
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(data)
        self.flush_headers()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve
