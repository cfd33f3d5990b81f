"""The CJK font the documents are set in.

No maintained PyPI package ships a Simplified Chinese TrueType font, so the font is a system
package: Debian's fonts-wqy-microhei (文泉驿微米黑, Apache-2.0 / GPLv3 with font exception),
installed by .ci/run. SUITIAO_CJK_FONT names another TrueType file (.ttf/.ttc) instead, e.g. an
organisation's licensed 仿宋. CFF-flavoured OpenType (Noto CJK .otf/.ttc) is not supported by
reportlab, so it is not looked for.
"""

from __future__ import annotations

from pathlib import Path

from api.settings import Settings

# In order of preference. Letters are set in a serif (宋体-style 明体) face like the Word file:
# Debian's fonts-arphic-uming (AR PL UMing, TrueType, Arphic Public License) is the serif CJK
# face reportlab can embed; the sans 文泉驿 faces are fallbacks so a letter is still produced.
SEARCHED = (
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
    Path("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
INSTALL_HINT = (
    "apt-get install fonts-arphic-uming (serif) or fonts-wqy-microhei, "
    "or set SUITIAO_CJK_FONT to a TrueType font"
)


class FontMissing(RuntimeError):
    """No CJK font: documents would print as empty boxes, so none is produced."""


def cjk_font() -> Path:
    named = Settings.from_env().cjk_font  # read when a letter is rendered: tests set it
    if named is not None:
        if not named.is_file():
            raise FontMissing(f"SUITIAO_CJK_FONT={named}: no such file")
        return named
    for path in SEARCHED:
        if path.is_file():
            return path
    searched = ", ".join(str(p) for p in SEARCHED)
    raise FontMissing(f"no CJK font found (looked for {searched}); {INSTALL_HINT}")
