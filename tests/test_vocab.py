"""The vocabulary (ingest/vocab), the correction stage (ingest/correct.py)
and the normalisers it relies on (legal basis, dates, NIP).

OCR errors used here are real: from the seeds' OCR text (seed 002, read by
CamScanner) and from this pipeline's own OCR of the scanned samples. The
"must stay unchanged" texts are the seeds' correct wording, typos included.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import yaml

from ingest import vocab
from ingest.correct import correct_document
from ingest.model import ApprovedBy, Identity, LegalBasis, Sop, SopDocument, Source, Step
from ingest.normalize import nip_problems, parse_date_iso, parse_legal_basis
from ingest.pipeline import ingest_file
from ingest.vocab.match import MARGIN, Matcher, hunspell_available, matcher

from .conftest import GOLDEN, REPO, SAMPLES, run_cli


@pytest.fixture(scope="module")
def m() -> Matcher:
    return matcher(vocab.load(user=False))


# -- the matcher -----------------------------------------------------------------

@pytest.mark.parametrize(("read", "fixed"), [
    # the examples: words OCR split at a space
    ("Kasubag Perencanaan dan Pelapor an", "Kasubag Perencanaan dan Pelaporan"),
    ("KASUBAG PERENCANAAN DAN PELAPOR AN", "KASUBAG PERENCANAAN DAN PELAPORAN"),
    ("Dokumen Renstr a", "Dokumen Renstra"),
    # look-alike letters: l/i, rn/m, 1/I, c/e
    ("Peraturan Pemerlntah Nomor 8 Tahun 2008", "Peraturan Pemerintah Nomor 8 Tahun 2008"),
    ("Permendagrl No.73 tahun 2009", "Permendagri No.73 tahun 2009"),
    ("Undang-Undang Nornor 23 Tahun 2014", "Undang-Undang Nomor 23 Tahun 2014"),
    ("Peraturan Menteri Daiam Negeri", "Peraturan Menteri Dalam Negeri"),  # camscanner sample
    ("tentang Evaiuasi Akutabilitas Kinerja", "tentang Evaluasi Akutabilitas Kinerja"),  # fax sample
    ("Dokumen LKJlP", "Dokumen LKjIP"),
    ("Kasubbag. Perencanaan Prograrn", "Kasubbag. Perencanaan Program"),
    ("Keglatan Pelak Mutu Baku", "Kegiatan Pelak Mutu Baku"),  # seed 002's table header
])
def test_ocr_misreads_are_repaired(m: Matcher, read: str, fixed: str) -> None:
    fix = m.correct_role(read)
    assert fix.text == fixed
    assert fix.decisions and 0 < fix.score <= 100


def test_role_headings_are_matched_whole(m: Matcher) -> None:
    fix = m.correct_role("Sekretaris Bdan")
    assert fix.text == "Sekretaris Badan" and fix.score > 90
    assert "the role Sekretaris Badan" in fix.decisions[0].reason
    assert m.correct_role("Kabld").text == "Kabid"  # l for i


@pytest.mark.parametrize("text", [
    # printed typos the contract keeps (golden keeps them): not OCR's look-alikes
    "Permenpan & Repormasi Birokrasi nomor 88 Tahun 2021",
    "Evaluasi Akutabilitas Kinerja Instansi Pemerintah (Akip Internal)",
    "Undnag-Undang Nomor 41 Tahun 2007 tentang Organisasi Perangkat Daerah",
    "Pelaporan Kinerja dna Tata Cara Reviu atas Laporan Kinerja Instansi Pemeirntah",
    "Undang-Undang Kepegawaian Nomor 8 Tahun 1974 tentang Pokok-Pokok Kepagawaian",
    # seed 002's OCR garble that is not near any vocabulary word
    "Menugaskan is untuk melak k evaluasi kinerja intemnal dinas",
])
def test_typos_and_garble_far_from_the_vocabulary_stay(m: Matcher, text: str) -> None:
    assert m.correct_text(text).text == text
    assert m.correct_role(text).text == text


def test_short_tokens_are_never_guessed(m: Matcher) -> None:
    # "Kasl" could be Kasi; four letters are the minimum, and short
    # abbreviations (PK, DPA, RKA) are only ever matched exactly.
    assert m.correct_text("DPB dan RKB").text == "DPB dan RKB"
    assert "never guessed" in m.check_token("PK1").reason


def test_an_ambiguous_token_is_left_alone() -> None:
    # Two vocabulary words that read the same with look-alike letters: no winner by MARGIN.
    v = vocab.Vocabulary()
    v.add("documents", "Dokumen Kalan", ["Kalan"])
    v.add("documents", "Dokumen Kaian", ["Kaian"])
    d = Matcher(v).check_token("Ka1an")
    assert d.result == "Ka1an" and "does not beat" in d.reason
    assert MARGIN > 0


def test_correct_words_are_never_changed_even_when_they_read_like_a_term() -> None:
    # "Kasih" is a word; the vocabulary's "Kasih" would be what a look-alike
    # slip gives, but the dictionary is asked first.
    v = vocab.Vocabulary()
    v.add("roles", "Kepala Seksi", ["Kasih"])
    mm = Matcher(v)
    assert mm.correct_text("terima kasih").text == "terima kasih"
    assert mm.check_token("kasih").reason in ("a vocabulary word", "a correct Indonesian word")


def test_the_indonesian_dictionary_is_installed() -> None:
    # `make setup` installs hunspell-id; without it only the shipped list guards words.
    assert hunspell_available()


# Real sentences and items from the seeds (correct text, as printed).
SEED_SENTENCES = [
    "Kepala badan memberikan disposisikan surat perintah kepada Sekretaris untuk melakukan Evaluasi Kinerja",
    "Sekretaris memberi petunjuk kepada Bagian, Bidang, Subag, Jafung dan Staf Pelaksana untuk menyiapkan bahan Evaluasi Kinerja",
    "Bagian, Bidang, Subag, Jafung dan Staf Pelaksana Menyusun data realisasi kinerja masing-masing dan melaporkan kepada Sekretaris",
    "Apabila evaluasi ini tidak dilaksanakan sesuai dengan SOP, maka proses penyusunan laporan Evaluasi Akuntabilitas Kinerja ini tidak akan berjalan dengan baik",
    "Memahami Rencana Pembangunan Jangka Menengah (RPJM) Pemerintah Daerah secara keseluruhan dan penjabarannya melalui Renstra BKPSDM",
    "Jika SOP tidak dilaksanakan maka tidak terevaluasi sejauah mana pencapaian kinerja dapat direalisasikan",
    "Menyampaikan tindak lanjut yang telah dilaksanakan berdasarkan hasil evaluasi terhadap capaian kinerja masing-masing kapada kepala Dinas melalui Sekretariat",
    "Penandatanganan Laporan capaian kinerja triwulan oleh Kepala Badan kemudian diteruskan ke Kasubbag Perencanaan, Keuangan, Aset dan Akuntabilitas Kinerja",
    "Memeirntahkan untuk melakukan penginputan rancangan Renstra ke dalam SIPD (Sistem Informasi Perencanaan Daerah)",
    "Jikla dokumen rencana Kerja tidak disusun maka tidak dapat menyusun Rencana Kerja Anggaran yang akan menjadi DPA SKPD",
    "Melaksanakan petunjuk dan arahan memberikan kuisisioner dan form analisa risiko kepada masing-masing bidang dan sub bagian",
    "Mendistribusikan dokumen statistik sektoral pada pihak terkait (BPS Kabupaten Paser, Bappeda Kabupaten Paser, Inspektorat Kabupaten Paser dan BKD Provinsi Kalimantan Timur)",
    "Dokumen Pelaksanaan Anggaran sebagai acuan pelaksanaan penyelenggaraan program dan kegiatan",
    "Peraturan Kepala Badan Kepegawaian Negara Nomor 1 Tahun 2013 Tentang Ketentuan Pelaksanaan Peraturan Pemerintah Nomor 46 Tahun 2011 Tentang Penilaian Prestari Kerja Pegawai Negeri Sipil",
    "Disimpan Dalam Bentuk Hard Copy dan Soft Copy",
    "Dokumen MRI (Maturitas Risiko Indeks)",
]


@pytest.mark.parametrize("sentence", SEED_SENTENCES)
def test_correct_sentences_from_the_seeds_come_out_unchanged(m: Matcher, sentence: str) -> None:
    fix = m.correct_text(sentence)
    assert fix.text == sentence, fix.decisions


# The seed files themselves (tests/resources/seeds): 000, 001 and 004 are
# text layers, printed wording with its typos; 002 is an OCR.
SEEDS = Path(__file__).parent / "resources" / "seeds"
CLEAN_SEEDS = ("000", "001", "004")


def _seed_texts(prefix: str) -> list[str]:
    """Every line of a seed file, and every tab-separated cell of it (a
    table row's cells are the fields the stage corrects). The files mark
    bold text with markdown's ** , which is no printed character."""
    paths = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    assert paths, f"no seed file {prefix}_*.txt in {SEEDS}"
    out: list[str] = []
    for line in paths[0].read_text("utf-8").replace("**", "").splitlines():
        for piece in dict.fromkeys([line, *line.split("\t")]):
            if piece.strip():
                out.append(piece.strip())
    return out


@pytest.mark.parametrize("seed", CLEAN_SEEDS)
def test_every_line_of_the_clean_seeds_comes_out_unchanged(m: Matcher, seed: str) -> None:
    """Not a handful of sentences: every line and cell of the text-layer
    seeds, as running text and as a role heading, is left exactly as printed."""
    texts = _seed_texts(seed)
    assert len(texts) > 100
    changed = [(t, fix.text, [d.reason for d in fix.decisions])
               for t in texts for fix in (m.correct_text(t), m.correct_role(t)) if fix.text != t]
    assert changed == []


def _texts(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [t for v in node.values() for t in _texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v)]
    return []


def test_no_text_of_the_sample_sources_is_changed(m: Matcher) -> None:
    """Every string of samples/sopdata (the seeds' correct wording, typos
    included) passes through both correctors unchanged."""
    changed = []
    for path in sorted((SAMPLES / "sopdata").glob("*.yaml")):
        for text in _texts(yaml.safe_load(path.read_text("utf-8"))):
            for fix in (m.correct_text(text), m.correct_role(text)):
                if fix.text != text:
                    changed.append((path.name, text, fix.text))
    assert not changed


# -- canonical roles, legal kinds -------------------------------------------------

@pytest.mark.parametrize(("role", "canonical"), [
    ("KASUBAG PERENCANAAN DAN PELAPORAN", "Kepala Sub Bagian Perencanaan dan Pelaporan"),
    ("Kasubbag. Perencanaan Program", "Kepala Sub Bagian Perencanaan Program"),
    ("FU. subbag. Perencanaan Program", "Jabatan Fungsional Umum Sub Bagian Perencanaan Program"),
    ("Staf/ Jabatan Fungsional Umum", "Staf / Jabatan Fungsional Umum"),
    ("Kadis", "Kepala Dinas"),
    ("Kabid", "Kepala Bidang"),
    ("Kasi", "Kepala Seksi"),
    ("Sekcam", "Sekretaris Camat"),
    ("Sekban", "Sekretaris Badan"),
    ("JFT", "Jabatan Fungsional Tertentu"),
    ("Jafung", "Jabatan Fungsional"),
    ("Subkor Perencanaan dan Pelaporan", "Subkoordinator Perencanaan dan Pelaporan"),
    ("PPK", "Pejabat Pembuat Komitmen"),
    ("Kepala Badan", "Kepala Badan"),
    ("Tim Penilai Angka Kredit", None),
])
def test_canonical_roles(m: Matcher, role: str, canonical: str | None) -> None:
    assert m.canonical_role(role) == canonical


# -- legal basis, dates, NIP ----------------------------------------------------

@pytest.mark.parametrize(("text", "kind", "number", "year"), [
    ("Permenpan & Repormasi Birokrasi nomor 88 Tahun 2021 tentang Evaluasi", "Permen", "88", 2021),
    ("Permendagri No.73 tahun 2009 tentang tata cara", "Permen", "73", 2009),
    ("PP Nomor 12 Tahun 2019", "PP", "12", 2019),
    ("Peraturan Menpanrb Nomor 53 Tahun 2014 tentang Petunjuk Teknis", "Permen", "53", 2014),
    ("Permenpan & RB No. 35 Th. 2012", "Permen", "35", 2012),
    ("UU No 23/2014 tentang Pemerintahan Daerah", "UU", "23", 2014),
    ("Peraturan Pemerintah No.12 Thn 2019", "PP", "12", 2019),
    ("PMK Nomor 210/PMK.05/2022", "Permen", "210/PMK.05/2022", 2022),
    ("Peraturan Bupati Paser Nomor 29 Tahun 2020 tentang Kedudukan", "Perkada", "29", 2020),
    ("Perwali Nomor 3 Tahun 2019", "Perkada", "3", 2019),
    ("Peraturan BPS Nomor 5 Tahun 2020", "Perban", "5", 2020),
    ("Keppres No. 7 Tahun 1999", "Keputusan", "7", 1999),
    ("Undnag-Undang Nomor 41 Tahun 2007 tentang Organisasi Perangkat Daerah", "UU", "41", 2007),
    ("Keputusan Bupati Paser Nomor 184.4/07/2022", "Keputusan", "184.4/07/2022", 2022),
])
def test_legal_basis_spellings(text: str, kind: str, number: str, year: int) -> None:
    lb = parse_legal_basis(text)
    assert (lb.kind, lb.number, lb.year) == (kind, number, year)


@pytest.mark.parametrize(("text", "iso"), [
    ("10 Juli 2023", "2023-07-10"),
    ("Desember 2021", "2021-12"),
    ("05 Januari 2022", "2022-01-05"),
    ("1O Juli 2O23", "2023-07-10"),  # OCR's O for 0
    ("31 Februari 2022", None),
    ("-", None),
])
def test_dates(text: str, iso: str | None) -> None:
    assert parse_date_iso(text) == iso


@pytest.mark.parametrize("nip", ["196508081992031019", "197207262000032006", "197012071995031002",
                                 "010123456"])
def test_real_nips_pass(nip: str) -> None:
    assert nip_problems(nip, dt.date(2024, 1, 1)) == []


@pytest.mark.parametrize(("nip", "says"), [
    ("196513081992031019", "birth date 1965-13-08 does not exist"),
    ("196502301992031019", "birth date 1965-02-30 does not exist"),
    ("196508081992131019", "appointment month 1992-13 does not exist"),
    ("196508081978031019", "before the age of 17"),
    ("196508082031031019", "in the future"),
    ("196508081992033019", "sex digit 3"),
    ("196508081992031000", "serial number 000"),
    ("1965080819920310", "has 16 digits"),
])
def test_impossible_nips_are_named(nip: str, says: str) -> None:
    assert any(says in p for p in nip_problems(nip, dt.date(2024, 1, 1)))


# -- the correction stage --------------------------------------------------------

def _ocr_doc(route: str = "ocr") -> SopDocument:
    roles = ["KEPALA BADAN", "SEKRETARIS", "KASUBAG PERENCANAAN DAN PELAPOR AN", "Staf"]
    sop = Sop(
        pages=[1, 2],
        identity=Identity(title="Evaluasi Internal Capaian Kinerja",
                          approved_by=ApprovedBy(position="Kepala Badan", nip="196508081992131019")),
        legal_basis=[parse_legal_basis(t) for t in (
            "Peraturan Pemerlntah Nomor 12 Tahun 2019:",  # ";" read as ":"
            "Peraturan Menteri Dalam Negeri Nomor S2 Tahun 2011 tentang Standar Operasional Prosedur",
            "Permenpan & Repormasi Birokrasi nomor 88 Tahun 2021",
            "Peraturan Menteri Dalam Negeri Nomor $2 Tahun 2011")],  # fax sample: $ for 5
        equipment=["Dokumen Renstr a", "Komputer"],
        roles=roles,
        steps=[Step(no=1, activity="Memerintahkan untuk penyusunan Lakip", actors=[roles[2]],
                    output="Dokumen LKJlP")],
    )
    return SopDocument(source=Source(path="x.pdf", sha256="0" * 64, media_type="application/pdf",
                                     pages=2, route=route), sops=[sop])


def test_stage_corrects_an_ocr_sop_and_lists_every_change() -> None:
    doc = _ocr_doc()
    out = correct_document(doc, vocab.load(user=False), ocr_pages={1, 2})
    sop = out.sops[0]
    assert sop.roles[2] == "KASUBAG PERENCANAAN DAN PELAPORAN"
    assert sop.steps[0].actors == ["KASUBAG PERENCANAAN DAN PELAPORAN"]
    assert sop.roles_canonical == ["Kepala Badan", "Sekretaris",
                                   "Kepala Sub Bagian Perencanaan dan Pelaporan", "Staf"]
    assert [(lb.text, lb.kind, lb.number, lb.year) for lb in sop.legal_basis[:2]] == [
        ("Peraturan Pemerintah Nomor 12 Tahun 2019", "PP", "12", 2019),
        ("Peraturan Menteri Dalam Negeri Nomor 52 Tahun 2011 tentang Standar Operasional Prosedur",
         "Permen", "52", 2011)]
    assert sop.legal_basis[2].text == "Permenpan & Repormasi Birokrasi nomor 88 Tahun 2021"
    assert (sop.legal_basis[3].number, sop.legal_basis[3].year) == ("52", 2011)
    assert sop.equipment == ["Dokumen Renstra", "Komputer"]
    assert sop.steps[0].output == "Dokumen LKjIP"
    by_path = {c.path: c for c in sop.corrections}
    assert set(by_path) == {"roles[2]", "legal_basis[0].text", "legal_basis[1].text",
                            "legal_basis[3].text", "equipment[0]", "steps[0].output"}
    assert by_path["roles[2]"].from_ == "KASUBAG PERENCANAAN DAN PELAPOR AN"
    assert by_path["equipment[0]"].to == "Dokumen Renstra"
    # undo: `from` puts back exactly what was read
    assert by_path["legal_basis[0].text"].from_ == doc.sops[0].legal_basis[0].text
    assert doc.sops[0].roles[2] == "KASUBAG PERENCANAAN DAN PELAPOR AN"  # input untouched
    assert any("NIP 196508081992131019" in w and "1992-13" in w for w in out.warnings)
    data = out.model_dump(mode="json", by_alias=True)
    assert data["sops"][0]["corrections"][0].keys() == {"path", "from", "to", "score"}


def test_stage_never_rewrites_text_layer_pages() -> None:
    doc = _ocr_doc(route="text-layer")
    out = correct_document(doc, vocab.load(user=False), ocr_pages=set())
    sop = out.sops[0]
    assert sop.roles == doc.sops[0].roles and sop.corrections is None
    assert sop.roles_canonical[0] == "Kepala Badan"  # canonical forms for every route
    assert out.warnings  # and the NIP check


def test_a_kind_only_the_vocabulary_knows(tmp_path: Path) -> None:
    user = tmp_path / "v.yaml"
    user.write_text("regulations:\n  - canonical: Peraturan Direktur Jenderal Perbendaharaan\n"
                    "    kind: Permen\n    variants: [Perdirjen Perbendaharaan]\n", "utf-8")
    doc = _ocr_doc(route="text-layer")
    doc.sops[0].legal_basis = [parse_legal_basis("Perdirjen Perbendaharaan Nomor PER-40/PB/2006")]
    assert doc.sops[0].legal_basis[0].kind == "Other"
    out = correct_document(doc, vocab.load([user], user=False), ocr_pages=set())
    assert out.sops[0].legal_basis[0] == LegalBasis(
        text="Perdirjen Perbendaharaan Nomor PER-40/PB/2006", kind="Permen",
        number="PER-40/PB/2006", year=2006)


@pytest.fixture(scope="module")
def born_digital() -> dict[str, SopDocument]:
    return {p.stem: ingest_file(p, root=REPO) for p in sorted((SAMPLES / "born-digital").glob("*.pdf"))}


def test_born_digital_gets_no_correction_and_canonical_roles(born_digital) -> None:
    for stem, doc in born_digital.items():
        for sop in doc.sops:
            assert sop.corrections is None, (stem, sop.corrections)
            assert sop.roles_canonical and len(sop.roles_canonical) == len(sop.roles)
        assert not any("NIP" in w for w in doc.warnings)


def test_correct_text_would_not_be_changed_even_if_it_came_from_ocr() -> None:
    """The golden documents (printed wording, typos included) run through
    the stage as if every page had been OCR'd: not one correction."""
    v = vocab.load(user=False)
    for path in sorted(GOLDEN.glob("*.json")):
        gold = SopDocument.model_validate_json(path.read_text("utf-8"))
        out = correct_document(gold, v, ocr_pages=set(range(1, 200)))
        assert [c for s in out.sops for c in s.corrections or []] == [], path.name
        assert [s.roles for s in out.sops] == [s.roles for s in gold.sops]


# -- vocabulary files ------------------------------------------------------------

def test_user_file_merges_with_the_package(tmp_path: Path) -> None:
    user = tmp_path / "vocab.yaml"
    user.write_text(
        "roles:\n"
        "  - canonical: Kepala Sub Bagian\n    variants: [Kasubbagren]\n"   # joins a package term
        "  - canonical: Kepala Unit Layanan\n    variants: [Kaul]\n"        # a new term
        "words: [Kearsipan]\n", "utf-8")
    v = vocab.load([user], user=False)
    assert v.lookup("roles", "Kasubbagren").canonical == "Kepala Sub Bagian"
    assert v.lookup("roles", "KASUBBAG.").canonical == "Kepala Sub Bagian"  # package variants kept
    assert v.lookup("roles", "kaul").canonical == "Kepala Unit Layanan"
    assert "Kearsipan" in v.words and str(user) in v.files
    assert Matcher(v).canonical_role("Kaul Terpadu") == "Kepala Unit Layanan Terpadu"
    assert vocab.load(user=False).lookup("roles", "Kaul") is None


def test_default_user_file_comes_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOP_INGEST_VOCAB", str(tmp_path / "mine.yaml"))
    assert vocab.user_path() == tmp_path / "mine.yaml"
    monkeypatch.delenv("SOP_INGEST_VOCAB")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert vocab.user_path() == tmp_path / "cfg" / "sop-ingest" / "vocab.yaml"


def test_learn_writes_the_user_file_once(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "vocab.yaml"
    assert vocab.learn("roles", "Kasubag Renprog", "Kepala Sub Bagian Perencanaan Program", path)
    assert not vocab.learn("roles", "Kasubag  Renprog", "Kepala Sub Bagian Perencanaan Program", path)
    assert not vocab.learn("roles", "Kasubbag", "Kepala Sub Bagian", path)  # the package knows it
    assert vocab.learn("regulations", "Permendes", "Peraturan Menteri Desa", path)
    assert vocab.learn("documents", "Renstra Kab", "rencana strategis", path)  # known canonical
    data = yaml.safe_load(path.read_text("utf-8"))
    assert data["roles"] == [{"canonical": "Kepala Sub Bagian Perencanaan Program",
                              "variants": ["Kasubag Renprog"]}]
    assert data["regulations"][0]["kind"] == "Permen"
    assert data["documents"][0]["canonical"] == "Rencana Strategis"
    v = vocab.load([path], user=False)
    assert v.lookup("regulations", "PERMENDES").legal_kind == "Permen"
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_learn_defaults_to_the_user_file() -> None:
    assert vocab.learn("roles", "Kasi Yanlik", "Kepala Seksi Pelayanan Publik")
    assert "Kasi Yanlik" in vocab.user_path().read_text("utf-8")
    assert vocab.load().lookup("roles", "kasi yanlik") is not None


@pytest.mark.parametrize(("content", "says"), [
    ("roles: [1", "not valid YAML"),
    ("- a\n- b\n", "holds a mapping"),
    ("rolez: []\n", "unknown section(s) rolez"),
    ("roles:\n  - variants: [x]\n", "roles entry 1: needs a 'canonical' text"),
    ("regulations:\n  - canonical: X\n    kind: Pergub\n", "kind 'Pergub' is not one of"),
])
def test_bad_user_files_are_named_with_the_reason(tmp_path: Path, content: str, says: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content, "utf-8")
    with pytest.raises(vocab.VocabError) as err:
        vocab.load([bad], user=False)
    assert str(bad) in str(err.value) and says in str(err.value)


def test_bad_kind_for_learn() -> None:
    with pytest.raises(vocab.VocabError, match="unknown vocabulary kind 'units'"):
        vocab.learn("units", "a", "b")


# -- the CLI ---------------------------------------------------------------------

def test_cli_vocab_add_list_check(tmp_path: Path) -> None:
    path = tmp_path / "v.yaml"
    r = run_cli("vocab", "add", "roles", "Kasubag Renprog", "Kepala Sub Bagian Perencanaan Program",
                "--vocab", str(path))
    assert r.returncode == 0 and f"added to {path}" in r.stdout
    r = run_cli("vocab", "add", "roles", "Kasubag Renprog", "Kepala Sub Bagian Perencanaan Program",
                "--vocab", str(path))
    assert r.returncode == 0 and "already known" in r.stdout
    r = run_cli("vocab", "list", "roles", "--vocab", str(path))
    assert r.returncode == 0
    assert "Kepala Sub Bagian Perencanaan Program: Kasubag Renprog" in r.stdout
    assert "Kepala Sub Bagian: Kasubag, Kasubbag" in r.stdout and "Renstra" not in r.stdout
    r = run_cli("vocab", "check", "Kasubag Perencanaan dan Pelapor an")
    assert r.returncode == 0
    assert '"Pelapor an" -> "Pelaporan": a vocabulary word split in two' in r.stdout
    assert "canonical form: Kepala Sub Bagian Perencanaan dan Pelaporan" in r.stdout
    assert '"Pelapor" kept: a correct Indonesian word' in r.stdout
    r = run_cli("vocab", "check", "Permendagrl No.73 tahun 2009")
    assert "as a legal reference: kind Permen, number 73, year 2009" in r.stdout


def test_cli_bad_vocabulary_file_stops_run_before_reading(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("roles:\n  - variants: [x]\n", "utf-8")
    out = tmp_path / "out"
    r = run_cli("run", str(SAMPLES / "born-digital"), "--out", str(out), "--vocab", str(bad))
    assert r.returncode == 2
    assert f"{bad}: roles entry 1: needs a 'canonical' text" in r.stderr
    assert not out.exists()
    r = run_cli("vocab", "add", "units", "a", "b")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_cli_run_with_a_user_vocabulary(tmp_path: Path) -> None:
    user = tmp_path / "v.yaml"
    user.write_text("roles:\n  - canonical: Kepala Sub Bagian Perencanaan Program\n"
                    "    variants: [Kasubbag. Perencanaan Program]\n", "utf-8")
    sample = SAMPLES / "born-digital" / "bkpsdm-kubar-evaluasi-akip.pdf"
    r = run_cli("run", str(sample), "--out", str(tmp_path / "o"), "--vocab", str(user), "--quiet")
    assert r.returncode == 0, r.stderr
    doc = SopDocument.model_validate_json((tmp_path / "o" / f"{sample.stem}.json").read_text("utf-8"))
    assert doc.sops[0].roles_canonical[2] == "Kepala Sub Bagian Perencanaan Program"
    assert doc.sops[0].roles[2] == "Kasubbag. Perencanaan Program"
    assert os.environ["SOP_INGEST_VOCAB"] != str(Path.home() / ".config/sop-ingest/vocab.yaml")


@pytest.mark.parametrize("read, fixed", [
    # fax sample: h read for n in the word after the year
    ("Peraturan Pemerintah Nomor 29 tahun 2014 tehtang SAKIP",
     "Peraturan Pemerintah Nomor 29 tahun 2014 tentang SAKIP"),
    # camscanner sample: a comma whose tail the photo lost, inside the title
    ("Peraturan Menteri Dalam Negeri Nomor 86 Tahun 2017 Tentang Tata Cara Perencanaan, "
     "Pengendalian dan Evaluasi Pembangunan Daerah. Tata Cara Evaluasi Rancangan",
     "Peraturan Menteri Dalam Negeri Nomor 86 Tahun 2017 Tentang Tata Cara Perencanaan, "
     "Pengendalian dan Evaluasi Pembangunan Daerah, Tata Cara Evaluasi Rancangan"),
])
def test_a_legal_reference_is_read_by_its_grammar(read: str, fixed: str) -> None:
    from ingest.correct import _legal_text

    assert _legal_text(read, matcher(vocab.load(user=False))).text == fixed


@pytest.mark.parametrize("text", [
    "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah",
    "Peraturan Bupati Nomor 5 Tahun 2020 tentang Organisasi Kab. Paser Dan Tata Kerja",  # abbreviation
    "Peraturan Daerah Nomor 4 Tahun 2016 tentang Pembentukan Perangkat Daerah.",  # the end
    "Keputusan Bupati Nomor 12 Tahun 2019 mengenai Pedoman Kerja",  # a word, not tentang misread
    "Peraturan Menteri Dalam Negeri Nomor 52 Tahun 2011. Peraturan Bupati Nomor 3",  # after a number
])
def test_legal_references_in_order_stay(text: str) -> None:
    from ingest.correct import _legal_text

    assert _legal_text(text, matcher(vocab.load(user=False))).text == text
