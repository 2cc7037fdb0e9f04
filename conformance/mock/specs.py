"""Request bodies of the mock's operations: read as the spec element an operation takes, in the
API's namespace, valid against the project's schemas (`specs.xsd`), or refused with a 400."""

from __future__ import annotations

from functools import lru_cache

from lxml import etree
from starlette.requests import Request

from ..contract.profiles import data_dir
from ..model.parsing import ParseError, parse_xml
from .render import NAMESPACE
from .responses import ApiError

__all__ = ["spec_body", "spec_schema"]

_MAX_BODY = 1024 * 1024


@lru_cache(maxsize=1)
def spec_schema() -> etree.XMLSchema:
    """The project's v1.7 schemas, which every request body the mock takes must satisfy."""
    return etree.XMLSchema(etree.parse(str(data_dir("schemas") / "v1_7" / "api.xsd")))


async def spec_body(request: Request, element: str) -> etree._Element:
    """The request body as the spec element it must be, valid against the schemas; else a 400."""
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media not in ("application/xml", "text/xml"):
        raise ApiError(400, f"the body must be a {element} in XML (Content-Type application/xml), "
                            f"not {media or 'a body without Content-Type'}")
    body = await request.body()
    if not body.strip():
        raise ApiError(400, f"a {element} body is required")
    if len(body) > _MAX_BODY:
        raise ApiError(400, f"the body is larger than {_MAX_BODY} bytes")
    try:
        root = parse_xml(body)
    except ParseError as exc:
        raise ApiError(400, f"the body is not well-formed XML: {exc}") from None
    qname = etree.QName(root)
    if qname.localname != element or qname.namespace != NAMESPACE:
        raise ApiError(400, f"the body must be a {element} in namespace {NAMESPACE}, not {qname.text}")
    schema = spec_schema()
    if not schema.validate(root):
        first = schema.error_log[0] if len(schema.error_log) else None
        raise ApiError(400, f"the {element} is not valid: {first.message if first else 'schema violation'}")
    return root
