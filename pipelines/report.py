"""The nightly run's morning report as one self-contained HTML page.

Every value shown comes from the shared folder or from OCR (file names,
titles, error reasons): untrusted text. Jinja2 escapes all of it
(autoescape on, no `|safe` anywhere in the template).
"""

from __future__ import annotations

import jinja2

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sop-ingest nightly report {{ r.started[:10] }}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25em .6em;border-bottom:1px solid #eee;vertical-align:top}
.n{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#a00}.warn{color:#a60}.muted{color:#777}
.counts{width:auto}.counts td{border:0;padding:.1em .8em .1em 0}
</style></head><body>
<h1>Nightly report: {{ r.watch }}</h1>
<p class="muted">Run on {{ r.host }} from {{ r.started }} to {{ r.finished }} (UTC); output in {{ r.out }}</p>
<table class="counts">
<tr><td>New files read</td><td class="n">{{ c.read }}</td></tr>
<tr><td>Failed (retried next run)</td><td class="n{% if c.failed %} bad{% endif %}">{{ c.failed }}</td></tr>
<tr><td>Quarantined this run</td><td class="n{% if c.quarantined %} bad{% endif %}">{{ c.quarantined }}</td></tr>
<tr><td>Edited (old output kept in _superseded)</td><td class="n">{{ c.superseded }}</td></tr>
<tr><td>Renamed or moved (not read again)</td><td class="n">{{ c.renamed }}</td></tr>
<tr><td>Copies of a file already read</td><td class="n">{{ c.duplicates }}</td></tr>
<tr><td>Refused (links, special files)</td><td class="n{% if c.refused %} warn{% endif %}">{{ c.refused }}</td></tr>
<tr><td>Still being copied in (wait for next run)</td><td class="n">{{ c.waiting }}</td></tr>
<tr><td>Not a PDF, JPEG, PNG or TIFF</td><td class="n">{{ c.ignored }}</td></tr>
<tr><td>Unchanged since an earlier run</td><td class="n">{{ c.unchanged }}</td></tr>
<tr><td>No longer in the folder</td><td class="n">{{ c.gone }}</td></tr>
<tr><td>Finished after an interrupted run</td><td class="n">{{ c.recovered }}</td></tr>
<tr><td>Quarantined in all (need someone to act)</td><td class="n">{{ c.quarantined_total }}</td></tr>
</table>

{% macro more(rows) %}{% if rows|length > limit %}<p class="muted">… and {{ rows|length - limit }} more (see the .json report)</p>{% endif %}{% endmacro %}

{% if r.failed %}<h2>Failed</h2>
<table><tr><th>File</th><th>Reason</th><th class="n">Attempts</th><th></th></tr>
{% for f in r.failed[:limit] %}<tr><td>{{ f.path }}</td><td>{{ f.reason }}</td><td class="n">{{ f.attempts }}</td>
<td class="bad">{% if f.quarantined %}quarantined{% else %}will be retried{% endif %}</td></tr>{% endfor %}
</table>{{ more(r.failed) }}{% endif %}

<h2>Waiting for review (lowest confidence first)</h2>
{% if r.review %}<table><tr><th>File</th><th>Output</th><th class="n">SOPs</th><th class="n">Steps</th><th class="n">Lowest confidence</th></tr>
{% for d in r.review %}<tr><td>{{ d.path }}</td><td>{{ d.output }}</td><td class="n">{{ d.sops }}</td><td class="n">{{ d.steps }}</td>
<td class="n">{% if d.lowest_confidence is none %}-{% else %}{{ '%.2f'|format(d.lowest_confidence) }}{% endif %}</td></tr>{% endfor %}
</table>{% else %}<p class="muted">Nothing read yet.</p>{% endif %}

{% if r.came_in %}<h2>Came in this run</h2>
<table><tr><th>File</th><th>First SOP title</th><th class="n">Pages</th><th class="n">SOPs</th><th class="n">Steps</th><th class="n">Lowest conf.</th><th class="n">Seconds</th></tr>
{% for d in r.came_in[:limit] %}<tr><td>{{ d.path }}</td><td>{{ d.title or '' }}</td><td class="n">{{ d.pages }}</td><td class="n">{{ d.sops }}</td><td class="n">{{ d.steps }}</td>
<td class="n">{% if d.lowest_confidence is none %}-{% else %}{{ '%.2f'|format(d.lowest_confidence) }}{% endif %}</td><td class="n">{{ d.seconds }}</td></tr>{% endfor %}
</table>{{ more(r.came_in) }}{% endif %}

{% if r.superseded %}<h2>Edited files</h2>
<table><tr><th>File</th><th>Old output moved to</th></tr>
{% for d in r.superseded[:limit] %}<tr><td>{{ d.path }}</td><td>{{ d.old_output or '(there was none)' }}</td></tr>{% endfor %}
</table>{{ more(r.superseded) }}{% endif %}

{% if r.renamed %}<h2>Renamed or moved</h2>
<table><tr><th>From</th><th>To</th></tr>
{% for d in r.renamed[:limit] %}<tr><td>{{ d['from'] }}</td><td>{{ d.to }}</td></tr>{% endfor %}
</table>{{ more(r.renamed) }}{% endif %}

{% if r.duplicates %}<h2>Copies of a file already read (not read again)</h2>
<table><tr><th>File</th><th>Same content as</th></tr>
{% for d in r.duplicates[:limit] %}<tr><td>{{ d.path }}</td><td>{{ d.same_as }}</td></tr>{% endfor %}
</table>{{ more(r.duplicates) }}{% endif %}

{% for title, rows in [("Refused", r.refused), ("Still being copied in", r.waiting), ("Not read (not a PDF, JPEG, PNG or TIFF)", r.ignored)] %}
{% if rows %}<h2>{{ title }}</h2>
<table><tr><th>File</th><th>Why</th></tr>
{% for d in rows[:limit] %}<tr><td>{{ d.path }}</td><td>{{ d.reason }}</td></tr>{% endfor %}
</table>{{ more(rows) }}{% endif %}{% endfor %}

{% if r.recovered %}<h2>Finished after an interrupted run</h2>
<ul>{% for d in r.recovered[:limit] %}<li>{{ d.path }}</li>{% endfor %}</ul>{% endif %}

{% if r.gone %}<h2>No longer in the folder (their outputs are kept)</h2>
<ul>{% for p in r.gone[:limit] %}<li>{{ p }}</li>{% endfor %}</ul>{{ more(r.gone) }}{% endif %}
</body></html>
"""

_env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True)
_template = _env.from_string(_TEMPLATE)


def render_html(report: dict, limit: int = 500) -> str:
    return _template.render(r=report, c=report["counts"], limit=limit)
