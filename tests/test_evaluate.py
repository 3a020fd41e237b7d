"""Tests for the evaluation yardstick (ingest/evaluate.py).

Every document is built in code from the contract classes, so each test
states exactly which field it breaks and asserts the exact score change.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.evaluate import (
    FAMILIES,
    DocResult,
    FamilyScore,
    aggregate,
    align_sops,
    evaluate,
    failed_result,
    find_samples,
    format_table,
    overall,
    report_to_json,
    samples_without_golden,
    score_document,
)
from ingest.model import (
    ApprovedBy, Branches, Duration, Identity, LegalBasis, Sop, SopDocument, Source, Step,
)

SHA = "0" * 64


def _sop_a() -> Sop:
    return Sop(
        pages=[1, 2],
        identity=Identity(
            agency="Badan Kepegawaian Daerah Kabupaten Paser",
            unit="Sekretariat",
            number="01/SOP-Sek.II",
            title="Penyusunan Laporan Kinerja Instansi Pemerintah (LKjIP)",
            created="Desember 2021",
            revised=None,
            effective="Desember 2021",
            approved_by=ApprovedBy(position="Kepala Badan", name="Drs. SUWITO",
                                   rank="Pembina Tk.I", nip="196508081992031019"),
        ),
        legal_basis=[
            LegalBasis(text="Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintah Daerah",
                       kind="UU", number="23", year=2014),
            LegalBasis(text="Peraturan Pemerintah Nomor 8 Tahun 2006", kind="PP",
                       number="8", year=2006),
        ],
        qualifications=["Memahami Dokumen RENSTRA"],
        related_sops=["SOP Penyusunan Evaluasi Rencana Kerja"],
        equipment=["Dokumen RENSTRA", "Komputer"],
        warnings=["Jika laporan tidak dibuat maka kinerja tidak terukur"],
        records=["Disimpan dalam bentuk hard copy dan soft copy"],
        roles=["Kepala", "Sekretaris", "Kasubag Program", "Pelaksana"],
        steps=[
            Step(no=1, activity="Menerima disposisi kepala tentang penyusunan LKjIP",
                 actors=["Kepala"], symbol="terminator", requirements="Surat masuk",
                 duration=Duration(text="10 Menit", min=10, max=10, unit="minute"),
                 output="Disposisi", next=[2]),
            Step(no=2, activity="Menyusun konsep LKjIP", actors=["Kasubag Program", "Pelaksana"],
                 symbol="process", requirements="Data kinerja",
                 duration=Duration(text="2 Hari", min=2, max=2, unit="day"),
                 output="Konsep LKjIP", next=[3]),
            Step(no=3, activity="Memeriksa konsep LKjIP", actors=["Sekretaris"],
                 symbol="decision", requirements="Konsep LKjIP",
                 duration=Duration(text="15 - 30 Menit", min=15, max=30, unit="minute"),
                 output="Konsep diperiksa", note="Jika tidak sesuai dikembalikan",
                 next=[4, 2], branches=Branches(yes=4, no=2)),
            Step(no=4, activity="Menandatangani LKjIP", actors=["Kepala"], symbol="terminator",
                 requirements="LKjIP final", duration=None, output="LKjIP", next=[]),
        ],
    )


def _sop_b() -> Sop:
    return Sop(
        pages=[3],
        identity=Identity(
            agency="Badan Kepegawaian Daerah Kabupaten Paser",
            unit="Bidang Mutasi",
            number="02/SOP-Mut",
            title="Pelayanan Kenaikan Pangkat Reguler",
            created="Januari 2022",
            revised="Maret 2023",
            effective="April 2023",
            approved_by=ApprovedBy(position="Kepala Badan", name="Drs. SUWITO",
                                   rank="Pembina Tk.I", nip="196508081992031019"),
        ),
        legal_basis=[
            LegalBasis(text="Peraturan Bupati Paser Nomor 12 Tahun 2020", kind="Perkada",
                       number="12", year=2020),
        ],
        qualifications=["Memahami peraturan kepegawaian", "Menguasai komputer"],
        related_sops=[],
        equipment=["Komputer", "Printer"],
        warnings=[],
        records=["Arsip usulan"],
        roles=["Kepala Bidang", "Pelaksana"],
        steps=[
            Step(no=1, activity="Menerima berkas usulan kenaikan pangkat", actors=["Pelaksana"],
                 symbol="terminator", requirements="Berkas usulan",
                 duration=Duration(text="5 Menit", min=5, max=5, unit="minute"),
                 output="Berkas diterima", next=[2]),
            Step(no=2, activity="Verifikasi kelengkapan berkas", actors=["Kepala Bidang"],
                 symbol="decision", requirements="Berkas diterima",
                 duration=Duration(text="1 Jam", min=1, max=1, unit="hour"),
                 output="Berkas terverifikasi", next=[3, 1], branches=Branches(yes=3, no=1)),
            Step(no=3, activity="Mengirim usulan ke BKN", actors=["Pelaksana"],
                 symbol="terminator", requirements="Berkas terverifikasi",
                 duration=Duration(text="1 Hari", min=1, max=1, unit="day"),
                 output="Usulan terkirim", next=[]),
        ],
    )


def _doc(*sops: Sop) -> SopDocument:
    return SopDocument(
        source=Source(path="x.pdf", sha256=SHA, media_type="application/pdf", pages=3,
                      route="text-layer"),
        sops=list(sops),
    )


def gold() -> SopDocument:
    return _doc(_sop_a(), _sop_b())


def _ratios(scores: dict[str, FamilyScore]) -> dict[str, float | None]:
    return {name: s.score for name, s in scores.items()}


N_STEPS = 7  # golden steps over both SOPs


# --------------------------------------------------------------------------
# score_document


def test_families_tuple_is_the_contracted_order():
    assert FAMILIES == ("identity", "roles", "steps_count", "activity_text", "actors",
                        "symbols", "durations", "requirements_output", "next_branches",
                        "legal_basis", "lists")


def test_identical_documents_score_one_everywhere():
    scores = score_document(gold(), gold())
    assert list(scores) == list(FAMILIES)
    assert all(s.total > 0 for s in scores.values())  # every family applies here
    assert _ratios(scores) == {name: 1.0 for name in FAMILIES}
    assert overall(scores) == 1.0


def test_point_totals_follow_the_brief():
    scores = score_document(gold(), gold())
    assert scores["identity"].total == 2 * 11
    assert scores["roles"].total == 4 + 2
    assert scores["steps_count"].total == 2
    assert scores["activity_text"].total == N_STEPS
    assert scores["requirements_output"].total == 3 * N_STEPS
    assert scores["legal_basis"].total == 4 * 3
    assert scores["lists"].total == (1 + 1 + 2 + 1 + 1) + (2 + 0 + 2 + 0 + 1)


def test_whitespace_is_normalised_but_case_is_kept():
    pred = gold()
    pred.sops[0].identity.title = "  Penyusunan   Laporan Kinerja Instansi\nPemerintah (LKjIP) "
    assert score_document(pred, gold())["identity"].score == 1.0
    pred.sops[0].identity.unit = "SEKRETARIAT"
    assert score_document(pred, gold())["identity"].correct == 21


def test_one_changed_actor_costs_exactly_one_step():
    pred = gold()
    pred.sops[1].steps[0].actors = ["Kepala Bidang"]
    scores = score_document(pred, gold())
    assert scores["actors"].correct == N_STEPS - 1
    assert scores["actors"].score == pytest.approx(1 - 1 / N_STEPS)
    others = {k: v for k, v in _ratios(scores).items() if k != "actors"}
    assert others == {k: 1.0 for k in FAMILIES if k != "actors"}


def test_actor_order_does_not_matter():
    pred = gold()
    pred.sops[0].steps[1].actors = ["Pelaksana", "Kasubag Program"]
    assert score_document(pred, gold())["actors"].score == 1.0


def test_one_character_typo_costs_one_over_length():
    pred = gold()
    text = pred.sops[0].steps[1].activity
    pred.sops[0].steps[1].activity = text.replace("konsep", "konsap")
    scores = score_document(pred, gold())
    assert scores["activity_text"].correct == pytest.approx(N_STEPS - 1 + (1 - 1 / len(text)))
    assert scores["activity_text"].total == N_STEPS


def test_activity_cer_is_clipped_at_zero():
    pred = gold()
    pred.sops[0].steps[0].activity = "x" * 500
    scores = score_document(pred, gold())
    assert scores["activity_text"].correct == pytest.approx(N_STEPS - 1)


def test_swapped_sop_order_aligns_by_number():
    pred = _doc(_sop_b(), _sop_a())
    assert _ratios(score_document(pred, gold())) == {name: 1.0 for name in FAMILIES}


def test_number_alignment_wins_over_a_changed_title():
    pred = _doc(_sop_b(), _sop_a())
    pred.sops[0].identity.title = "Something else entirely"
    pred.sops[1].identity.title = "Another unrelated title"
    scores = score_document(pred, gold())
    assert scores["identity"].correct == 22 - 2
    assert scores["activity_text"].score == 1.0
    assert scores["steps_count"].score == 1.0


def test_number_alignment_ignores_case_and_spaces():
    # A decoy SOP without number or title comes first, so only the number
    # (not title, not order) can pair golden SOP A with predicted SOP A.
    decoy = _sop_b().model_copy(update={"identity": Identity()})
    a = _sop_a()
    a.identity.number = "01 / sop-sek.ii"
    a.identity.title = "Judul lain"
    pairs, extras = align_sops([decoy, a], gold().sops)
    assert pairs[0][0] is a
    assert pairs[1][0] is decoy  # the golden SOP B falls back to order
    assert extras == []


def test_title_similarity_aligns_when_numbers_are_missing():
    pred = _doc(_sop_b(), _sop_a())
    pred.sops[0].identity.number = None
    pred.sops[1].identity.number = None
    pred.sops[1].identity.title = "Penyusunan Laporan Kinerja Instansi Pemerintah (LKJIP)"
    scores = score_document(pred, gold())
    assert scores["identity"].correct == 22 - 3
    assert scores["actors"].score == 1.0
    assert scores["activity_text"].score == 1.0


def test_order_is_the_last_resort():
    pred = gold()
    for sop in pred.sops:
        sop.identity.number = None
        sop.identity.title = None
    pairs, extras = align_sops(pred.sops, gold().sops)
    assert [p.identity.unit for p, _ in pairs] == ["Sekretariat", "Bidang Mutasi"]
    assert extras == []


def test_missing_sop_loses_all_its_points():
    pred = _doc(_sop_b())  # the first golden SOP is not found at all
    scores = score_document(pred, gold())
    only_b = score_document(_doc(_sop_b()), _doc(_sop_b()))
    full = score_document(gold(), gold())
    for name in FAMILIES:
        assert scores[name].correct == only_b[name].correct, name
        assert scores[name].total == full[name].total, name
    assert scores["steps_count"].score == 0.5
    assert scores["activity_text"].correct == 3


def test_extra_step_hits_steps_count_only():
    pred = gold()
    pred.sops[0].steps.append(Step(no=5, activity="Mengarsipkan LKjIP", next=[]))
    scores = score_document(pred, gold())
    assert scores["steps_count"].correct == 1 and scores["steps_count"].total == 2
    assert {k: v for k, v in _ratios(scores).items() if k != "steps_count"} == {
        k: 1.0 for k in FAMILIES if k != "steps_count"}


def test_missing_step_scores_zero_in_every_step_family():
    pred = gold()
    del pred.sops[1].steps[2]
    scores = score_document(pred, gold())
    for name in ("activity_text", "actors", "symbols", "durations", "next_branches"):
        assert (scores[name].correct, scores[name].total) == (N_STEPS - 1, N_STEPS), name
    assert (scores["requirements_output"].correct, scores["requirements_output"].total) == (
        3 * (N_STEPS - 1), 3 * N_STEPS)


def test_extra_sop_adds_its_steps_as_errors():
    pred = _doc(_sop_a(), _sop_b(), _sop_b().model_copy(update={"identity": Identity()}))
    scores = score_document(pred, gold())
    assert (scores["steps_count"].correct, scores["steps_count"].total) == (2, 2 + 3)
    assert scores["identity"].score == 1.0


def test_extra_empty_sop_still_costs_a_point():
    pred = _doc(_sop_a(), _sop_b(), Sop())
    scores = score_document(pred, gold())
    assert (scores["steps_count"].correct, scores["steps_count"].total) == (2, 3)


def test_steps_align_by_number_not_position():
    pred = gold()
    pred.sops[0].steps.reverse()
    assert _ratios(score_document(pred, gold())) == {name: 1.0 for name in FAMILIES}


def test_branches_and_next():
    pred = gold()
    pred.sops[0].steps[2].next = [2, 4]  # same set, other order: still right
    assert score_document(pred, gold())["next_branches"].score == 1.0
    pred.sops[0].steps[2].branches = Branches(yes=2, no=4)
    assert score_document(pred, gold())["next_branches"].correct == N_STEPS - 1


def test_duration_and_symbol():
    pred = gold()
    pred.sops[0].steps[2].duration = Duration(text="15 - 30 Menit", min=15, max=15, unit="minute")
    pred.sops[0].steps[3].duration = Duration(text="-", unit=None)  # golden is null
    pred.sops[1].steps[1].symbol = "process"
    scores = score_document(pred, gold())
    assert scores["durations"].correct == N_STEPS - 2
    assert scores["symbols"].correct == N_STEPS - 1


def test_requirements_output_note_are_three_points():
    pred = gold()
    pred.sops[0].steps[2].note = None
    pred.sops[0].steps[0].output = "Lembar disposisi"
    scores = score_document(pred, gold())
    assert (scores["requirements_output"].correct, scores["requirements_output"].total) == (
        3 * N_STEPS - 2, 3 * N_STEPS)


def test_extra_role_counts_as_error():
    pred = gold()
    pred.sops[1].roles.append("Sekretaris")
    scores = score_document(pred, gold())
    assert (scores["roles"].correct, scores["roles"].total) == (6, 7)


def test_legal_basis_points_and_extra_item():
    pred = gold()
    pred.sops[0].legal_basis[1] = LegalBasis(text="Peraturan Pemerintah Nomor 8 Tahun 2006",
                                             kind="PP", number="8", year=2016)
    pred.sops[1].legal_basis.append(LegalBasis(text="UU 5/2014", kind="UU", number="5", year=2014))
    scores = score_document(pred, gold())
    assert (scores["legal_basis"].correct, scores["legal_basis"].total) == (11, 16)


def test_lists_are_positional_and_extras_count():
    pred = gold()
    pred.sops[0].equipment = ["Komputer", "Dokumen RENSTRA"]  # both misplaced
    pred.sops[1].warnings = ["Tambahan"]                       # extra item
    scores = score_document(pred, gold())
    assert (scores["lists"].correct, scores["lists"].total) == (11 - 2, 11 + 1)


def test_approved_by_null_on_both_sides_is_correct():
    g = gold()
    g.sops[1].identity.approved_by = None
    pred = gold()
    pred.sops[1].identity.approved_by = ApprovedBy()
    assert score_document(pred, g)["identity"].score == 1.0
    assert score_document(gold(), g)["identity"].correct == 22 - 4


# --------------------------------------------------------------------------
# overall, results, aggregation


def test_overall_skips_families_that_do_not_apply():
    scores = {name: FamilyScore(0, 0) for name in FAMILIES}
    assert overall(scores) is None
    scores["identity"] = FamilyScore(1, 2)
    scores["roles"] = FamilyScore(3, 3)
    assert FamilyScore(0, 0).score is None
    assert overall(scores) == pytest.approx(0.75)


def test_overall_is_unweighted_across_families():
    scores = {name: FamilyScore(0, 0) for name in FAMILIES}
    scores["activity_text"] = FamilyScore(100, 100)
    scores["identity"] = FamilyScore(0, 1)
    assert overall(scores) == pytest.approx(0.5)


def test_failure_result_scores_zero_and_keeps_error(tmp_path: Path):
    golden = tmp_path / "a.json"
    golden.write_text(gold().to_json(), "utf-8")

    def boom(path: Path) -> SopDocument:
        raise ValueError("no text layer")

    report = evaluate([(tmp_path / "fax" / "a.pdf", "fax", golden)], boom)
    [result] = report.results
    assert result.error == "ValueError: no text layer"
    assert result.stem == "a" and result.variant == "fax"
    assert {k: (v.correct, v.total) for k, v in result.scores.items()} == {
        k: (0, 1) for k in FAMILIES}
    assert result.overall == 0.0
    assert [r.sample for r in report.variants["fax"].failures] == [str(tmp_path / "fax" / "a.pdf")]


def test_evaluate_scores_successful_samples(tmp_path: Path):
    golden = tmp_path / "a.json"
    golden.write_text(gold().to_json(), "utf-8")
    pairs = [(tmp_path / "born-digital" / "a.pdf", "born-digital", golden),
             (tmp_path / "scan-pdf" / "a.pdf", "scan-pdf", golden)]
    seen: list[Path] = []

    def ingest(path: Path) -> SopDocument:
        seen.append(path)
        return gold() if "born" in str(path) else _doc(_sop_a())

    report = evaluate(pairs, ingest)
    assert seen == [p for p, _, _ in pairs]
    assert report.variants["born-digital"].overall == 1.0
    assert report.variants["scan-pdf"].families["steps_count"].score == 0.5
    assert report.all.documents == 2 and report.all.failures == []


def test_aggregate_sums_points_not_means():
    docs = [
        DocResult("s1", "v", "a", {**{n: FamilyScore(0, 0) for n in FAMILIES},
                                   "actors": FamilyScore(1, 1)}, None),
        DocResult("s2", "v", "b", {**{n: FamilyScore(0, 0) for n in FAMILIES},
                                   "actors": FamilyScore(0, 9)}, None),
        DocResult("s3", "w", "a", {**{n: FamilyScore(0, 0) for n in FAMILIES},
                                   "actors": FamilyScore(3, 4)}, None),
    ]
    report = aggregate(docs)
    assert list(report.variants) == ["v", "w"]
    v = report.variants["v"]
    assert (v.families["actors"].correct, v.families["actors"].total) == (1, 10)
    assert v.families["actors"].score == pytest.approx(0.1)  # a mean of means would be 0.5
    assert v.documents == 2
    assert report.all.families["actors"].score == pytest.approx(4 / 14)
    assert report.all.documents == 3
    assert report.all.families["identity"].score is None


def test_aggregate_counts_failures_per_variant():
    report = aggregate([failed_result("x", "fax", "a", "boom"),
                        DocResult("y", "fax", "b", score_document(gold(), gold()), None)])
    row = report.variants["fax"]
    assert row.documents == 2 and [r.error for r in row.failures] == ["boom"]
    assert row.families["roles"].total == 1 + 6
    assert row.families["roles"].correct == 6


# --------------------------------------------------------------------------
# Samples, table, JSON


def test_find_samples(tmp_path: Path):
    samples, golden = tmp_path / "samples", tmp_path / "golden"
    files = [
        "born-digital/sop-a.pdf",
        "born-digital/2021/sop-b.pdf",
        "scan-pdf/sop-a.PDF",
        "camscanner/x/y/sop-a.jpg",
        "fax/sop-a.tiff",
        "fax/sop-a.txt",          # not a sample type
        "fax/sop-nogold.png",     # no golden
        "loose.pdf",              # not inside a variant directory
    ]
    for f in files:
        (samples / f).parent.mkdir(parents=True, exist_ok=True)
        (samples / f).write_bytes(b"x")
    golden.mkdir()
    for stem in ("sop-a", "sop-b", "loose"):
        (golden / f"{stem}.json").write_text("{}")

    found = find_samples(samples, golden)
    assert [(p.relative_to(samples).as_posix(), v, g.name) for p, v, g in found] == [
        ("born-digital/2021/sop-b.pdf", "born-digital", "sop-b.json"),
        ("born-digital/sop-a.pdf", "born-digital", "sop-a.json"),
        ("camscanner/x/y/sop-a.jpg", "camscanner", "sop-a.json"),
        ("fax/sop-a.tiff", "fax", "sop-a.json"),
        ("scan-pdf/sop-a.PDF", "scan-pdf", "sop-a.json"),
    ]
    assert samples_without_golden(samples, golden) == [samples / "fax/sop-nogold.png"]


def _mixed_report():
    docs = [
        DocResult("a", "born-digital", "a", score_document(gold(), gold()), None),
        failed_result("b", "camscanner", "a", "crash"),
    ]
    no_legal = gold()
    for sop in no_legal.sops:
        sop.legal_basis = []
    docs.append(DocResult("c", "scan-pdf", "c", score_document(no_legal, no_legal), None))
    return aggregate(docs)


def test_format_table_lists_families_and_variants():
    table = format_table(_mixed_report())
    lines = table.splitlines()
    header = lines[0].split()
    assert header == ["variant", "docs", "failed", *FAMILIES, "overall"]
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    assert list(rows) == ["born-digital", "camscanner", "scan-pdf", "all"]
    assert rows["born-digital"][3:] == ["1.000"] * (len(FAMILIES) + 1)
    assert rows["camscanner"][1:3] == ["1", "1"]
    assert rows["camscanner"][3:] == ["0.000"] * (len(FAMILIES) + 1)
    legal_col = 3 + FAMILIES.index("legal_basis")
    assert rows["scan-pdf"][legal_col] == "-"
    assert rows["scan-pdf"][-1] == "1.000"


def test_report_to_json_is_serialisable_and_complete():
    data = report_to_json(_mixed_report())
    text = json.dumps(data)
    assert json.loads(text) == data
    assert data["families"] == list(FAMILIES)
    assert list(data["variants"]) == ["born-digital", "camscanner", "scan-pdf"]
    assert data["variants"]["camscanner"]["failures"] == [{"sample": "b", "error": "crash"}]
    assert data["variants"]["scan-pdf"]["families"]["legal_basis"]["score"] is None
    assert data["all"]["documents"] == 3
    assert [d["sample"] for d in data["documents"]] == ["a", "b", "c"]
    assert data["all"]["overall"] == pytest.approx(
        sum(data["all"]["families"][f]["score"] for f in FAMILIES) / len(FAMILIES))
