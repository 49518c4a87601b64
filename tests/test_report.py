"""The HTML report: sections, inlined figures, escaping, the data behind the plots, and a real
headless browser that renders it (skipped only when no Chromium is installed, and never when
ROR_REQUIRE_CHROMIUM is set)."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from ror_graph.cli import main
from ror_graph.errors import OptionError
from ror_graph.model import validate_events
from ror_graph.network import Network
from ror_graph.report import SECTIONS, build_report, one_sided, reciprocity_trend, write_report

DAY = 86400
PNG = b"\x89PNG\r\n\x1a\n"


def _net(rows: list[tuple[str, str, str, float]], **options) -> Network:
    raw = pl.DataFrame(rows, schema=["src", "dst", "kind", "ts"], orient="row")
    return Network.from_dataset(validate_events(raw, source="test"), **options)


@pytest.fixture(scope="module")
def small() -> Network:
    """me and ana talk every 2 days then stop; bo is a fan of me; me follows cé who never answers;
    '<b>x</b>' is an id that must come out escaped."""
    rows = []
    for i in range(15):
        rows += [("me", "ana", "message", i * 2 * DAY), ("ana", "me", "reply", i * 2 * DAY + 3600)]
    rows += [("bo", "me", "like", d * DAY) for d in (5, 20, 40, 60)]
    rows += [("me", "cé", "mention", d * DAY) for d in (3, 33)]
    rows += [("<b>x</b>", "ana", "share", 50 * DAY), ("ana", "<b>x</b>", "reply", 51 * DAY)]
    return _net(rows, as_of=datetime.fromtimestamp(90 * DAY, timezone.utc))


@pytest.fixture(scope="module")
def small_page(small: Network) -> str:
    return build_report(small, me="me", top=5, timelines=2, referral=False)


def _images(page: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)]


def test_report_has_every_section_with_how_to_read_it(small_page: str) -> None:
    for section in SECTIONS:
        block = re.search(rf'<section id="{section}">(.*?)</section>', small_page, re.DOTALL)
        assert block, f"section {section} missing"
        assert "How to read this." in block.group(1)
    assert small_page.count("<section ") == len(SECTIONS)


def test_report_is_self_contained(small_page: str) -> None:
    assert small_page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in small_page
    # no network: nothing is fetched from anywhere
    assert not re.search(r'(src|href)="(?!data:|#)', small_page)
    assert "<script" not in small_page and "@import" not in small_page and "url(" not in small_page
    images = _images(small_page)
    # weekly interactions, reciprocity, degree, nurture bars, 2 fading timelines, influencer bars,
    # community map
    assert len(images) == 8
    assert all(img.startswith(PNG) and len(img) > 2000 for img in images)


def test_report_escapes_ids_and_keeps_unicode(small_page: str) -> None:
    assert "<b>x</b>" not in small_page
    assert "&lt;b&gt;x&lt;/b&gt;" in small_page
    assert "cé" in small_page  # the one-sided follow, kept as UTF-8


def test_report_lists_fading_fans_and_follows(small_page: str) -> None:
    fading = re.search(r'<section id="fading">(.*?)</section>', small_page, re.DOTALL).group(1)
    assert "<td>ana</td>" in fading and "timeline of me and ana" in fading
    assert "timeline of me and cé" in fading  # two mentions 30 days apart, silent 57 days since
    sided = re.search(r'<section id="one-sided">(.*?)</section>', small_page, re.DOTALL).group(1)
    fans, follows = sided.split("One-sided follows")
    assert "<td>bo</td>" in fans and "cé" not in fans
    assert "<td>cé</td>" in follows and "<td>bo</td>" not in follows


def test_report_is_deterministic(small: Network, small_page: str) -> None:
    assert build_report(small, me="me", top=5, timelines=2, referral=False) == small_page


def test_referral_section_when_the_module_is_missing(small: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    import ror_graph.report as report

    monkeypatch.setattr(report, "_referral_function", lambda: None)  # as if ror_graph.referral lacked it
    page = build_report(small, me="me", top=3, timelines=0, referral=True)
    section = re.search(r'<section id="referral">(.*?)</section>', page, re.DOTALL).group(1)
    assert "not available" in section and "<table" not in section


def test_referral_section_with_estimates(small: Network) -> None:
    pytest.importorskip("ror_graph.referral")
    page = build_report(small, me="me", top=3, timelines=0, referral=True)
    section = re.search(r'<section id="referral">(.*?)</section>', page, re.DOTALL).group(1)
    assert "referral_reach" in section and section.count("<tr>") == 4  # header + 3 rows
    assert len(_images(section)) == 1


def test_communities_linked_only_by_distrust_are_drawn() -> None:
    # two triangles joined by one -10 rating: a between-community link of zero strength,
    # which the map's layout refused (igraph: "Weights must be positive"), as on bitcoin-alpha
    raw = pl.DataFrame({
        "src": ["a", "b", "c", "d", "e", "f", "c"], "dst": ["b", "c", "a", "e", "f", "d", "d"],
        "kind": ["reply"] * 6 + ["rating"], "ts": [float(i * DAY) for i in range(1, 8)],
        "weight": [1.0] * 6 + [-10.0],
    })
    net = Network.from_dataset(validate_events(raw, source="test"))
    page = build_report(net, top=5, timelines=0, referral=False)
    assert page.rstrip().endswith("</html>") and 'id="communities"' in page


def test_very_long_id_is_shortened_in_figures_only() -> None:
    # matplotlib took minutes to lay out a 100,000-character label
    from ror_graph.plots import short_label

    long = "x" * 100_000
    net = _net([(long, "b", "reply", 0.0), ("b", long, "reply", DAY), ("b", "c", "reply", 2 * DAY)],
               as_of=datetime.fromtimestamp(200 * DAY, timezone.utc))
    start = time.monotonic()
    page = build_report(net, me="b", top=5, timelines=1, referral=False)
    assert time.monotonic() - start < 60
    assert f"<td>{long}</td>" in page  # the tables keep the full id
    assert short_label(long) == "x" * 39 + "\u2026" and short_label("ana") == "ana"


def test_one_sided_by_hand(small: Network) -> None:
    fans, follows = one_sided(small, me="me")
    assert fans.select("node_id", "events_to_you").rows() == [("bo", 4)]
    assert follows.select("node_id", "events_from_you").rows() == [("cé", 2)]
    fans, follows = one_sided(small)  # per person, whole community
    assert dict(fans.select("node_id", "one_sided_fans").rows()) == {"me": 1, "cé": 1}
    assert dict(follows.select("node_id", "one_sided_follows").rows()) == {"bo": 1, "me": 1}


def test_reciprocity_trend_by_hand() -> None:
    # week 1: a->b and b->a (mutual), a->c; week 2: c->a (returns a->c, but a week late), d->a;
    # week 3 (as_of two days in, too short to compare): a->b
    rows = [("a", "b", "message", 0), ("b", "a", "message", 3600), ("a", "c", "message", 2 * DAY),
            ("c", "a", "message", 8 * DAY), ("d", "a", "message", 9 * DAY), ("a", "b", "message", 13 * DAY)]
    net = _net(rows)
    trend = reciprocity_trend(net, period="1w")
    # 1970-01-01 is a Thursday: weeks start Mon 1969-12-29, 1970-01-05 and 1970-01-12 (dropped)
    assert [d.day for d in trend["period_start"].to_list()] == [29, 5]
    assert trend["relationships_active"].to_list() == [3, 2]
    assert trend["reciprocated_active"].to_list() == [2, 0]
    assert trend["period_reciprocity"].to_list() == pytest.approx([2 / 3, 0.0])
    # cumulative at the end of week 1: a->b, b->a, a->c (2 of 3 returned); of week 2: 4 of 5
    assert trend["cumulative_reciprocity"].to_list() == pytest.approx([2 / 3, 4 / 5])


def test_write_report_is_atomic_and_checks_the_folder(tmp_path: Path, capsysbinary) -> None:
    target = tmp_path / "r.html"
    write_report("<!DOCTYPE html>\n<p>zoë</p>", str(target))
    assert target.read_bytes() == "<!DOCTYPE html>\n<p>zoë</p>".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary left behind
    with pytest.raises(OptionError, match="does not exist"):
        write_report("x", str(tmp_path / "missing" / "r.html"))
    write_report("<p>ok</p>", "-")
    assert capsysbinary.readouterr().out == b"<p>ok</p>"


# -- the demo community, end to end -------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory, sample_events: Path) -> Path:
    out = tmp_path_factory.mktemp("report") / "brand report.html"
    result = CliRunner().invoke(main, ["report", str(sample_events), "--me", "brand", "-o", str(out), "--top", "12"])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    return out


def test_cli_report_on_the_demo_finds_the_planted_fading_people(sample_report: Path, sample_events: Path) -> None:
    page = sample_report.read_text(encoding="utf-8")
    planted = pl.read_csv(sample_events.parent / "planted_truth.csv")
    fading = set(planted.filter(pl.col("role") == "fading_valuable")["node_id"])
    section = re.search(r'<section id="fading">(.*?)</section>', page, re.DOTALL).group(1)
    listed = set(re.findall(r"<tr><td class=num>\d+</td><td>brand</td><td>([^<]+)</td>", section))
    assert len(fading & listed) >= 8  # the table shows 12 rows; 9 planted fading relationships
    assert len(_images(section)) == 6  # default number of timelines
    fans = set(planted.filter(pl.col("role") == "one_sided_fan")["node_id"])
    sided = re.search(r'<section id="one-sided">(.*?)</section>', page, re.DOTALL).group(1).split("One-sided follows")[0]
    assert len(fans & set(re.findall(r"<td>([^<]+)</td>", sided))) >= 8


def test_cli_report_to_stdout(sample_events: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(sample_events), "--me", "brand", "-o", "-", "--no-reach", "--timelines", "0"])
    assert result.exit_code == 0
    assert result.stdout.startswith("<!DOCTYPE html>") and result.stdout.rstrip().endswith("</html>")
    assert "Skipped (--no-reach)" in result.stdout


def test_cli_report_unknown_ego_is_one_line(sample_events: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(sample_events), "--me", "nobody-here", "-o", "-"])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "unknown id 'nobody-here'" in result.output


# -- a real browser --------------------------------------------------------------------------------

_CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
_PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; });
  var out = document.createElement('pre'); out.id = 'probe';
  out.textContent = 'images=' + imgs.length + ' rendered=' + ok.length +
    ' widths=' + ok.map(function (i) { return i.naturalWidth; }).join(',') +
    ' sections=' + Array.prototype.map.call(document.querySelectorAll('section > h2'),
                     function (h) { return h.parentNode.id + ':' + (h.offsetHeight > 0); }).join(',');
  document.body.appendChild(out);
});
</script>"""


@pytest.mark.skipif(_CHROMIUM is None and not os.environ.get("ROR_REQUIRE_CHROMIUM"),
                    reason="Chromium is not installed (apt-get install -y chromium); set ROR_REQUIRE_CHROMIUM=1 to fail instead")
def test_report_renders_in_headless_chromium(sample_report: Path, tmp_path: Path) -> None:
    assert _CHROMIUM, "ROR_REQUIRE_CHROMIUM is set but Chromium is missing: apt-get install -y chromium"
    probe = tmp_path / "probe.html"
    probe.write_text(sample_report.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    args = [
        _CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri(),
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r"images=(\d+) rendered=(\d+) widths=([\d,]*) sections=([\w:,-]*)", done.stdout)
    assert found, done.stdout[-2000:]
    total, rendered = int(found.group(1)), int(found.group(2))
    expected = len(_images(sample_report.read_text(encoding="utf-8")))
    assert total == expected >= 10
    assert rendered == total
    assert all(int(w) >= 300 for w in found.group(3).split(","))
    visible = dict(item.split(":") for item in found.group(4).split(","))
    assert visible == {section: "true" for section in SECTIONS}
