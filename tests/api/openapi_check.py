"""openapi_check.py — validate an HTTP response the API suite received against docs/openapi.yaml.

check_response(method, path, status, content_type, body, raw) finds the operation by method and path template,
picks the response by status code (or `default`), checks the media type and validates the JSON body with
jsonschema (Draft 2020-12, $ref resolved inside the whole document). Any mismatch raises AssertionError naming
method, path, status and the error. Paths under /api/ that match no template, and methods a path does not have,
must answer a Problem. Other paths (the static web files) are not checked.

Needs python3-yaml and python3-jsonschema (scripts/install-deps installs both).
"""
import re
import threading
import urllib.parse
from pathlib import Path

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
DOC_URI = "urn:motcua:openapi"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
CHECKED_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics")

_lock = threading.Lock()
_state = None


class _State:
    def __init__(self, doc):
        self.doc = doc
        self.registry = Registry().with_resource(DOC_URI, Resource.from_contents(doc, default_specification=DRAFT202012))
        self.templates = []  # (regex, template)
        for tpl in doc.get("paths", {}):
            rx = "^" + "/".join(re.escape(seg) if not seg.startswith("{") else "[^/]+" for seg in tpl.split("/")) + "$"
            self.templates.append((re.compile(rx), tpl))
        # Literal templates before parametrised ones, so /units/{id} never shadows a fixed path.
        self.templates.sort(key=lambda t: t[1].count("{"))
        self.validators = {}

    def validator(self, pointer):
        v = self.validators.get(pointer)
        if v is None:
            v = jsonschema.Draft202012Validator({"$ref": DOC_URI + "#" + pointer}, registry=self.registry)
            self.validators[pointer] = v
        return v


def _esc(token):
    return str(token).replace("~", "~0").replace("/", "~1")


def _state_get():
    global _state
    with _lock:
        if _state is None:
            with open(DOC_PATH, encoding="utf-8") as f:
                _state = _State(yaml.safe_load(f))
        return _state


def document():
    return _state_get().doc


def _deref(st, obj, pointer):
    """Follow a local $ref of a non-schema object (a response); returns (object, its JSON pointer)."""
    while isinstance(obj, dict) and "$ref" in obj:
        ref = obj["$ref"]
        if not ref.startswith("#/"):
            raise AssertionError("openapi: only local $ref supported, got %r" % ref)
        pointer = ref[1:]
        obj = st.doc
        for tok in pointer[1:].split("/"):
            obj = obj[tok.replace("~1", "/").replace("~0", "~")]
    return obj, pointer


def _find(st, path):
    for rx, tpl in st.templates:
        if rx.match(path):
            return tpl
    return None


def check_response(method, target, status, content_type, body, raw, headers=None):
    """Raise AssertionError when the response does not match the document (see the module comment). With
    headers (a case-insensitive mapping), every header the response declares `required` must be present and
    match its schema."""
    path = urllib.parse.urlsplit(target).path or "/"
    if not path.startswith(CHECKED_PREFIXES):
        return
    st = _state_get()
    where = "%s %s -> %s" % (method, target, status)
    tpl = _find(st, path)
    op = None
    if tpl is not None:
        op = st.doc["paths"][tpl].get(method.lower())
    if op is None:
        if not path.startswith("/api/") and tpl is None:
            raise AssertionError("openapi: %s: no operation in docs/openapi.yaml" % where)
        # An unknown path or method under the API: the answer must be a Problem.
        resp, ptr = _deref(st, {"$ref": "#/components/responses/Problem"}, "")
    else:
        optr = "/paths/%s/%s" % (_esc(tpl), method.lower())
        responses = op.get("responses", {})
        key = str(status) if str(status) in responses else ("%dXX" % (status // 100) if "%dXX" % (status // 100)
                                                             in responses else "default")
        if key not in responses:
            raise AssertionError("openapi: %s: status %s not documented for %s %s" % (where, status, method, tpl))
        resp, ptr = _deref(st, responses[key], optr + "/responses/" + _esc(key))
    if headers is not None:
        for name, h in (resp.get("headers") or {}).items():
            h, _ = _deref(st, h, "")
            value = headers.get(name)
            if value is None:
                if h.get("required"):
                    raise AssertionError("openapi: %s: header %s is required and missing" % (where, name))
                continue
            hs = h.get("schema")
            if hs is not None:
                err = jsonschema.exceptions.best_match(
                    jsonschema.Draft202012Validator(hs, registry=st.registry).iter_errors(value))
                if err is not None:
                    raise AssertionError("openapi: %s: header %s: %r: %s" % (where, name, value, err.message))
    content = resp.get("content") or {}
    if method.upper() == "HEAD":
        return
    if not content:
        if raw:
            raise AssertionError("openapi: %s: the document says no body, got %r" % (where, raw[:300]))
        return
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media not in content:
        raise AssertionError("openapi: %s: content type %r, the document allows %s (body %r)"
                             % (where, content_type, sorted(content), raw[:300]))
    schema = content[media].get("schema")
    if schema is None:
        return
    if schema.get("format") == "binary":          # a file's bytes (papers): the media type is the contract
        return
    if isinstance(body, (bytes, bytearray)):
        if "json" in media:
            raise AssertionError("openapi: %s: body is not JSON: %r" % (where, bytes(body[:300])))
        # A text media type (text/csv): its schema describes the body as one string.
        try:
            body = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            raise AssertionError("openapi: %s: %s body is not UTF-8: %r" % (where, media, bytes(body[:300])))
    v = st.validator(ptr + "/content/" + _esc(media) + "/schema")
    err = jsonschema.exceptions.best_match(v.iter_errors(body))
    if err is not None:
        raise AssertionError("openapi: %s: body does not match docs/openapi.yaml: %s at %s (body %r)"
                             % (where, err.message, "/" + "/".join(str(p) for p in err.absolute_path),
                                raw[:600]))
