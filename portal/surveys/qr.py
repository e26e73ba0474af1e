"""QR codes of a survey's address, drawn on the server as inline SVG (no request anywhere else)."""
from __future__ import annotations

import segno
from markupsafe import Markup

from portal.i18n import gettext as _


def qr_svg(address: str) -> Markup:
    """An SVG image of a QR code for the address, labelled for screen readers."""
    code = segno.make(address, error="m", micro=False)
    svg = code.svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True,
                          svgclass="qr", lineclass=None)
    label = _("QR code of the survey's address")
    # segno writes only paths from the address's bits; the address is escaped in the label only
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1)
    return Markup(svg)  # noqa: S704  # nosec B704
