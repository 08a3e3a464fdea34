#!/usr/bin/env python3
"""Checks an HTML report: it parses without a single error under html5lib's
strict WHATWG parser, and opens offline — no script, no external
stylesheet, image, font or frame (links in <a href> are fine). Prints the
number of table rows.

Usage: check_html.py FILE
"""
import sys

import html5lib

text = open(sys.argv[1], encoding="utf-8").read()
parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
try:
    document = parser.parse(text)
except html5lib.html5parser.ParseError as error:
    print(f"not valid HTML: {error}", file=sys.stderr)
    sys.exit(1)
problems = []
for element in document.iter():
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in ("script", "iframe", "object", "embed", "link", "img"):
        problems.append(f"<{tag}> needs the network or runs code")
    for attribute in ("src", "srcset"):
        if element.get(attribute):
            problems.append(f"<{tag} {attribute}> loads a resource")
    if tag == "style" and "url(" in (element.text or ""):
        problems.append("a stylesheet loads a resource")
if problems:
    print("\n".join(sorted(set(problems))), file=sys.stderr)
    sys.exit(1)
print(sum(1 for element in document.iter() if element.tag == "tr"))
