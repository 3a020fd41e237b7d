"""The nightly run's morning report as one self-contained HTML page, worded
in Indonesian for the records staff who read it (the reasons of failed and
refused files are the pipeline's own, as in the .json report and the log).

Every value shown comes from the shared folder or from OCR (file names,
titles, error reasons): untrusted text. Jinja2 escapes all of it
(autoescape on, no `|safe` anywhere in the template).
"""

from __future__ import annotations

import jinja2

_TEMPLATE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Laporan pagi sop-ingest {{ r.started[:10] }}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25em .6em;border-bottom:1px solid #eee;vertical-align:top}
.n{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#a00}.warn{color:#a60}.muted{color:#777}
.counts{width:auto}.counts td{border:0;padding:.1em .8em .1em 0}
</style></head><body>
<h1>Laporan pembacaan malam: {{ r.watch }}</h1>
<p class="muted">Dijalankan di {{ r.host }} dari {{ r.started }} sampai {{ r.finished }} (UTC); hasil di {{ r.out }}</p>
<table class="counts">
<tr><td>Berkas baru yang dibaca</td><td class="n">{{ c.read }}</td></tr>
<tr><td>Gagal (dicoba lagi pada malam berikutnya)</td><td class="n{% if c.failed %} bad{% endif %}">{{ c.failed }}</td></tr>
<tr><td>Dikarantina malam ini</td><td class="n{% if c.quarantined %} bad{% endif %}">{{ c.quarantined }}</td></tr>
<tr><td>Diubah (hasil lama disimpan di _superseded)</td><td class="n">{{ c.superseded }}</td></tr>
<tr><td>Diganti nama atau dipindah (tidak dibaca ulang)</td><td class="n">{{ c.renamed }}</td></tr>
<tr><td>Salinan berkas yang sudah dibaca</td><td class="n">{{ c.duplicates }}</td></tr>
<tr><td>Ditolak (tautan, berkas khusus)</td><td class="n{% if c.refused %} warn{% endif %}">{{ c.refused }}</td></tr>
<tr><td>Masih disalin (menunggu malam berikutnya)</td><td class="n">{{ c.waiting }}</td></tr>
<tr><td>Bukan PDF, JPEG, PNG atau TIFF</td><td class="n">{{ c.ignored }}</td></tr>
<tr><td>Tidak berubah sejak malam sebelumnya</td><td class="n">{{ c.unchanged }}</td></tr>
<tr><td>Sudah tidak ada di folder</td><td class="n">{{ c.gone }}</td></tr>
<tr><td>Diselesaikan setelah proses yang terputus</td><td class="n">{{ c.recovered }}</td></tr>
<tr><td>Seluruhnya dikarantina (perlu ditangani seseorang)</td><td class="n">{{ c.quarantined_total }}</td></tr>
<tr><td>Menunggu pemeriksaan</td><td class="n">{{ r.review_total }}</td></tr>
</table>

{% macro more(rows) %}{% if rows|length > limit %}<p class="muted">… dan {{ rows|length - limit }} lagi (lihat laporan .json)</p>{% endif %}{% endmacro %}

{% if r.failed %}<h2>Gagal</h2>
<p class="muted">Berkas yang gagal dicoba lagi pada malam berikutnya; setelah beberapa kali gagal, berkas dikarantina dan tidak dicoba lagi sampai berkasnya diganti.</p>
<table><tr><th>Berkas</th><th>Alasan</th><th class="n">Percobaan</th><th></th></tr>
{% for f in r.failed[:limit] %}<tr><td>{{ f.path }}</td><td>{{ f.reason }}</td><td class="n">{{ f.attempts }}</td>
<td class="bad">{% if f.quarantined %}dikarantina{% else %}akan dicoba lagi{% endif %}</td></tr>{% endfor %}
</table>{{ more(r.failed) }}{% endif %}

<h2>Menunggu pemeriksaan (keyakinan terendah dulu)</h2>
{% if r.review %}<table><tr><th>Berkas</th><th>Hasil</th><th class="n">SOP</th><th class="n">Langkah</th><th class="n">Keyakinan terendah</th></tr>
{% for d in r.review %}<tr><td>{{ d.path }}</td><td>{{ d.output }}</td><td class="n">{{ d.sops }}</td><td class="n">{{ d.steps }}</td>
<td class="n">{% if d.lowest_confidence is none %}-{% else %}{{ '%.2f'|format(d.lowest_confidence) }}{% endif %}</td></tr>{% endfor %}
</table>
{% if r.review_total > r.review|length %}<p class="muted">Ditampilkan {{ r.review|length }} dari {{ r.review_total }}; semuanya ada di antrean aplikasi pemeriksaan.</p>{% endif %}
{% else %}<p class="muted">Tidak ada dokumen yang menunggu pemeriksaan.</p>{% endif %}

{% if r.came_in %}<h2>Masuk malam ini</h2>
<table><tr><th>Berkas</th><th>Judul SOP pertama</th><th class="n">Halaman</th><th class="n">SOP</th><th class="n">Langkah</th><th class="n">Keyakinan terendah</th><th class="n">Detik</th></tr>
{% for d in r.came_in[:limit] %}<tr><td>{{ d.path }}</td><td>{{ d.title or '' }}</td><td class="n">{{ d.pages }}</td><td class="n">{{ d.sops }}</td><td class="n">{{ d.steps }}</td>
<td class="n">{% if d.lowest_confidence is none %}-{% else %}{{ '%.2f'|format(d.lowest_confidence) }}{% endif %}</td><td class="n">{{ d.seconds }}</td></tr>{% endfor %}
</table>{{ more(r.came_in) }}{% endif %}

{% if r.superseded %}<h2>Berkas yang diubah</h2>
<table><tr><th>Berkas</th><th>Hasil lama dipindah ke</th></tr>
{% for d in r.superseded[:limit] %}<tr><td>{{ d.path }}</td><td>{{ d.old_output or '(tidak ada)' }}</td></tr>{% endfor %}
</table>{{ more(r.superseded) }}{% endif %}

{% if r.renamed %}<h2>Diganti nama atau dipindah</h2>
<table><tr><th>Dari</th><th>Ke</th></tr>
{% for d in r.renamed[:limit] %}<tr><td>{{ d['from'] }}</td><td>{{ d.to }}</td></tr>{% endfor %}
</table>{{ more(r.renamed) }}{% endif %}

{% if r.duplicates %}<h2>Salinan berkas yang sudah dibaca (tidak dibaca ulang)</h2>
<table><tr><th>Berkas</th><th>Isinya sama dengan</th></tr>
{% for d in r.duplicates[:limit] %}<tr><td>{{ d.path }}</td><td>{{ d.same_as }}</td></tr>{% endfor %}
</table>{{ more(r.duplicates) }}{% endif %}

{% for title, note, rows in [
  ("Ditolak", "Tautan (symbolic link atau hard link), pipa dan berkas khusus tidak pernah dibaca: di folder bersama, tautan bisa mengarah ke berkas di luar folder. Salin berkasnya sendiri ke folder ini.", r.refused),
  ("Masih disalin", "Berkas yang baru saja berubah dibaca pada malam berikutnya, setelah selesai disalin.", r.waiting),
  ("Tidak dibaca (bukan PDF, JPEG, PNG atau TIFF)", "", r.ignored)] %}
{% if rows %}<h2>{{ title }}</h2>
{% if note %}<p class="muted">{{ note }}</p>{% endif %}
<table><tr><th>Berkas</th><th>Alasan</th></tr>
{% for d in rows[:limit] %}<tr><td>{{ d.path }}</td><td>{{ d.reason }}</td></tr>{% endfor %}
</table>{{ more(rows) }}{% endif %}{% endfor %}

{% if r.recovered %}<h2>Diselesaikan setelah proses yang terputus</h2>
<ul>{% for d in r.recovered[:limit] %}<li>{{ d.path }}</li>{% endfor %}</ul>{% endif %}

{% if r.gone %}<h2>Sudah tidak ada di folder (hasilnya tetap disimpan)</h2>
<ul>{% for p in r.gone[:limit] %}<li>{{ p }}</li>{% endfor %}</ul>{{ more(r.gone) }}{% endif %}
</body></html>
"""

_env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True)
_template = _env.from_string(_TEMPLATE)


def render_html(report: dict, limit: int = 500) -> str:
    return _template.render(r=report, c=report["counts"], limit=limit)
