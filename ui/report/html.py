"""The report as one self-contained HTML file: inline CSS, charts as inline SVG, printable.

Same blocks and words as the PDF. Opens in any browser without a network connection and
prints on A4 or Letter with sections starting on a new page and figures kept whole.
"""

from __future__ import annotations

import html
from pathlib import Path

from .charts import inline_svg
from .document import Document, FigureBlock, Heading, PageBreak, Paragraph, Table, Title

CSS = """
:root { --ink: #1d2430; --muted: #5b6573; --head: #12355b; --accent: #0072B2; --rule: #c9d1da;
        --hair: #e1e6ec; --header-bg: #eef2f6; --callout-bg: #eaf3fa; --total-bg: #f6f8fa; }
* { box-sizing: border-box; }
html { font-size: 15px; }
body { margin: 0; background: #f4f6f8; color: var(--ink);
       font-family: "DejaVu Sans", "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial,
                    "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Droid Sans Fallback", "PingFang SC",
                    "Microsoft YaHei", sans-serif;
       line-height: 1.5; -webkit-text-size-adjust: 100%; }
main { max-width: 54rem; margin: 2rem auto; padding: 2.5rem 3rem; background: white;
       box-shadow: 0 1px 4px rgba(0,0,0,.08); }
h1.title { font-size: 2rem; line-height: 1.15; color: var(--head); margin: 0 0 .3rem; }
p.subtitle { color: var(--muted); margin: 0 0 .8rem; padding-bottom: .7rem; border-bottom: 2px solid var(--accent); }
h2 { font-size: 1.45rem; color: var(--head); margin: 2.4rem 0 .6rem; padding-bottom: .3rem;
     border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.1rem; color: var(--head); margin: 1.6rem 0 .4rem; }
p { margin: .6rem 0; }
p.note, p.caption { color: var(--muted); font-size: .87rem; }
p.command { font-size: .87rem; background: var(--total-bg); padding: .4rem .6rem; white-space: pre-wrap; }
.callout { background: var(--callout-bg); border-left: 4px solid var(--accent); padding: .8rem 1rem; margin: 1rem 0; }
.callout .headline { font-weight: bold; color: var(--head); font-size: 1.1rem; margin: 0 0 .4rem; }
.callout p { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .8rem 0; font-size: .87rem; }
table.small { font-size: .8rem; }
th, td { padding: .3rem .45rem; vertical-align: top; text-align: left; border-bottom: 1px solid var(--hair); }
thead th { background: var(--header-bg); color: var(--head); border-bottom: 1.5px solid #9aa5b1; }
td.num, th.num { text-align: right; }
table.key td:first-child { color: var(--muted); }
table.definitions { border-top: 1px solid var(--rule); }
table.definitions td:first-child { font-weight: bold; }
tr.total td { font-weight: bold; background: var(--total-bg); border-top: 1.5px solid #9aa5b1; }
figure { margin: 1.6rem 0; }
figure .label { font-size: .75rem; font-weight: bold; color: var(--accent); letter-spacing: .04em; }
figure .finding { font-weight: bold; margin: .2rem 0 .5rem; }
figure svg { width: 100%; height: auto; display: block; }
footer { margin-top: 2.5rem; padding-top: .5rem; border-top: 1px solid var(--rule); color: var(--muted);
         font-size: .78rem; }
@media (max-width: 40rem) { main { padding: 1.2rem; margin: 0; } html { font-size: 14px; } }
@media print {
  @page { margin: 16mm 18mm 14mm; }
  html { font-size: 10pt; }
  body { background: white; }
  main { max-width: none; margin: 0; padding: 0; box-shadow: none; }
  .page-break { break-after: page; }
  h2, h3 { break-after: avoid; }
  figure, tr, .callout { break-inside: avoid; }
  thead { display: table-header-group; }
}
"""


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def render(doc: Document) -> str:
    out: list[str] = []
    add = out.append
    for block in doc.blocks:
        if isinstance(block, Title):
            add(f'<h1 class="title">{esc(block.title)}</h1>\n<p class="subtitle">{esc(block.subtitle)}</p>')
        elif isinstance(block, Heading):
            tag = "h2" if block.level == 1 else "h3"
            anchor = f' id="{esc(block.anchor)}"' if block.anchor else ""
            add(f"<{tag}{anchor}>{esc(block.text)}</{tag}>")
        elif isinstance(block, Paragraph):
            if block.style == "callout":
                add(f'<div class="callout"><p class="headline">{esc(block.lead)}</p>'
                    + (f"<p>{esc(block.text)}</p>" if block.text else "") + "</div>")
                continue
            lead = f"<b>{esc(block.lead)}</b> " if block.lead else ""
            cls = f' class="{block.style}"' if block.style not in ("body", "lead") else ""
            add(f"<p{cls}>{lead}{esc(block.text)}</p>")
        elif isinstance(block, Table):
            add(_table(block))
        elif isinstance(block, FigureBlock):
            add(_figure(block))
        elif isinstance(block, PageBreak):
            add('<div class="page-break"></div>')
    body = "\n".join(out)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(doc.title)}</title>\n"
        f'<meta name="generator" content="{esc(doc.footer_facts.rsplit(" · ", 1)[-1])}">\n'
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n"
        f"<footer>{esc(doc.footer_left)}<br>{esc(doc.footer_facts)}</footer>\n"
        "</main>\n</body>\n</html>\n"
    )


def _table(t: Table) -> str:
    classes = [t.style] + (["small"] if t.font == "small" else [])
    parts = [f'<table class="{" ".join(classes)}">']
    weights = [c.weight for c in t.columns]
    if all(w is not None for w in weights) and sum(weights) > 0:
        total = sum(weights)
        parts.append("<colgroup>" + "".join(f'<col style="width:{100 * w / total:.1f}%">' for w in weights)
                     + "</colgroup>")
    if t.style != "definitions" and any(c.title for c in t.columns):
        heads = "".join(f'<th{_num(c.align)} scope="col">{esc(c.title)}</th>' for c in t.columns)
        parts.append(f"<thead><tr>{heads}</tr></thead>")
    parts.append("<tbody>")
    for row in t.rows:
        cls = f' class="{row.style}"' if row.style else ""
        cells = "".join(f"<td{_num(c.align)}>{esc(text)}</td>" for c, text in zip(t.columns, row.cells))
        parts.append(f"<tr{cls}>{cells}</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _num(align: str) -> str:
    return ' class="num"' if align == "right" else ""


def _figure(block: FigureBlock) -> str:
    chart = block.chart
    label = f'<div class="label">FIGURE {block.number} \u00b7 {esc(chart.title.upper())}</div>'
    if chart.error or chart.figure is None:
        return (f"<figure>{label}<p class=\"note\">This chart could not be drawn "
                f"({esc(chart.error)}).</p></figure>")
    finding = chart.finding.strip()
    if finding and finding[-1] not in ".!?":
        finding += "."
    svg = inline_svg(chart.svg())
    caption = f'<p class="caption">{esc(chart.caption)}</p>' if chart.caption else ""
    return (f'<figure role="group" aria-label="{esc(chart.title)}">{label}<p class="finding">{esc(finding)}</p>'
            f"{svg}{caption}</figure>")


def write(doc: Document, path: str | Path) -> None:
    Path(path).write_text(render(doc), encoding="utf-8", newline="\n")
