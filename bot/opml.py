"""OPML, the feed list format every feed reader imports and exports.

:func:`feed_urls` reads the ``xmlUrl`` of every ``<outline>`` (nested folders included) from a
file an admin sent; it is untrusted: at most :data:`MAX_OPML_BYTES`, parsed by defusedxml
(no entity expansion, no external references), at most :data:`MAX_FEEDS` addresses.
:func:`write_opml` makes the file ``/exportopml`` sends.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from retrieval.text import utc_now

MAX_OPML_BYTES = 1_000_000
MAX_FEEDS = 500


class BadOPML(ValueError):
    """The file is not an OPML feed list this bot reads; the message says why."""


def feed_urls(data: bytes) -> list[str]:
    """The feed addresses of an OPML file, in order, each once."""
    if len(data) > MAX_OPML_BYTES:
        raise BadOPML(f"the file has {len(data):,} bytes, over the {MAX_OPML_BYTES:,} allowed")
    try:
        root = fromstring(data)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise BadOPML(f"not readable XML ({exc})") from None
    if root.tag.lower() != "opml":
        raise BadOPML(f"the root element is <{root.tag[:40]}>, not <opml>")
    urls = [u.strip() for u in (o.get("xmlUrl") or o.get("xmlurl") for o in root.iter("outline")) if u and u.strip()]
    unique = list(dict.fromkeys(urls))
    if len(unique) > MAX_FEEDS:
        raise BadOPML(f"{len(unique):,} feeds, over the {MAX_FEEDS} one import may add")
    return unique


def write_opml(feeds: list[tuple[str, str | None]], title: str) -> bytes:
    """An OPML 2.0 file listing ``(url, title)`` feeds."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = utc_now().strftime("%a, %d %b %Y %H:%M:%S GMT")
    body = ET.SubElement(root, "body")
    for url, name in feeds:
        ET.SubElement(body, "outline", type="rss", text=name or url, title=name or url, xmlUrl=url)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
