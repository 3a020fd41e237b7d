"""Text layer: a born-digital PDF page -> words, stroke segments and shapes.

Word-exported and generated PDFs draw the same things in many ways: table
rules as lines, as thin filled rectangles or as rectangle outlines; symbols as
rectangles, Bezier paths or polygons. This module flattens all of it into the
page model (`Word`, `Segment`, `Shape`) so the grid and flowchart stages see
one vocabulary, the same one the OCR route produces from pixels.
"""

from __future__ import annotations

from typing import Any, Iterable

import pdfplumber

from .primitives import BBox, PageContent, Point, Segment, Shape, Word

# A filled rectangle thinner than this (points) is a drawn rule, not a box.
THIN_RULE = 2.5
# A closed rectangle bigger than this fraction of the page is a frame or a
# table border, not a flowchart symbol.
FRAME_FRACTION = 0.3


def read_page(page: pdfplumber.page.Page, number: int) -> PageContent:
    width, height = float(page.width), float(page.height)
    words = list(_words(page))
    segments: list[Segment] = []
    shapes: list[Shape] = []
    for obj in _graphic_objects(page):
        for points, closed, curved in _subpaths(obj):
            _classify_subpath(points, closed, curved, obj, width, height, segments, shapes)
    return PageContent(number=number, width=width, height=height, words=words,
                       segments=segments, shapes=shapes, route="text-layer")


def _words(page: pdfplumber.page.Page) -> Iterable[Word]:
    for w in page.extract_words(x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False,
                                extra_attrs=["fontname"]):
        text = w["text"].strip()
        if not text:
            continue
        yield Word(text=text, box=BBox(w["x0"], w["top"], w["x1"], w["bottom"]),
                   conf=1.0, bold="bold" in w.get("fontname", "").lower())


def _graphic_objects(page: pdfplumber.page.Page) -> Iterable[dict[str, Any]]:
    for kind in ("line", "rect", "curve"):
        yield from page.objects.get(kind, [])


def _subpaths(obj: dict[str, Any]) -> Iterable[tuple[list[Point], bool, bool]]:
    """Split a path object into (vertices, closed, has_curves) subpaths.

    Bezier control points are dropped: only on-curve points are kept, which
    is enough to tell a capsule from a box from a diamond.
    """
    path = obj.get("path")
    if not path:
        pts = [tuple(p) for p in obj.get("pts", [])]
        if len(pts) >= 2:
            yield pts, obj.get("object_type") == "rect", False
        return
    points: list[Point] = []
    closed = curved = False
    for cmd in path:
        op = cmd[0]
        if op == "m":
            if len(points) >= 2:
                yield points, closed or _same(points[0], points[-1]), curved
            points, closed, curved = [tuple(cmd[1])], False, False
        elif op == "l":
            points.append(tuple(cmd[1]))
        elif op in ("c", "v", "y"):
            points.append(tuple(cmd[-1]))
            curved = True
        elif op == "h":
            closed = True
    if len(points) >= 2:
        yield points, closed or _same(points[0], points[-1]), curved


def _same(a: Point, b: Point, tol: float = 0.5) -> bool:
    return abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) <= tol


def _dedupe(points: list[Point]) -> list[Point]:
    out: list[Point] = []
    for p in points:
        if not out or not _same(out[-1], p):
            out.append(p)
    if len(out) > 1 and _same(out[0], out[-1]):
        out.pop()
    return out


def _is_axis_rect(points: list[Point]) -> bool:
    if len(points) != 4:
        return False
    box = BBox.around(points)
    return all(min(abs(x - box.x0), abs(x - box.x1)) < 0.5 and
               min(abs(y - box.top), abs(y - box.bottom)) < 0.5 for x, y in points)


def _rect_sides(box: BBox) -> list[Segment]:
    return [Segment(box.x0, box.top, box.x1, box.top), Segment(box.x0, box.bottom, box.x1, box.bottom),
            Segment(box.x0, box.top, box.x0, box.bottom), Segment(box.x1, box.top, box.x1, box.bottom)]


def _classify_subpath(points: list[Point], closed: bool, curved: bool, obj: dict[str, Any],
                      width: float, height: float,
                      segments: list[Segment], shapes: list[Shape]) -> None:
    stroked = bool(obj.get("stroke", True))
    filled = bool(obj.get("fill", False))
    if not closed:
        if stroked or not filled:
            segments.extend(Segment(a[0], a[1], b[0], b[1])
                            for a, b in zip(points, points[1:]) if not _same(a, b))
        return
    pts = _dedupe(points)
    if len(pts) < 2:
        return
    box = BBox.around(pts)
    if not curved and _is_axis_rect(pts):
        if min(box.width, box.height) < THIN_RULE:
            if max(box.width, box.height) >= THIN_RULE:  # a rule drawn as a thin box
                if box.width >= box.height:
                    segments.append(Segment(box.x0, box.cy, box.x1, box.cy))
                else:
                    segments.append(Segment(box.cx, box.top, box.cx, box.bottom))
            return
        if filled and not stroked:
            return  # cell shading: flowchart symbols always have an outline
        if box.width > FRAME_FRACTION * width or box.height > FRAME_FRACTION * height:
            if stroked:  # a table border or frame drawn as one rectangle
                segments.extend(_rect_sides(box))
            return
    if filled and not stroked and _is_white(obj.get("non_stroking_color")):
        return  # white-outs and backgrounds
    shapes.append(Shape(points=tuple(pts), curved=curved, filled=filled, stroked=stroked))


def _is_white(color: Any) -> bool:
    if color is None:
        return False
    if isinstance(color, (int, float)):
        return color >= 0.95
    values = list(color)
    if len(values) == 4:  # CMYK
        return all(v <= 0.05 for v in values)
    return all(v >= 0.95 for v in values)
