"""Where a browser goes for a redirect, read the way browsers read a Location header."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

# WHATWG URL parsing: C0 controls and spaces trimmed from both ends, tabs and line breaks dropped
# anywhere, and a backslash read as a slash in http and https addresses
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))


def browser_destination(base: str, location: str) -> tuple[str, str]:
    """(scheme, host) a browser on `base` goes to when answered with `location`."""
    cleaned = re.sub(r"[\t\n\r]", "", location.strip(_C0_AND_SPACE)).replace("\\", "/")
    parts = urlsplit(urljoin(base, cleaned))
    return parts.scheme, parts.netloc.lower()
