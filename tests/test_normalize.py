"""Tests for ingest.normalize on real strings from the seeds in shared/seeds/
(000 Kutai Barat, 001 Balangan, 002 CamScanner OCR, 004 Paser) and the forms
listed in shared/spec/domain-notes.md."""

from __future__ import annotations

import pytest

from ingest.model import ApprovedBy, Duration, LegalBasis
from ingest.normalize import (
    blank_to_none,
    clean_role,
    clean_text,
    parse_approval,
    parse_date_iso,
    parse_duration,
    parse_legal_basis,
    parse_nip,
    split_list,
)

# --------------------------------------------------------------------------
# clean_text / blank_to_none
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # seed 002: a sentence wrapped over two lines
        (
            ("Jika SOP tidak dilaksanakan maka tidak terevaluasi sejauah mana pencapaian\n"
             "kinerja dapat direalisasikan"),
            ("Jika SOP tidak dilaksanakan maka tidak terevaluasi sejauah mana pencapaian "
             "kinerja dapat direalisasikan"),
        ),
        ("  Kepala Badan\t\tSekretaris \n", "Kepala Badan Sekretaris"),
        ("Kepala\u00a0Badan", "Kepala Badan"),
        ("Kepala\u200b Badan", "Kepala Badan"),
        # a word broken at a line end is joined
        ("penyusun-\nan laporan", "penyusunan laporan"),
        ("pelak-\r\nsanaan", "pelaksanaan"),
        ("penyusun\u00ad\nan", "penyusunan"),
        # real hyphens that wrap stay: capitalised continuation ...
        ("Undang-\nUndang Nomor 23 Tahun 2014", "Undang-Undang Nomor 23 Tahun 2014"),
        ("Pokok-\nPokok Kepegawaian", "Pokok-Pokok Kepegawaian"),
        # ... and reduplicated words
        ("masing-\nmasing bidang", "masing-masing bidang"),
        ("bersama bidang-\nbidang", "bersama bidang-bidang"),
        ("langkah-\nlangkah strategi", "langkah-langkah strategi"),
        ("sebaik-\nbaiknya", "sebaik-baiknya"),
        # hyphens inside a line are never touched
        ("Kabupaten/ Kota", "Kabupaten/ Kota"),
        ("Evaluasi Kinerja Internal", "Evaluasi Kinerja Internal"),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "\n\t \n"])
def test_clean_text_empty_is_none(raw: str | None) -> None:
    assert clean_text(raw) is None


@pytest.mark.parametrize("raw", [None, "", "  ", "-", " - ", "–", "—", "--", "\n-\n"])
def test_blank_to_none_placeholders(raw: str | None) -> None:
    assert blank_to_none(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Desember 2021", "Desember 2021"),
        ("  10 Juli 2023 ", "10 Juli 2023"),
        ("- x", "- x"),
        ("800/ 171 /BKPSDM-PP.K/I/2024", "800/ 171 /BKPSDM-PP.K/I/2024"),
    ],
)
def test_blank_to_none_keeps_values(raw: str, expected: str) -> None:
    assert blank_to_none(raw) == expected


# --------------------------------------------------------------------------
# parse_duration
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "low", "high", "unit"),
    [
        ("10 Menit", 10, 10, "minute"),  # seed 004
        ("15 menit", 15, 15, "minute"),  # seed 000
        ("90 Menit", 90, 90, "minute"),  # seed 004
        ("5 MENIT", 5, 5, "minute"),  # seed 004
        ("15 – 30 menit", 15, 30, "minute"),  # seed 004, en dash
        ("15-30 menit", 15, 30, "minute"),
        ("15 - 30 menit", 15, 30, "minute"),
        ("15 — 30 menit", 15, 30, "minute"),
        ("15 s/d 30 menit", 15, 30, "minute"),
        ("15 s.d. 30 menit", 15, 30, "minute"),
        ("15 sampai 30 menit", 15, 30, "minute"),
        ("15 sampai dengan 30 menit", 15, 30, "minute"),
        ("15 menit - 30 menit", 15, 30, "minute"),
        ("10 mnt", 10, 10, "minute"),
        ("30 minutes", 30, 30, "minute"),
        ("4 jam", 4, 4, "hour"),  # seed 000
        ("1jam", 1, 1, "hour"),  # seed 002, glued OCR form
        ("2jam", 2, 2, "hour"),  # seed 002
        ("1 jm", 1, 1, "hour"),
        ("1,5 jam", 1.5, 1.5, "hour"),
        ("1.5 jam", 1.5, 1.5, "hour"),
        ("½ jam", 0.5, 0.5, "hour"),
        ("1 ½ jam", 1.5, 1.5, "hour"),
        ("2 Hari", 2, 2, "day"),  # seed 004
        ("3 hari", 3, 3, "day"),  # seed 000
        ("3 hari kerja", 3, 3, "day"),
        ("5 hari kalender", 5, 5, "day"),
        ("2-3 hari kerja", 2, 3, "day"),
        ("1 hr", 1, 1, "day"),
        ("3 (tiga) hari kerja", 3, 3, "day"),
        ("1 minggu", 1, 1, "week"),
        ("1 pekan", 1, 1, "week"),
        ("2 bulan", 2, 2, "month"),
        ("2 bln", 2, 2, "month"),
    ],
)
def test_parse_duration_numbers(raw: str, low: float, high: float, unit: str) -> None:
    duration = parse_duration(raw)
    assert duration == Duration(text=raw.strip(), min=low, max=high, unit=unit)


@pytest.mark.parametrize(("raw", "kind"), [("10 Menit", int), ("1,5 jam", float)])
def test_parse_duration_number_types(raw: str, kind: type) -> None:
    duration = parse_duration(raw)
    assert duration is not None
    assert type(duration.min) is kind
    assert type(duration.max) is kind


def test_parse_duration_keeps_wording() -> None:
    duration = parse_duration("3  hari\nkerja")
    assert duration is not None
    assert duration.text == "3 hari kerja"


@pytest.mark.parametrize(
    "raw",
    [
        "Sesuai kebutuhan",
        "Tentatif",
        "Zhar",  # seed 002: OCR garbage for "2 hari" stays as read
        "1 jam - 2 hari",  # units differ: no honest min/max
        "30 - 15 menit",  # runs backwards
        "10 menit menit",
        "Maksimal 3 hari",
        "jam",
    ],
)
def test_parse_duration_free_text(raw: str) -> None:
    assert parse_duration(raw) == Duration(text=raw, min=None, max=None, unit=None)


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "–"])
def test_parse_duration_blank(raw: str | None) -> None:
    assert parse_duration(raw) is None


# --------------------------------------------------------------------------
# parse_date_iso
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10 Juli 2023", "2023-07-10"),  # seed 001
        ("05 Januari 2022", "2022-01-05"),
        ("1 Februari 2024", "2024-02-01"),
        ("29 Februari 2024", "2024-02-29"),
        ("17 AGUSTUS 1945", "1945-08-17"),
        ("12 Juni 2020", "2020-06-12"),  # seed 004, inside a sentence below
        ("tanggal 12 Juni 2020 tentang Revisi", "2020-06-12"),
        ("Senin, 10 Juli 2023", "2023-07-10"),
        ("Desember 2021", "2021-12"),  # seed 004
        ("Agustus, 2021", "2021-08"),
        ("12-06-2020", "2020-06-12"),
        ("12/06/2020", "2020-06-12"),
        ("12.06.2020", "2020-06-12"),
        ("2020-06-12", "2020-06-12"),
        ("3 Jan 2022", "2022-01-03"),
        ("3 Feb 2022", "2022-02-03"),
        ("3 Mar 2022", "2022-03-03"),
        ("3 Apr 2022", "2022-04-03"),
        ("3 Mei 2022", "2022-05-03"),
        ("3 Jun 2022", "2022-06-03"),
        ("3 Jul 2022", "2022-07-03"),
        ("3 Agt 2022", "2022-08-03"),
        ("3 Agu 2022", "2022-08-03"),
        ("3 Ags. 2022", "2022-08-03"),
        ("3 Sep 2022", "2022-09-03"),
        ("3 Sept 2022", "2022-09-03"),
        ("3 Okt 2022", "2022-10-03"),
        ("3 Nov 2022", "2022-11-03"),
        ("3 Nopember 2022", "2022-11-03"),
        ("3 Des 2022", "2022-12-03"),
        ("3 Pebruari 2022", "2022-02-03"),
        ("March 3, 2022", "2022-03-03"),
        ("Juli 10, 2023", "2023-07-10"),
        ("3 October 2022", "2022-10-03"),
        ("December 2021", "2021-12"),
    ],
)
def test_parse_date_iso(raw: str, expected: str) -> None:
    assert parse_date_iso(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "-",  # seeds 000, 001, 004: Tgl. Revisi
        "31 Februari 2021",  # impossible
        "29 Februari 2023",  # not a leap year
        "32 Juli 2023",
        "31/04/2020",
        "12/13/2020",  # day first: there is no month 13
        "Juli",  # no year
        "Tahun 2014",  # a year is not a date
        "Nomor 23 Tahun 2014",
        "sesuai jadwal",
    ],
)
def test_parse_date_iso_none(raw: str | None) -> None:
    assert parse_date_iso(raw) is None


# --------------------------------------------------------------------------
# parse_nip
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NIP. 19650808 199203 1 019", "196508081992031019"),  # seed 004
        ("NIP.19720726 200003 2 006", "197207262000032006"),  # seed 000
        ("NIP. 19701207 199503 1 002", "197012071995031002"),  # seed 001
        ("NIP 196508081992031019", "196508081992031019"),
        ("NIP : 19701207 199503 1 002", "197012071995031002"),
        ("Nip: 19660825 198802 1 001", "196608251988021001"),
        ("19660825 198802 1 001", "196608251988021001"),  # domain notes: no label
        (
            "Drs. SUWITO Pembina Tk.I NIP. 19650808 199203 1 019",
            "196508081992031019",
        ),
    ],
)
def test_parse_nip(raw: str, expected: str) -> None:
    assert parse_nip(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "Kepala Badan",
        "NIP. -",
        "NIP.",
        "Nomor 184.4 / 07/Sek.II/BKPSDM",
        "Telp. (0543) 21072 - 22696",  # seed 004 letterhead
        "Pembina Tk.I",
    ],
)
def test_parse_nip_absent(raw: str | None) -> None:
    assert parse_nip(raw) is None


# --------------------------------------------------------------------------
# parse_approval
# --------------------------------------------------------------------------

PASER_POSITION = "KEPALA BADAN KEPEGAWAIAN DAN PENGEMBANGAN SUMBER DAYA MANUSIA KABUPATEN PASER"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # seed 000, one cell holding everything
        (
            [("Kepala,  Yuli Permata Mora, SE, M.Si Pembina Utama Muda (IV.c) "
              "NIP.19720726 200003 2 006")],
            ApprovedBy(position="Kepala", name="Yuli Permata Mora, SE, M.Si",
                       rank="Pembina Utama Muda (IV.c)", nip="197207262000032006"),
        ),
        # the same with single spaces only: the degrees after commas decide
        (
            [("Kepala, Yuli Permata Mora, SE, M.Si Pembina Utama Muda (IV.c) "
              "NIP.19720726 200003 2 006")],
            ApprovedBy(position="Kepala", name="Yuli Permata Mora, SE, M.Si",
                       rank="Pembina Utama Muda (IV.c)", nip="197207262000032006"),
        ),
        # seed 004, position and name separated by two spaces
        (
            [f"{PASER_POSITION}  Drs. SUWITO Pembina Tk.I NIP. 19650808 199203 1 019"],
            ApprovedBy(position=PASER_POSITION, name="Drs. SUWITO", rank="Pembina Tk.I",
                       nip="196508081992031019"),
        ),
        # seed 004 (SOP 10): "DR." title
        (
            [f"{PASER_POSITION}  DR. SUWITO Pembina Tk.I NIP. 19650808 199203 1 019"],
            ApprovedBy(position=PASER_POSITION, name="DR. SUWITO", rank="Pembina Tk.I",
                       nip="196508081992031019"),
        ),
        # seed 004 with single spaces: the leading degree marks the name
        (
            [f"{PASER_POSITION} Drs. SUWITO Pembina Tk.I NIP. 19650808 199203 1 019"],
            ApprovedBy(position=PASER_POSITION, name="Drs. SUWITO", rank="Pembina Tk.I",
                       nip="196508081992031019"),
        ),
        # seed 001, signature block as lines, no rank
        (
            ["KEPALA BAPPEDALITBANG", "KABUPATEN BALANGAN", "H. Rakhmadi Yusni, S.Sos, M.AP",
             "NIP. 19701207 199503 1 002"],
            ApprovedBy(position="KEPALA BAPPEDALITBANG KABUPATEN BALANGAN",
                       name="H. Rakhmadi Yusni, S.Sos, M.AP", nip="197012071995031002"),
        ),
        # seed 001 flattened to one line
        (
            [("KEPALA BAPPEDALITBANG KABUPATEN BALANGAN H. Rakhmadi Yusni, S.Sos, M.AP "
              "NIP. 19701207 199503 1 002")],
            ApprovedBy(position="KEPALA BAPPEDALITBANG KABUPATEN BALANGAN",
                       name="H. Rakhmadi Yusni, S.Sos, M.AP", nip="197012071995031002"),
        ),
        # seed 001, identity table: position only
        (["Kepala Badan"], ApprovedBy(position="Kepala Badan")),
        # lines with a label, a signature placeholder and "Pembina Tingkat I"
        (
            ["Disahkan oleh", "Kepala Dinas,", "ttd", "Ir. Budi Santoso, M.T.",
             "Pembina Tingkat I", "NIP 196508081992031019"],
            ApprovedBy(position="Kepala Dinas", name="Ir. Budi Santoso, M.T.",
                       rank="Pembina Tingkat I", nip="196508081992031019"),
        ),
        # rank with a golongan "(III/b)", NIP label left empty
        (
            ["Ditetapkan Oleh :", "Sekretaris", "Budi Santoso", "Penata Muda Tk.I (III/b)",
             "NIP. -"],
            ApprovedBy(position="Sekretaris", name="Budi Santoso",
                       rank="Penata Muda Tk.I (III/b)"),
        ),
        # all-caps position, mixed-case name, no comma after the position
        (
            ["KEPALA DINAS Budi Santoso, SE Pembina NIP 196508081992031019"],
            ApprovedBy(position="KEPALA DINAS", name="Budi Santoso, SE", rank="Pembina",
                       nip="196508081992031019"),
        ),
        # mixed-case position, all-caps name, nothing else to go by
        (
            ["Kepala Dinas SUWITO Pembina Utama Madya NIP 196508081992031019"],
            ApprovedBy(position="Kepala Dinas", name="SUWITO", rank="Pembina Utama Madya",
                       nip="196508081992031019"),
        ),
        # no rank, no NIP, but the last line names a person by degree
        (
            ["Kepala Badan", "Drs. SUWITO"],
            ApprovedBy(position="Kepala Badan", name="Drs. SUWITO"),
        ),
        (["Kepala Badan Drs. SUWITO"], ApprovedBy(position="Kepala Badan", name="Drs. SUWITO")),
        # "Penata" as part of a job title is no rank (nothing follows it)
        (
            ["Kepala Seksi Penata Laksana Barang"],
            ApprovedBy(position="Kepala Seksi Penata Laksana Barang"),
        ),
        ([], ApprovedBy()),
        (["", "  "], ApprovedBy()),
    ],
)
def test_parse_approval(lines: list[str], expected: ApprovedBy) -> None:
    assert parse_approval(lines) == expected


@pytest.mark.parametrize(
    "rank",
    [
        "Pembina",
        "Pembina Tk.I",
        "Pembina Tk. I",
        "Pembina Tingkat I",
        "Pembina Utama",
        "Pembina Utama Muda",
        "Pembina Utama Muda (IV.c)",
        "Pembina Utama Madya",
        "Pembina (IV/a)",
        "Pembina Tk.I, IV/b",
        "Penata",
        "Penata Tk.I",
        "Penata Muda",
        "Penata Muda Tk.I",
        "Pengatur",
        "Pengatur Muda Tingkat I",
        "Juru",
        "Juru Muda",
        "PEMBINA TK.I",
    ],
)
def test_parse_approval_ranks(rank: str) -> None:
    approval = parse_approval(["Kepala Badan", "Drs. SUWITO", rank, "NIP. 19650808 199203 1 019"])
    assert approval == ApprovedBy(position="Kepala Badan", name="Drs. SUWITO", rank=rank,
                                  nip="196508081992031019")


@pytest.mark.parametrize(
    "name",
    [
        "Drs. SUWITO",
        "DR. SUWITO",
        "Dr. Ir. Budi Santoso, M.T.",
        "H. Rakhmadi Yusni, S.Sos, M.AP",
        "Hj. Siti Aminah, S.Pd, M.Pd",
        "Yuli Permata Mora, SE, M.Si",
        "Budi Santoso, S.H., M.H.",
        "Budi Santoso, S.Kom",
        "Budi Santoso, S.E., Ak, MM",
        "Budi Santoso, S.T.",
    ],
)
def test_parse_approval_degrees_in_one_line(name: str) -> None:
    approval = parse_approval([f"Kepala Dinas, {name} Pembina NIP 196508081992031019"])
    assert approval.position == "Kepala Dinas"
    assert approval.name == name


# --------------------------------------------------------------------------
# parse_legal_basis
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "number", "year"),
    [
        ("Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintah Daerah;", "UU", "23", 2014),
        ("Undang-undang Republik Indonesia Nomor 23 Tahun 2014 tentang Pemerintahan Daerah",
         "UU", "23", 2014),
        ("Undang-Undang Kepegawaian Nomor 8 Tahun 1974 tentang Pokok-Pokok Kepegawaian;",
         "UU", "8", 1974),
        ("Undnag-Undang Nomor 41 Tahun 2007 tentang Organisasi Perangkat Daerah;",
         "UU", "41", 2007),
        ("Undang-Undang RI nomor 25 Tahun 2004 tentang Sistem Perencanaan Pembangunan Nasional;",
         "UU", "25", 2004),
        ("UU No. 25 Tahun 2009", "UU", "25", 2009),
        (("Undang-Undang Nomor 27 Tahun 1959 tentang Penetapan Undang-Undang Darurat Nomor 3 "
          "Tahun 1953 tentang Pembentukan Daerah Tingkat II di Kalimantan;"), "UU", "27", 1959),
        (("Undang-Undang Nomor 32 Tahun 2004 tentang Pemerintahan Daerah (Lembaran Negara "
          "Republik Indonesia Nomor 4437)"), "UU", "32", 2004),
        ("Undang-Undang Nomor 16 Tahun 1997 tentang Statistik Pasal 11, 12 ayat 1 dan 12 ayat 2n;",
         "UU", "16", 1997),
        (("Peraturan Pemerintah Republik Indonesia Nomor 12 Tahun 2019 Tentang Pengelolaan "
          "Keuangan Daerah"), "PP", "12", 2019),
        ("PP Nomor 12 Tahun 2019", "PP", "12", 2019),
        ("PP 12 Tahun 2019", "PP", "12", 2019),
        ("Peraturan Pemerintah Nomor 8 Tahun 2008", "PP", "8", 2008),  # seed 002
        ("Peraturan Pemerintah Nomor 29 tahun 2014 tentang SAKIP", "PP", "29", 2014),
        (("Peraturan Pemerintah Nomor 03 Tahun 2007 tentang Laporan Penyelenggaraan "
          "Pemerintahan Daerah kepada Pemerintah"), "PP", "03", 2007),
        # the title decides, not the Undang-Undang it implements
        (("Peraturan Pemerintah Nomor 96 Tahun 2012 tentang Pelaksanaan Undang-Undang Nomor 25 "
          "Tahun 2009 tentang Pelayanan Publik"), "PP", "96", 2012),
        (("Peraturan Presiden Nomor 95 Tahun 2018 tentang Sistem Pemerintahan Berbasis "
          "Elektronik"), "Perpres", "95", 2018),
        ("Perpres No. 95 Tahun 2018", "Perpres", "95", 2018),
        ("Keputusan Presiden Nomor 80 Tahun 2003", "Keputusan", "80", 2003),
        ("Keppres Nomor 80 Tahun 2003", "Keputusan", "80", 2003),
        ("Instruksi Presiden Nomor 7 Tahun 1999", "Inpres", "7", 1999),
        ("Inpres No. 7 Tahun 1999", "Inpres", "7", 1999),
        ("Perppu Nomor 1 Tahun 2020", "Perppu", "1", 2020),
        ("Peraturan Pemerintah Pengganti Undang-Undang Nomor 2 Tahun 2022 tentang Cipta Kerja",
         "Perppu", "2", 2022),
        (("Peraturan Menteri Dalam Negeri Nomor 52 Tahun 2011 tentang Standar Operasional "
          "Prosedur Dilingkungan Pemerintah Provinsi dan Kabupaten/ Kota"), "Permen", "52", 2011),
        (("Permendagri No.73 tahun 2009 tentang tata cara pelaksanaan evaluasi kinerja "
          "penyelenggaraan pemerintahan daerah."), "Permen", "73", 2009),
        (("Permenpan & Repormasi Birokrasi nomor 88 Tahun 2021 tentang Evaluasi Akutabilitas "
          "Kinerja Instansi Pemerintah (Akip Internal)"), "Permen", "88", 2021),
        ("Peraturan Menpanrb Nomor 53 Tahun 2014 tentang Petunjuk Teknis Perjanjian Kinerja",
         "Permen", "53", 2014),
        (("Peraturan Menteri Negara Pendayagunaan Aparatur Negara reformasi Birokrasi nomor 29 "
          "Tahun 2010 tentang pedoman Penyusunan penetapan Kinerja"), "Permen", "29", 2010),
        ("PermenPAN-RB Nomor 35 Tahun 2012", "Permen", "35", 2012),
        ("PMK Nomor 210/PMK.05/2022", "Permen", "210/PMK.05/2022", 2022),
        ("Peraturan Menteri Keuangan Nomor 215/PMK.05/2016 tentang Perubahan",
         "Permen", "215/PMK.05/2016", 2016),
        (("Peraturan Kepala Badan Kepegawaian Negara Nomor 1 Tahun 2013 Tentang Ketentuan "
          "Pelaksanaan Peraturan Pemerintah Nomor 46 Tahun 2011"), "Perban", "1", 2013),
        ("Peraturan BPS Nomor 4 Tahun 2019", "Perban", "4", 2019),
        ("Peraturan Badan Pusat Statistik Nomor 4 Tahun 2019", "Perban", "4", 2019),
        ("Perka BKN Nomor 1 Tahun 2013", "Perban", "1", 2013),
        ("Peraturan Daerah Kabupaten Paser Nomor 14 Tahun 2016", "Perda", "14", 2016),
        ("Perda Nomor 14 Tahun 2016", "Perda", "14", 2016),
        ("Peraturan Bupati Paser Nomor 29 Tahun 2020 tentang Kedudukan, Susunan Organisasi",
         "Perkada", "29", 2020),
        ("PERATURAN BUPATI PASER NOMOR 29 TAHUN 2020", "Perkada", "29", 2020),
        ("Peraturan Gubernur Kalimantan Timur Nomor 5 Tahun 2019", "Perkada", "5", 2019),
        ("Peraturan Walikota Bandung Nomor 5 Tahun 2019", "Perkada", "5", 2019),
        ("Perbup Paser Nomor 29 Tahun 2020", "Perkada", "29", 2020),
        ("Pergub No. 3 Tahun 2020", "Perkada", "3", 2020),
        ("Perwali Nomor 7 Tahun 2018", "Perkada", "7", 2018),
        ("Keputusan Bupati/Kepala Daerah Nomor 100 Tahun 2020", "Keputusan", "100", 2020),
        # seed 004: a decree with a compound number and a date, no "Tahun"
        (("Keputusan Kepala Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Kabupaten "
          "Paser Nomor 184.4/7.1/NKPSDM/2020 tanggal 12 Juni 2020 tentang Revisi"),
         "Keputusan", "184.4/7.1/NKPSDM/2020", 2020),
        ("Undang-Undang Dasar 1945", "UUD", None, 1945),
        ("UUD 1945", "UUD", None, 1945),
        ("Undang-Undang Dasar Negara Republik Indonesia Tahun 1945", "UUD", None, 1945),
        ("Peraturan Direktur Jenderal Perbendaharaan Nomor PER-40/PB/2006",
         "Other", "PER-40/PB/2006", 2006),
        ("Surat Edaran Sekretaris Daerah Nomor 800/123", "Other", "800/123", None),
        ("PP No. 12.", "PP", "12", None),
    ],
)
def test_parse_legal_basis(raw: str, kind: str, number: str | None, year: int | None) -> None:
    assert parse_legal_basis(raw) == LegalBasis(text=raw, kind=kind, number=number, year=year)


def test_parse_legal_basis_text_is_cleaned() -> None:
    raw = ("3. Peraturan Menpanrb Nomor 53 Tahun 2014 tentang Petunjuk Teknis Perjanjian\n"
           "Kinerja, Pelaporan Kinerja")  # seed 002 wraps lines
    basis = parse_legal_basis(raw)
    assert basis.text == ("3. Peraturan Menpanrb Nomor 53 Tahun 2014 tentang Petunjuk Teknis "
                          "Perjanjian Kinerja, Pelaporan Kinerja")
    assert (basis.kind, basis.number, basis.year) == ("Permen", "53", 2014)


@pytest.mark.parametrize("raw", ["Secara manual atau elektronik", "", None])
def test_parse_legal_basis_other(raw: str | None) -> None:
    basis = parse_legal_basis(raw)
    assert (basis.kind, basis.number, basis.year) == ("Other", None, None)


# --------------------------------------------------------------------------
# split_list
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # seed 004: run together, numbers glued to the previous word
        (
            ("1. Mampu Melakukan Analisa/ Evaluasi Terhadap renstra2. Memahami Dokumen Renja"
             "3. Mampu Mengoperasikan Komputer"),
            ["Mampu Melakukan Analisa/ Evaluasi Terhadap renstra", "Memahami Dokumen Renja",
             "Mampu Mengoperasikan Komputer"],
        ),
        (
            "1. SOP PENYUSUNAN RENSTRA2. SOP PENYUSUNAN LPPD",
            ["SOP PENYUSUNAN RENSTRA", "SOP PENYUSUNAN LPPD"],
        ),
        # seed 004: glued after ";", and numbers inside items that must not split
        (
            ("1. Undang-Undang Kepegawaian Nomor 8 Tahun 1974 tentang Pokok-Pokok Kepegawaian;"
             "2. Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintah Daerah;"
             "3. Undang-Undang Nomor 16 Tahun 1997 tentang Statistik Pasal 11, 12 ayat 1 dan "
             "12 ayat 2n;"),
            ["Undang-Undang Kepegawaian Nomor 8 Tahun 1974 tentang Pokok-Pokok Kepegawaian",
             "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintah Daerah",
             ("Undang-Undang Nomor 16 Tahun 1997 tentang Statistik Pasal 11, 12 ayat 1 dan "
              "12 ayat 2n")],
        ),
        # seed 004: one per line
        (
            ("1. Memahami dokumen renja\n2. Mampu melakukan analisa anggaran\n"
             "3. Mampu mengoperasikan komputer"),
            ["Memahami dokumen renja", "Mampu melakukan analisa anggaran",
             "Mampu mengoperasikan komputer"],
        ),
        (
            ("1. Peraturan Pemerintah Nomor 60 Tahun 2008 tentang Sistem Pengendalian Intern "
             "Pemerintah (SPIP)."),
            [("Peraturan Pemerintah Nomor 60 Tahun 2008 tentang Sistem Pengendalian Intern "
              "Pemerintah (SPIP).")],
        ),
        (" 1. SOP PENYUSUNAN RENJA", ["SOP PENYUSUNAN RENJA"]),
        # seed 001: run together on one line, "No.73" and "daerah. 5." inside
        (
            (" 1. Undang-undang Republik Indonesia Nomor 23 Tahun 2014 tentang Pemerintahan Daerah"
             " 2. Peraturan Pemerintah Republik Indonesia Nomor 12 Tahun 2019 Tentang Pengelolaan"
             " Keuangan Daerah 3. Peraturan Menteri Dalam Negeri Nomor 52 Tahun 2011 tentang"
             " Standar Operasional Prosedur Dilingkungan Pemerintah Provinsi dan Kabupaten/ Kota"
             " 4. Permendagri No.73 tahun 2009 tentang tata cara pelaksanaan evaluasi kinerja"
             " penyelenggaraan pemerintahan daerah. 5. Peraturan Pemerintah Nomor 46 Tahun 2011"
             " tentang Penilaian Prestasi Kerja Pegawai Negeri Sipil "),
            ["Undang-undang Republik Indonesia Nomor 23 Tahun 2014 tentang Pemerintahan Daerah",
             ("Peraturan Pemerintah Republik Indonesia Nomor 12 Tahun 2019 Tentang Pengelolaan "
              "Keuangan Daerah"),
             ("Peraturan Menteri Dalam Negeri Nomor 52 Tahun 2011 tentang Standar Operasional "
              "Prosedur Dilingkungan Pemerintah Provinsi dan Kabupaten/ Kota"),
             ("Permendagri No.73 tahun 2009 tentang tata cara pelaksanaan evaluasi kinerja "
              "penyelenggaraan pemerintahan daerah."),
             ("Peraturan Pemerintah Nomor 46 Tahun 2011 tentang Penilaian Prestasi Kerja "
              "Pegawai Negeri Sipil")],
        ),
        # seed 002: blank lines between items and "3." printed twice
        (
            ("1. Pendidikan minimal S1\n\n2. Memahami Peraturan evaluasi kinerja\n\n"
             "3. Memahami peraturan tentang sistem akuntabilitas kinerja instansi pemerintah\n"
             "3. Bisa mengoperasionalkan komputer"),
            ["Pendidikan minimal S1", "Memahami Peraturan evaluasi kinerja",
             "Memahami peraturan tentang sistem akuntabilitas kinerja instansi pemerintah",
             "Bisa mengoperasionalkan komputer"],
        ),
        # seed 002: an item wrapped over three lines, "3.ATK" without a space
        (
            ("1. Peraturan Pemerintah Nomor 8 Tahun 2008\n\n"
             "2. Peraturan Pemerintah Nomor 29 tahun 2014 tentang SAKIP\n\n"
             "3. Peraturan Menpanrb Nomor 53 Tahun 2014 tentang Petunjuk Teknis Perjanjian\n"
             "Kinerja, Pelaporan Kinerja dan Tata cara Reviu atas Laporan Kinerja Instansi\n"
             "Pemerintah"),
            ["Peraturan Pemerintah Nomor 8 Tahun 2008",
             "Peraturan Pemerintah Nomor 29 tahun 2014 tentang SAKIP",
             ("Peraturan Menpanrb Nomor 53 Tahun 2014 tentang Petunjuk Teknis Perjanjian "
              "Kinerja, Pelaporan Kinerja dan Tata cara Reviu atas Laporan Kinerja Instansi "
              "Pemerintah")],
        ),
        ("1. DPA SKPD\n2. Komputer\n3.ATK", ["DPA SKPD", "Komputer", "ATK"]),
        # seed 000: lettered items run together
        (
            ("a. Renstra BKPSDM b. Renja BKPSDM c. Dokumen perjanjian kinerja d. Data dan "
             "informasi capaian kinerja BKPSDM e. Laporan keuangan dan perangkat elektronik "
             "f. Atk"),
            ["Renstra BKPSDM", "Renja BKPSDM", "Dokumen perjanjian kinerja",
             "Data dan informasi capaian kinerja BKPSDM",
             "Laporan keuangan dan perangkat elektronik", "Atk"],
        ),
        (
            ("a. Permenpan & Repormasi Birokrasi nomor 88 Tahun 2021 tentang Evaluasi "
             "Akutabilitas Kinerja Instansi Pemerintah (Akip Internal)"),
            [("Permenpan & Repormasi Birokrasi nomor 88 Tahun 2021 tentang Evaluasi "
              "Akutabilitas Kinerja Instansi Pemerintah (Akip Internal)")],
        ),
        # parenthesis markers and the "; dan" joining the last item
        ("1) Renja; 2) Renstra; dan 3) DPA", ["Renja", "Renstra", "DPA"]),
        ("a) Renja, b) Renstra", ["Renja", "Renstra"]),
        # "ayat (1)" and amounts inside items are no markers
        (
            "1. Dokumen Renstra (lihat ayat (1) dan (2)) 2. Dana Rp. 5.000.000",
            ["Dokumen Renstra (lihat ayat (1) dan (2))", "Dana Rp. 5.000.000"],
        ),
        # a glued "1." / "3." that is not the next number stays in the text
        (
            "1. Pendidikan minimal S1. 2. Lulus D3. 3. Mahir komputer",
            ["Pendidikan minimal S1.", "Lulus D3.", "Mahir komputer"],
        ),
        # sub-items of another kind stay inside their item
        (
            "1. Dokumen a. Renja b. Renstra 2. Komputer",
            ["Dokumen a. Renja b. Renstra", "Komputer"],
        ),
    ],
)
def test_split_list(raw: str, expected: list[str]) -> None:
    assert split_list(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # paragraphs without numbering are one item (seeds 000, 001, 004)
        ("Disimpan Dalam Bentuk Hard Copy dan Soft Copy",
         ["Disimpan Dalam Bentuk Hard Copy dan Soft Copy"]),
        (("Apabila evaluasi ini tidak dilaksanakan sesuai dengan SOP, maka proses penyusunan "
          "laporan Evaluasi Akuntabilitas Kinerja ini tidak akan berjalan dengan baik"),
         [("Apabila evaluasi ini tidak dilaksanakan sesuai dengan SOP, maka proses penyusunan "
           "laporan Evaluasi Akuntabilitas Kinerja ini tidak akan berjalan dengan baik")]),
        (("Jika SOP tidak dilaksanakan maka tidak terevaluasi sejauah mana pencapaian\n"
          "kinerja dapat direalisasikan"),
         [("Jika SOP tidak dilaksanakan maka tidak terevaluasi sejauah mana pencapaian "
           "kinerja dapat direalisasikan")]),
        # numbers that are not numbering
        ("Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintah Daerah",
         ["Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintah Daerah"]),
        ("Permendagri No.73 tahun 2009", ["Permendagri No.73 tahun 2009"]),
        ("Pembina Tk.I", ["Pembina Tk.I"]),
        ("Statistik Pasal 11, 12 ayat 1 dan 12 ayat 2n;",
         ["Statistik Pasal 11, 12 ayat 1 dan 12 ayat 2n"]),
        ("PP No. 12. Pembina Tk.I", ["PP No. 12. Pembina Tk.I"]),
        ("Laporan 2. Evaluasi 3. Renja", ["Laporan 2. Evaluasi 3. Renja"]),
        ("2. Evaluasi 3. Renja", ["2. Evaluasi 3. Renja"]),  # no "1." to start from
        ("Surat a.n. Kepala Badan", ["Surat a.n. Kepala Badan"]),
        ("Waktu 15 s.d. 30 menit", ["Waktu 15 s.d. 30 menit"]),
        # a leading bullet is dropped
        ("- Renja", ["Renja"]),
        ("• Dokumen Renstra", ["Dokumen Renstra"]),
    ],
)
def test_split_list_no_false_split(raw: str, expected: list[str]) -> None:
    assert split_list(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "  \n ", "-", "–", "1. -"])
def test_split_list_empty(raw: str | None) -> None:
    assert split_list(raw) == []


# --------------------------------------------------------------------------
# clean_role
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Kasubbag.  Perencanaan Program", "Kasubbag. Perencanaan Program"),
        ("Kasubbag. Perencanaan Program", "Kasubbag. Perencanaan Program"),  # seed 000
        ("FU. subbag. Perencanaan Program", "FU. subbag. Perencanaan Program"),  # seed 000
        ("Kasubbag.Perencanaan Program", "Kasubbag.Perencanaan Program"),  # kept as printed
        ("Staf/ Jabatan Fungsional Umum", "Staf/ Jabatan Fungsional Umum"),  # seed 001, as printed
        ("Kasubag . Program", "Kasubag. Program"),
        ("KASUBAG PERENCANAAN DAN\nPELAPORAN", "KASUBAG PERENCANAAN DAN PELAPORAN"),  # seed 001
        ("Kepala Badan ,", "Kepala Badan"),
        (" Kasubag Program ", "Kasubag Program"),  # seed 004
        ("Pelaksa-\nna", "Pelaksana"),
        (None, ""),
        ("", ""),
    ],
)
def test_clean_role(raw: str | None, expected: str) -> None:
    assert clean_role(raw) == expected


# --------------------------------------------------------------------------
# OCR letter-for-digit slips in Waktu (seed 002 reads "1jam" as "ljam")
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text", "low", "high", "unit"),
    [
        ("ljam", "1jam", 1, 1, "hour"),
        ("l jam", "1 jam", 1, 1, "hour"),
        ("I hari", "1 hari", 1, 1, "day"),
        ("3O menit", "30 menit", 30, 30, "minute"),
        ("1O-15 menit", "10-15 menit", 10, 15, "minute"),
        ("l5 menit", "15 menit", 15, 15, "minute"),
    ],
)
def test_duration_ocr_digit_slips(raw: str, text: str, low: int, high: int, unit: str) -> None:
    d = parse_duration(raw)
    assert d is not None and (d.text, d.min, d.max, d.unit) == (text, low, high, unit)


@pytest.mark.parametrize("raw", ["Oleh 2 jam", "Sesuai kebutuhan", "Ojam"])
def test_duration_words_are_not_turned_into_digits(raw: str) -> None:
    d = parse_duration(raw)
    assert d is not None and d.text == raw


def test_split_list_repairs_ocr_markers_only_in_a_real_list() -> None:
    # seed-002-like OCR of a lettered list: "a" lost its dot, "c." read as "Cc."
    ocr = "a Memahami peraturan\nb. Memahami sasaran\nCc. Mengetahui tugas\nd. Memahami RPJM"
    assert split_list(ocr) == ["Memahami peraturan", "Memahami sasaran", "Mengetahui tugas",
                               "Memahami RPJM"]
    assert split_list("A Rahman dan kawan menyusun laporan") == [
        "A Rahman dan kawan menyusun laporan"]


def test_nip_label_read_with_a_comma() -> None:
    # OCR of a blurred "NIP." often gives "NIP,"; the digits are still the NIP
    assert parse_nip("NIP, 19701207 199503 1 002") == "197012071995031002"


def test_approval_block_as_ocr_reads_it() -> None:
    # A fax loses the golongan's dot and reads "NIP" as "NiP"; a phone photo
    # reads "IV" as "fV" and loses the I of "NIP".
    fax = parse_approval(["Kepala,", "Yuli Permata Mora, SE, M.Si", "Pembina Utama Muda (IV c)",
                          "NiP 19720726 200003 2 006"])
    assert fax == ApprovedBy(position="Kepala", name="Yuli Permata Mora, SE, M.Si",
                             rank="Pembina Utama Muda (IV c)", nip="197207262000032006")
    photo = parse_approval(["Kepala", "Yuli Permata Mora, SE, M.Si", "Pembina Utama Muda (fV.c)",
                            "NP. 19720726 200003 2 006"])
    assert (photo.name, photo.rank, photo.nip) == (
        "Yuli Permata Mora, SE, M.Si", "Pembina Utama Muda (fV.c)", "197207262000032006")
    # A job title that happens to start like a rank is still not one.
    other = parse_approval(["Kepala Bidang", "Penata Laksana Barang", "Ahmad, S.Sos"])
    assert other.rank is None
