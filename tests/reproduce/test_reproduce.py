"""``rlkit reproduce``: the reference files are complete and consistent with the specs, ``--list`` gives both costs,
and one paper's quick reproduction (R2PVI) writes a report whose numbers sit beside the paper's and the authors'
code's. The other papers' quick reproductions are the slow tier: marked ``slow`` and skipped unless the environment
sets ``RLKIT_SLOW=1`` (``RLKIT_SLOW=1 pytest tests/reproduce``)."""

from __future__ import annotations

import os

import pytest

from rlkit.reproduce.references import load, markers, papers

pytestmark = pytest.mark.cpu_only(reason="end-to-end runs on the host")

PAPERS = ["dynlin_ucb", "ftrl", "gfucb", "mbtl", "r2pvi", "reward_free"]


def test_every_paper_has_a_reference_file_whose_values_name_real_specs_agents_and_sources():
    from rlkit.runner.reproduce import spec_path
    from rlkit.runner.run import load_spec

    assert papers() == PAPERS
    for paper in PAPERS:
        data = load(paper)
        specs = {e["spec"] for e in data["specs"]}
        assert specs and data.get("title")
        labels = {}
        for name in specs:
            spec = load_spec(spec_path(name))
            labels[name] = {str(a.get("label", a.get("algo"))) for a in spec.get("agents", [])}
            assert {"paper"} <= set(next(e for e in data["specs"] if e["spec"] == name).get("cost", {}))
        for v in data["values"]:
            assert v["spec"] in specs, (paper, v)
            if labels[v["spec"]]:
                assert v["agent"] in labels[v["spec"]], (paper, v)
            for source in ("paper", "authors"):
                if source in v:
                    assert v.get(f"{source}_source"), f"{paper}: {v['agent']} has a {source} value without a source"
            assert v.get("reason"), f"{paper}: {v['agent']} at {v.get('x')} has no reason for departures"


def test_markers_give_the_paper_and_the_authors_values_of_a_figure():
    m = markers("r2pvi_linear_mdp", "return")
    tv = {(r["x"], r["source"]): r["value"] for r in m if r["agent"] == "R2PVI-TV"}
    assert tv[(0.0, "paper")] == 1.390 and tv[(1.0, "authors")] == 0.994
    assert markers("r2pvi_linear_mdp", "no such term") == []


def test_list_shows_each_paper_with_its_cost_at_both_scales(capsys):
    from rlkit.cli.main import main

    assert main(["reproduce", "--list"]) == 0
    out = capsys.readouterr().out
    for paper in PAPERS:
        line = next(x for x in out.splitlines() if x.startswith(paper))
        assert len(line.split()) >= 3


def test_an_unknown_paper_is_one_line_naming_the_known_ones(capsys):
    from rlkit.cli.main import main

    assert main(["reproduce", "nope"]) == 2
    assert "paper must be one of" in capsys.readouterr().err


def _check_report(path, paper):
    text = path.read_text()
    assert text.startswith("# Reproduction:") and "| spec | figure | agent |" in text and "Sources: [1]" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| spec")]
    assert len(rows) == len(load(paper)["values"])
    return rows


def test_quick_reproduction_of_r2pvi_puts_our_numbers_beside_the_papers(tmp_path):
    from rlkit.runner.reproduce import reproduce

    path = reproduce("r2pvi", "quick", tmp_path, workers=1, progress=False, echo=lambda *_: None)
    rows = _check_report(path, "r2pvi")
    tv = next(r for r in rows if "| r2pvi_linear_mdp | return | R2PVI-TV | 0 |" in r)
    cells = [c.strip() for c in tv.split("|")]
    assert cells[5] == "1.390" and cells[6] == "1.400" and "±" in cells[7] and cells[8]  # paper, authors, ours, diff
    assert (tmp_path / "r2pvi_linear_mdp" / "r2pvi_linear_mdp.png").exists()
    assert (tmp_path / "r2pvi_timing" / "r2pvi_timing_d.png").exists()


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("RLKIT_SLOW") != "1", reason="slow tier: set RLKIT_SLOW=1")
@pytest.mark.parametrize("paper", [p for p in PAPERS if p != "r2pvi"])
def test_quick_reproduction_of_every_other_paper(paper, tmp_path):
    from rlkit.runner.reproduce import reproduce

    path = reproduce(paper, "quick", tmp_path, workers=1, progress=False, echo=lambda *_: None)
    assert path.exists() and "# Reproduction:" in path.read_text()
