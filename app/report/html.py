"""The self-contained HTML report: one jinja2 template, plots embedded as base64 PNG."""

from __future__ import annotations

import base64

import jinja2

from app.report.compute import Report
from app.report.plots import difficulty_plot, pass_at_k_plot

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Assay report {{ d.evaluations | join(", ") }}</title>
<style>
 body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
 table { border-collapse: collapse; margin: .5rem 0 1.5rem; } td, th { padding: .2rem .7rem; text-align: left; }
 th { border-bottom: 1px solid #999; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
 img { max-width: 100%; } .dim { color: #777; } code { font-size: .9em; }
</style></head><body>
<h1>Assay report</h1>
<p>Evaluations {% for e in d.evaluations %}<code>{{ e }}</code> {% endfor %}on dataset
 {{ d.datasets | join(", ") }} (recipe {{ d.recipes | join(", ") }}): {{ d.models | length }} models,
 {{ d.n_items }} items, samples per item {% for m, ns in d.samples_per_item.items() %}{{ m }} {{ ns | join("/") }}
 {%- if not loop.last %}, {% endif %}{% endfor %}. Intervals are {{ ((1 - d.alpha) * 100) | round | int }}%
 percentile bootstrap over items ({{ d.n_boot }} resamples, the same items for every model).</p>
<h2>Separability with confidence</h2>
<p>Share of model pairs whose own (marginal) confidence intervals do not overlap:
{% for k, s in d.separability.items() %} pass@{{ k }} <b>{{ "%.2f" | format(s.fraction) }}</b>
 ({{ s.separated }}/{{ s.n_pairs }} pairs){% if not loop.last %};{% endif %}{% endfor %}.
 This is the score separability counts. The pairwise tables below also give the paired test, which is more
 sensitive: pairs whose paired difference excludes 0
{% for k, s in d.separability.items() %} pass@{{ k }} {{ s.paired_differs }}/{{ s.n_pairs }}
{%- if not loop.last %};{% endif %}{% endfor %}.</p>
<h2>pass@k per model</h2>
<table><tr><th>model</th>{% for k in d.ks %}<th>pass@{{ k }} [95% CI]</th>{% endfor %}</tr>
{% for m in d.models %}<tr><td>{{ m }}</td>{% for k in d.ks %}{% set c = d.pass_at_k[m][k | string] %}
<td class="num">{{ "%.3f" | format(c.mean) }} [{{ "%.3f" | format(c.lo) }}, {{ "%.3f" | format(c.hi) }}]</td>
{% endfor %}</tr>{% endfor %}</table>
<img alt="pass@k per model" src="data:image/png;base64,{{ images.pass_at_k }}">
<h2>Pairwise</h2>
{% for k, pairs in d.pairwise.items() %}<h3>pass@{{ k }}</h3>
<table><tr><th>model a</th><th>model b</th><th>paired test: a − b [95% CI of the paired difference]</th>
<th>paired test: differ?</th><th>separability test: marginal 95% CIs overlap?</th></tr>
{% for p in pairs %}<tr><td>{{ p.a }}</td><td>{{ p.b }}</td><td class="num">{{ "%+.3f" | format(p.diff) }}
 [{{ "%+.3f" | format(p.diff_lo) }}, {{ "%+.3f" | format(p.diff_hi) }}]</td>
<td>{{ "yes: the CI excludes 0" if p.paired_differs else "no: the CI includes 0" }}</td>
<td>{{ "yes: not separated" if p.overlap else "no: separated" }}</td></tr>{% endfor %}</table>{% endfor %}
<h2>Difficulty distribution</h2>
<p>Per-item solve rate across the evaluated models, coloured by the band the probe gave the point.
 Probe bands: {% for b, n in d.difficulty.bands.items() %}{{ b }} {{ n }}{% if not loop.last %}, {% endif %}
{% endfor %}.</p>
<img alt="difficulty distribution" src="data:image/png;base64,{{ images.difficulty }}">
{% if d.flows %}<h2>Agent flow: per-step profile</h2>
{% if not d.flows.available %}<p class="dim">{{ d.flows.reason }}</p>{% else %}
{% for m, prof in d.flows.models.items() %}<h3>{{ m }}</h3><p>end to end:
{% for k, v in prof.end_to_end.items() %} pass@{{ k }} {{ "%.3f" | format(v) }}{% endfor %};
 weakest steps: {{ prof.weakest | join(", ") or "-" }}</p>
<table><tr><th>step</th><th>items</th><th>pass@k</th><th>loss share</th></tr>{% for s in prof.steps %}
<tr><td>{{ s.step }}</td><td class="num">{{ s.items }}</td><td>{% for k, v in s.pass_at_k.items() %}@{{ k }}
 {{ "%.3f" | format(v) }} {% endfor %}</td><td class="num">{{ "%.2f" | format(s.loss_share) }}</td></tr>{% endfor %}
</table>{% endfor %}{% if images.flow %}<img alt="per-step profile" src="data:image/png;base64,{{ images.flow }}">
{% endif %}{% endif %}{% endif %}
<h2>Items</h2>
<table><tr><th>point</th><th>solve rate</th><th>probe band</th><th>probe solve rate</th>
{% for m in d.models %}<th>{{ m.split("/")[-1] }} c/n</th>{% endfor %}</tr>
{% for r in d.difficulty["items"] %}<tr><td><code>{{ r.point_id[:12] }}</code></td>
<td class="num">{{ "%.2f" | format(r.solve_rate) }}</td><td>{{ r.band }}</td>
<td class="num">{{ "-" if r.probe_solve_rate is none else "%.2f" | format(r.probe_solve_rate) }}</td>
{% for m in d.models %}<td class="num">{{ r.models[m].c }}/{{ r.models[m].n }}</td>{% endfor %}</tr>{% endfor %}
</table></body></html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def images(report: Report) -> dict[str, bytes]:
    """Every plot of the report as PNG bytes, by name."""
    out = {"pass_at_k": pass_at_k_plot(report.data), "difficulty": difficulty_plot(report.data)}
    if report.flow_png:
        out["flow"] = report.flow_png
    return out


def render(report: Report, pngs: dict[str, bytes]) -> str:
    encoded = {name: base64.b64encode(png).decode("ascii") for name, png in pngs.items()}
    encoded.setdefault("flow", "")
    return _ENV.from_string(TEMPLATE).render(d=report.data, images=encoded)
