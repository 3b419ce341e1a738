"""Build ``data/deck_template.pptx``: the clean default template of the decks (16:9).

python-pptx's own default template, widened to 16:9 (33,867 × 19,05 cm), with its example slides
removed; the decks use its "Title Slide" and "Title Only" layouts. Run::

    python data/build_deck_template.py
"""

from pathlib import Path

from pptx import Presentation
from pptx.util import Emu

OUT = Path(__file__).with_name("deck_template.pptx")


def build(path: Path = OUT) -> Path:
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(12192000), Emu(6858000)
    # stretch every layout's and the master's placeholders to the wider slide
    scale = 12192000 / 9144000
    # (only shapes with their own position: a layout's placeholder without one inherits the master's,
    # which is stretched once, with the master)
    for shapes in [prs.slide_master.shapes, *(lo.shapes for lo in prs.slide_layouts)]:
        for shape in shapes:
            if shape._element.xpath("./p:spPr/a:xfrm"):
                shape.left, shape.width = int(shape.left * scale), int(shape.width * scale)
    prs.save(str(path))
    return path


if __name__ == "__main__":
    print(build())
