"""Review edits on real documents (the golden files), the flowchart layout,
vocabulary feedback and the schema 1.1 review block."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from PIL import Image

from ingest.model import SopDocument, shipped_schema_text
from pipelines.review import document, feedback, flowsvg
from pipelines.review.document import EditError, Form

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def load(name: str) -> dict:
    return json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))


@pytest.fixture()
def kubar() -> dict:  # 10 steps, step 7 a decision: yes -> 8, no -> 4
    return load("bkpsdm-kubar-evaluasi-akip")


def test_unchanged_form_changes_nothing(kubar):
    sop = kubar["sops"][0]
    f = Form([("sops[0].identity.title", sop["identity"]["title"]),
              ("sops[0].steps[0].activity", sop["steps"][0]["activity"]),
              ("sops[0].roles[0]", sop["roles"][0])])
    new, changes = document.apply_form(kubar, f)
    assert changes == [] and new == document.validate(kubar)


def test_duration_and_date_rederive_their_values(kubar):
    f = Form([("sops[0].steps[2].duration.text", "15 - 30 menit"),
              ("sops[0].identity.effective", "3 Maret 2022"),
              ("sops[0].steps[3].duration.text", "-")])
    new, changes = document.apply_form(kubar, f)
    sop = new["sops"][0]
    assert sop["steps"][2]["duration"] == {"text": "15 - 30 menit", "min": 15, "max": 30, "unit": "minute"}
    assert sop["steps"][3]["duration"] is None
    assert sop["identity"]["effective_iso"] == "2022-03-03"
    assert [c.path for c in changes] == ["sops[0].identity.effective", "sops[0].steps[2].duration.text",
                                         "sops[0].steps[3].duration.text"]


def test_role_rename_moves_the_actors_of_its_column(kubar):
    sop = kubar["sops"][0]
    old = sop["roles"][1]
    in_column = [i for i, s in enumerate(sop["steps"]) if old in s["actors"]]
    assert in_column
    new, changes = document.apply_form(kubar, Form([("sops[0].roles[1]", "Kasubag Program")]))
    steps = new["sops"][0]["steps"]
    assert all("Kasubag Program" in steps[i]["actors"] and old not in steps[i]["actors"]
               for i in in_column)
    assert changes[0].path == "sops[0].roles[1]" and changes[0].old == old
    assert {c.path for c in changes[1:]} == {f"sops[0].steps[{i}].actors" for i in in_column}


def test_actor_checkboxes_pick_role_columns(kubar):
    roles = kubar["sops"][0]["roles"]
    # the hidden "" marks the field as posted even with no box ticked
    f = Form([("sops[0].steps[0].actors", v) for v in ("", "0", "2")])
    new, changes = document.apply_form(kubar, f)
    assert new["sops"][0]["steps"][0]["actors"] == [roles[0], roles[2]]
    assert [(c.path, c.new) for c in changes] == [("sops[0].steps[0].actors", [roles[0], roles[2]])]
    new, _ = document.apply_form(kubar, Form([("sops[0].steps[0].actors", "")]))
    assert new["sops"][0]["steps"][0]["actors"] == []


def test_branches_and_next_are_checked(kubar):
    new, _ = document.apply_form(kubar, Form([("sops[0].steps[6].branches.yes", "9"),
                                              ("sops[0].steps[6].branches.no", "4"),
                                              ("sops[0].steps[6].next", "4, 9")]))
    assert new["sops"][0]["steps"][6]["branches"] == {"yes": 9, "no": 4}
    with pytest.raises(EditError, match="Ya dan satu"):
        document.apply_form(kubar, Form([("sops[0].steps[6].branches.yes", "9"),
                                         ("sops[0].steps[6].branches.no", "")]))
    with pytest.raises(EditError, match="nomor 11"):
        document.apply_form(kubar, Form([("sops[0].steps[0].next", "11")]))
    with pytest.raises(EditError, match="NIP"):
        document.apply_form(kubar, Form([("sops[0].identity.approved_by.nip", "tidak ada")]))


def test_list_sections_one_item_per_line(kubar):
    new, changes = document.apply_form(kubar, Form([
        ("sops[0].equipment", "Komputer\n\n  Printer  \nATK"),
        ("sops[0].legal_basis", "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah")]))
    sop = new["sops"][0]
    assert [c.path for c in changes] == ["sops[0].legal_basis", "sops[0].equipment"]
    assert sop["equipment"] == ["Komputer", "Printer", "ATK"]
    assert sop["legal_basis"] == [{"text": "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah",
                                   "kind": "UU", "number": "23", "year": 2014}]


def test_add_and_delete_step_renumber_and_reroute(kubar):
    steps0 = kubar["sops"][0]["steps"]
    added, change = document.add_step(kubar, 0, 2)  # after step 3
    steps = added["sops"][0]["steps"]
    assert change.action == "add-step" and change.path == "sops[0].steps[3]"
    assert [s["no"] for s in steps] == list(range(1, 12))
    # the decision (was step 7: yes 8, no 4) is now step 8: yes 9, no 5
    assert steps[7]["branches"] == {"yes": 9, "no": 5} and steps[7]["next"] == [5, 9]
    deleted, change = document.delete_step(added, 0, 3)
    assert change.action == "delete-step"
    assert deleted["sops"][0]["steps"] == document.validate(kubar)["sops"][0]["steps"]
    # deleting a step in a chain: the arrow into it now goes where it led
    gone, _ = document.delete_step(kubar, 0, 1)  # step 2: 1 -> 2 -> 3
    s = gone["sops"][0]["steps"]
    assert s[0]["next"] == [2] and s[1]["activity"] == steps0[2]["activity"]
    with pytest.raises(EditError):
        document.delete_step(kubar, 0, 99)


def test_evidence_for_walks_up_and_uses_the_symbol_for_arrows():
    sop = {"evidence": {"identity.approved_by": {"page": 1, "bbox": [0, 0, 1, 1], "confidence": 0.5},
                        "steps[2].symbol": {"page": 2, "bbox": [0, 0, 1, 1], "confidence": 0.7},
                        "steps[2].duration": {"page": 2, "bbox": [0, 0, 1, 1], "confidence": 0.8}}}
    assert document.evidence_for(sop, "identity.approved_by.name")["confidence"] == 0.5
    assert document.evidence_for(sop, "steps[2].next")["confidence"] == 0.7
    assert document.evidence_for(sop, "steps[2].duration.text")["confidence"] == 0.8
    assert document.evidence_for(sop, "steps[12].duration.text") is None


def test_approved_document_is_schema_1_1_and_valid(kubar):
    text = document.approved(kubar, "rina", "2026-11-21T13:00:00Z", ["sops[0].roles[1]"])
    data = json.loads(text)
    assert data["schema_version"] == "1.1"
    assert data["review"] == {"reviewer": "rina", "reviewed_at": "2026-11-21T13:00:00Z",
                              "fields_changed": ["sops[0].roles[1]"]}
    schema = jsonschema.Draft202012Validator(json.loads(shipped_schema_text()))
    assert list(schema.iter_errors(data)) == []
    # a review block under schema 1.0 is refused by the model and by the shipped schema
    data["schema_version"] = "1.0"
    with pytest.raises(ValueError, match="1.1"):
        SopDocument.model_validate(data)
    assert list(schema.iter_errors(data))
    # and an unreviewed 1.0 document is still valid under both
    assert list(schema.iter_errors(kubar)) == []
    assert document.unreviewed(json.loads(text)) == json.loads(SopDocument.model_validate(kubar).to_json())


def test_flowchart_layout_follows_the_json(kubar):
    sop = kubar["sops"][0]
    flow = flowsvg.layout(sop, threshold=0.9)
    assert [name for _, name in flow.lanes] == sop["roles"]
    assert len(flow.nodes) == 10
    lane_x = {name: x + flowsvg.LANE_W / 2 for x, name in flow.lanes}
    for node, step in zip(flow.nodes, sop["steps"]):
        assert node.kind == step["symbol"]
        xs = [lane_x[a] for a in step["actors"]]
        assert node.x == pytest.approx((min(xs) + max(xs)) / 2)
    assert len(flow.edges) == sum(len(s["next"]) for s in sop["steps"])
    assert sorted(e.label for e in flow.edges if e.label) == ["Tidak", "Ya"]
    # a step without actors gets a lane of its own, not a crash
    sop["steps"][0]["actors"] = []
    assert flowsvg.layout(sop, 0.9).lanes[-1][1] == flowsvg.UNASSIGNED


class Vocabulary:
    """Records what it is taught (ingest.vocab.learn's signature)."""

    def __init__(self):
        self.known: set[tuple[str, str, str]] = set()

    def __call__(self, kind: str, variant: str, canonical: str, path=None) -> bool:
        new = (kind, variant, canonical) not in self.known
        self.known.add((kind, variant, canonical))
        return new


class Row:
    def __init__(self, path, old, new, action="edit"):
        self.path, self.action = path, action
        self.old, self.new = json.dumps(old), json.dumps(new)


def test_feedback_learns_misreadings_not_rewrites():
    history = [
        (Row("sops[0].roles[3]", "Kasubag Pragram", "Kasubag Prgram"), "rina"),
        (Row("sops[0].roles[3]", "Kasubag Prgram", "Kasubag Program"), "rina"),  # net: one correction
        (Row("sops[0].steps[1].output", "Disposisi Penugasam", "Disposisi Penugasan"), "rina"),
        (Row("sops[0].steps[2].requirements", "Surat masuk", "Dokumen RENSTRA dan RPJMD"), "rina"),
        (Row("sops[0].steps[2].activity", "Menyusum laporan", "Menyusun laporan"), "rina"),
    ]
    assert feedback.corrections(history) == [
        ("roles", "Kasubag Pragram", "Kasubag Program"),
        ("documents", "Disposisi Penugasam", "Disposisi Penugasan")]
    vocab = Vocabulary()
    learned, note = feedback.learn_from(history, vocab)
    assert note is None and len(learned) == 2
    assert feedback.learn_from(history, vocab)[0] == []  # already known


def test_feedback_without_a_vocabulary_says_so(monkeypatch):
    monkeypatch.setattr(feedback, "_learner", lambda: None)
    history = [(Row("sops[0].roles[0]", "Kadls", "Kadis"), "rina")]
    learned, note = feedback.learn_from(history)
    assert learned == [] and "kosakata" in note


def test_feedback_writes_the_real_user_vocabulary(tmp_path, monkeypatch):
    """With the vocabulary package (issue 4) merged: corrections land in the
    user vocabulary file, once."""
    vocab = pytest.importorskip("ingest.vocab")
    monkeypatch.setenv("SOP_INGEST_VOCAB", str(tmp_path / "vocab.yaml"))
    history = [(Row("sops[0].roles[3]", "Kasubag Pragram Xyz", "Kasubag Program Xyz"), "rina")]
    learned, note = feedback.learn_from(history, vocab.learn)
    assert note is None and learned == ["Kasubag Pragram Xyz → Kasubag Program Xyz"]
    assert "Kasubag Pragram Xyz" in (tmp_path / "vocab.yaml").read_text("utf-8")
    assert feedback.learn_from(history, vocab.learn)[0] == []


@pytest.mark.parametrize("sample, page", [("samples/fax/bkpsdm-kubar-evaluasi-akip.tif", 2),
                                          ("samples/upside-down/bkpsdm-kubar-evaluasi-akip.pdf", 1)])
def test_page_images_of_scans_are_the_flattened_upright_page(sample, page):
    """The picture under the evidence boxes is the page the pipeline read:
    a later frame of a TIFF, a page photographed upside down turned upright."""
    from ingest import flatten, load
    from pipelines.review import pages

    path = Path(__file__).resolve().parents[1] / sample
    img = pages.render_page(path, page)
    if path.suffix == ".tif":
        raster = next(r for r in load.image_pages(path, 10) if r.number == page)
    else:
        with load.open_for_rendering(path) as pdf:
            raster = load.rasterize_pdf_page(pdf, path, page, 150)
    flat = flatten.flatten(raster.image)
    h, w = flat.image.shape[:2]
    assert img.height <= pages.MAX_HEIGHT
    assert img.width / img.height == pytest.approx(w / h, rel=0.02)
    if "upside-down" in sample:
        assert flat.rotation  # the page needed turning, and the image shows it turned
        assert _same_picture(img, flat.image) > 0.9 > _same_picture(img, np.rot90(flat.image, 2))


def _same_picture(shown: Image.Image, page: np.ndarray) -> float:
    """Correlation of the shown image with a page image, at the shown size."""
    a = np.asarray(shown.convert("L"), np.float64)
    b = np.asarray(Image.fromarray(np.ascontiguousarray(page)).resize(shown.size, Image.BILINEAR), np.float64)
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_the_page_image_is_turned_the_way_reading_turned_it(tmp_path):
    """A photo whose letters cannot tell which way up it is, upside down:
    the pipeline turns it by reading (pipeline.flat_page), and the review
    shows it turned the same way, not as the letters alone would leave it."""
    pytest.importorskip("tesserocr")
    from ingest import flatten
    from ingest.pipeline import flat_page
    from pipelines.review import pages

    from .test_orient import SAMPLES, photo_pages

    photo = np.rot90(photo_pages(SAMPLES / "camscanner" / "bkpsdm-kubar-evaluasi-akip.pdf")[0], 2).copy()
    path = tmp_path / "terbalik.png"
    Image.fromarray(photo).save(path)
    letters, read = flatten.flatten(photo), flat_page(photo)
    assert (letters.rotation, read.rotation) == (0, 180)
    shown = pages.render_page(path, 1)
    assert _same_picture(shown, read.image) > 0.9 > _same_picture(shown, letters.image)


def test_role_headings_carry_their_cell_as_evidence():
    """Each role heading links to the cell it was printed in: the words the
    PDF prints inside that box are the role's name."""
    import pdfplumber

    from ingest.pipeline import ingest_file

    path = Path(__file__).resolve().parents[1] / "samples/born-digital/bkpsdm-kubar-evaluasi-akip.pdf"
    sop = ingest_file(path).sops[0]
    with pdfplumber.open(path) as pdf:
        for j, role in enumerate(sop.roles):
            ev = sop.evidence[f"roles[{j}]"]
            page = pdf.pages[ev.page - 1]
            x0, y0, x1, y1 = ev.bbox
            box = (x0 * page.width, y0 * page.height, x1 * page.width, y1 * page.height)
            printed = " ".join((page.within_bbox(box).extract_text() or "").split())
            # the heading cell holds the name and nothing much else
            assert role.lower() in printed.lower() and len(printed) <= len(role) + 5, (role, printed)


def test_pages_asked_for_at_once_are_rendered_one_at_a_time(tmp_path):
    """A browser asks for all of a document's page images at once and the app
    serves them from a thread pool. PDFium is not thread-safe: two renders
    at the same moment killed the server process (SIGTRAP, no traceback).
    Eight threads ask for 24 pages of the decree in a child process, three
    times, which must live and give every page."""
    import subprocess
    import sys

    from pipelines.review import pages as pages_module

    src = Path(__file__).resolve().parents[1] / "samples/born-digital/bkpsdm-paser-keputusan-sop-perencanaan.pdf"
    code = f"""
import sys, threading
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
from pipelines.review import pages
src = Path({str(src)!r})
ref = pages.SourceRef(1, pages.sha256_of(src), (src,), 28)
for round in range(3):  # each round on an empty cache: every page rendered anew
    out = Path({str(tmp_path)!r}) / str(round)
    def work(i):
        for k in range(3):
            pages.cached_page(out, ref, 1 + (i * 3 + k) % 28)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", (proc.returncode, proc.stderr[-500:])
    for round in range(3):
        assert len(list((tmp_path / str(round) / pages_module.CACHE_DIR).rglob("*.png"))) == 24
