"""The architecture as the code has it: no import cycles (lazy imports included), light imports.

The layers themselves are import-linter contracts (``[tool.importlinter]`` in ``pyproject.toml``, run by CI as
``lint-imports``); these tests add what a contract does not say: no cycle at all, between modules or between
packages, and that importing the store, the core or one paper does not load the heavy optional stacks.
"""

import json
import subprocess
import sys

import pytest

grimp = pytest.importorskip("grimp", reason="needs import-linter (pip install -e '.[test]')")

pytestmark = pytest.mark.cpu_only(reason="static analysis and fresh interpreters")


def _strongly_connected(nodes, edges):
    """Tarjan's algorithm, iterative: the strongly connected components with more than one node."""
    index, low, on_stack, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(edges.get(root, ())))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(edges.get(nxt, ()))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return out


def test_scc_finder_finds_a_planted_cycle():
    # a -> b -> c -> a is one component; d hangs off it
    assert _strongly_connected("abcd", {"a": "b", "b": "c", "c": "ad"}) == [["a", "b", "c"]]


def _graph():
    graph = grimp.build_graph("rlkit")  # every import statement, including those inside functions
    modules = sorted(graph.modules)
    return modules, {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}


def test_no_import_cycle_between_modules_or_packages():
    modules, edges = _graph()
    assert len(modules) > 120  # the whole package was read, envs and theory included
    assert "rlkit.envs.bandits.linear_bandit" in modules and "rlkit.theory.oful" in modules
    assert _strongly_connected(modules, edges) == []

    def package(m):  # rlkit.X (rlkit.envs.X for environments: their families are packages of their own)
        parts = m.split(".")
        return ".".join(parts[:3] if parts[1:2] == ["envs"] and len(parts) > 3 else parts[:2])

    packages = sorted({package(m) for m in modules})
    collapsed = {p: set() for p in packages}
    for m, targets in edges.items():
        collapsed[package(m)].update(package(t) for t in targets if package(t) != package(m))
    assert _strongly_connected(packages, {p: sorted(v) for p, v in collapsed.items()}) == []


HEAVY = ("matplotlib", "sumo_rl", "libsumo", "traci", "stable_baselines3", "ray")


@pytest.mark.parametrize("module", ["rlkit.runner.store", "rlkit.core", "rlkit.agents", "rlkit.baselines",
                                    "rlkit.dynlin_ucb", "rlkit.gfucb", "rlkit.ftrl", "rlkit.reward_free",
                                    "rlkit.r2pvi", "rlkit.mbtl", "rlkit.envs", "rlkit.theory"])
def test_importing_a_layer_or_a_paper_loads_no_heavy_stack(module):
    code = f"import sys, json; import {module}; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                           check=True).stdout))
    assert not {m.split(".")[0] for m in loaded} & set(HEAVY)
    if module == "rlkit.runner.store":  # storage: no torch, environment, agent or experiment kind either
        assert not any(m.startswith(("torch", "gymnasium", "rlkit.envs", "rlkit.agents")) for m in loaded)
        assert {m for m in loaded if m.startswith("rlkit.kinds.")} == {"rlkit.kinds.base"}


def test_a_runner_worker_loads_every_plugin_but_no_heavy_stack():
    """What a worker process imports before its first unit (``load_plugins``: every environment, agent and kind):
    the kinds import the figure helpers only inside their ``plot`` methods, so no worker loads matplotlib."""
    code = ("import sys, json; from rlkit.runner.run import load_plugins; load_plugins(); "
            "print(json.dumps(sorted(sys.modules)))")
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                           check=True).stdout))
    assert {"rlkit.kinds.bandit", "rlkit.mbtl.families.traffic", "rlkit.reward_free.hf_ucrl_rfe"} <= loaded
    assert not {m.split(".")[0] for m in loaded} & set(HEAVY)
