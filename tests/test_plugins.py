"""Plugins: a metric and a backend from a module outside the package, chosen by config alone
(`_target_:` in a user's --config-dir, a class path, or an installed package's entry point), held
to the same contract as the built-ins, through the real `harness run`, `score` and `meta-eval`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import run_cli

from harness.errors import ConfigError
from harness.metrics.base import Metric, Scored, check_metric_class
from harness.metrics.loading import build_metrics, metric_spec
from harness.models.base import Backend, check_backend_class
from harness.registry import BACKENDS, DATASET_LOADERS, METRICS

PLUGIN = '''
"""A plugin that lives outside the harness package."""

import re
from dataclasses import dataclass

from harness.metrics.base import Metric, Scored
from harness.models.base import Backend, Generation


@dataclass
class BulletCountOptions:
    weight: float = 1.0
    long_words: int = 8


class BulletCount(Metric):
    """Counts bullets (times `weight`) and the bullets longer than `long_words` words."""

    name = "bullet_count"
    fields = {"n": "bullets times weight", "long": "bullets longer than long_words words"}
    lower_is_better = frozenset({"long"})
    Options = BulletCountOptions

    def score(self, examples, summaries):
        o = self.options
        return [
            Scored({"n": len(s.bullets) * o.weight, "long": float(sum(len(b.split()) > o.long_words for b in s.bullets))})
            for s in summaries
        ]


@dataclass
class FirstSentencesOptions:
    sentences: int = 1
    batch_size: int = 4


class FirstSentences(Backend):
    """Echoes the source's first sentences, one bullet each."""

    Options = FirstSentencesOptions
    runtime_fields = frozenset({"batch_size"})

    def generate(self, requests):
        out = []
        for r in requests:
            first = re.split(r"(?<=[.!?])\\s+", r.source.strip())[: self.options.sentences]
            out.append(Generation("\\n".join(f"- {s}" for s in first), finish_reason="stop"))
        return out


class NoFields(Metric):
    name = "nofields"

    def score(self, examples, summaries):
        return [Scored({}) for _ in summaries]


@dataclass
class ServiceOptions:
    api_key: str = ""  # a credential as an option: refused, never written
    api_key_env: str = ""  # the supported way: the variable's name


class ServiceCount(BulletCount):
    Options = ServiceOptions

    def score(self, examples, summaries):
        return [Scored({"n": float(len(s.bullets)), "long": 0.0}) for s in summaries]
'''

DOCS = [
    {"doc_id": "a", "source": "One short sentence here.", "reference": "one short sentence"},
    {
        "doc_id": "b",
        "source": "The first sentence of document b. A second sentence that is rather long and has many words. A third.",
        "reference": "the first sentence",
    },
    {"doc_id": "c", "source": "Alpha beta. Gamma delta. Epsilon zeta.", "reference": "alpha beta"},
]

# meta-eval input: (document, system) summaries with one bullet per line, and a human score
JUDGED = [
    ("d1", "s1", "- a b c\n- d e\n- f", 3.0),
    ("d1", "s2", "- a b c d e f g h i j\n- d e", 2.0),
    ("d1", "s3", "- a", 1.5),
    ("d2", "s1", "- x\n- y\n- z\n- w", 2.0),
    ("d2", "s2", "- x y", 1.0),
    ("d2", "s3", "- x\n- y", 3.0),
]


def first_sentences(source: str, n: int) -> list[str]:
    """The test's own sentence split (what the plugin backend should echo)."""
    return [s for s in re.split(r"(?<=\.)\s+", source.strip())][:n]


@pytest.fixture
def plugin(tmp_path):
    """The plugin module on a folder of its own, its configs in a user config folder, the inputs."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "bulletplug.py").write_text(PLUGIN)
    conf = tmp_path / "conf"
    (conf / "metrics").mkdir(parents=True)
    (conf / "model").mkdir()
    (conf / "metrics" / "count.yaml").write_text("count:\n  _target_: bulletplug.BulletCount\n  weight: 2\n")
    (conf / "model" / "firsts.yaml").write_text("_target_: bulletplug.FirstSentences\nsentences: 2\n")
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    judged = [
        {"doc_id": d, "system_id": s, "summary": text, "reference": "a b", "human": {"q": q}}
        for d, s, text, q in JUDGED
    ]
    (tmp_path / "judged.jsonl").write_text("".join(json.dumps(r) + "\n" for r in judged))
    return tmp_path


def plugin_cli(root: Path, *args: str, check: bool = True):
    """A harness command as the plugin's user runs it: from `root`, with the plugin on PYTHONPATH."""
    return run_cli(*args, env=env_for(root / "src"), cwd=root, check=check)


def plugin_run(root: Path, *overrides: str, check: bool = True):
    """`harness run` with the plugin's configs (root/conf) on the fixture's documents, results under root/results."""
    return plugin_cli(root, "run", "--config-dir", str(root / "conf"), *local_data_args(root), *overrides, check=check)


def meta_eval_args(root: Path, *metrics: str) -> list[str]:
    """`harness meta-eval` of `metrics` on the judged summaries of the fixture, written to root/meta."""
    judged = ["--data", str(root / "judged.jsonl"), "--human", "human.q"]
    return ["meta-eval", *judged, "--metrics", *metrics, "--bootstrap", "0", "--out", str(root / "meta")]


def local_data_args(root: Path) -> list[str]:
    """The fixture's documents as the dataset, results under `root`."""
    return ["dataset=local", f"dataset.path={root / 'docs.jsonl'}", f"results_dir={root / 'results'}"]


def env_for(*folders: Path) -> dict[str, str]:
    return {"PYTHONPATH": ":".join(str(f) for f in folders)}


def run_folder(results: Path) -> Path:
    [scores] = list(results.rglob("scores.jsonl"))
    return scores.parent


def rows(path: Path) -> dict[str, dict]:
    return {r["doc_id"]: r for r in map(json.loads, path.read_text().splitlines())}


def meta_scores(out: Path) -> list[dict]:
    return [r["metrics"] for r in map(json.loads, (out / "meta_eval_scores.jsonl").read_text().splitlines())]


def bullets(text: str) -> list[str]:
    return [line[2:] for line in text.splitlines()]


@pytest.mark.slow
def test_plugin_metric_and_backend_through_run_score_and_meta_eval(plugin):
    env = env_for(plugin / "src")
    conf = str(plugin / "conf")
    shown = plugin_run(plugin, "model=firsts", "metrics=[rouge,count]").stdout
    # a metric that names no headline fields shows all of them in the run's table
    assert "count/n" in shown and "count/long" in shown and "rouge/rouge1" in shown
    folder = run_folder(plugin / "results")
    generations = rows(folder / "generations.jsonl")
    scores = rows(folder / "scores.jsonl")
    for doc in DOCS:
        expected = first_sentences(doc["source"], 2)
        assert bullets(generations[doc["doc_id"]]["raw"]) == expected
        assert scores[doc["doc_id"]]["count/n"] == 2 * len(expected)
        assert scores[doc["doc_id"]]["count/long"] == sum(len(s.split()) > 8 for s in expected)
        assert "rouge/rouge1" in scores[doc["doc_id"]]
    metrics = json.loads((folder / "metrics.json").read_text())["fields"]
    assert metrics["count/n"]["signature"].startswith("bullet_count|long_words:8|weight:2")
    assert metrics["count/n"]["mean"] == pytest.approx((2 + 4 + 4) / 3)
    assert metrics["count/long"]["higher_is_better"] is False
    assert metrics["count/n"]["headline"] and metrics["count/long"]["headline"]
    assert not metrics["rouge/rouge1_precision"]["headline"]  # a metric's own headline choice stands
    assert "bulletplug.FirstSentences" in (folder / "run.json").read_text()

    # re-score from the run's own config.yaml (it names the plugin class), then a new user config
    before = (folder / "scores.jsonl").read_text()
    run_cli("score", str(folder), env=env, cwd=plugin)
    assert rows(folder / "scores.jsonl") == rows_from(before)
    (plugin / "conf" / "metrics" / "count3.yaml").write_text(
        "count3:\n  _target_: bulletplug:BulletCount\n  weight: 3\n"
    )
    run_cli("score", str(folder), "--config-dir", conf, "--metrics", "count3", env=env, cwd=plugin)
    rescored = rows(folder / "scores.jsonl")
    for doc in DOCS:
        assert rescored[doc["doc_id"]]["count3/n"] == 3 * len(first_sentences(doc["source"], 2))
        assert rescored[doc["doc_id"]]["count/n"] == scores[doc["doc_id"]]["count/n"]  # other metrics kept

    # meta-eval reads the same user config, and takes a class path directly (keyed by the class's name)
    out = plugin / "meta"
    run_cli(*meta_eval_args(plugin, "count", "bulletplug.BulletCount"), "--config-dir", conf, env=env, cwd=plugin)
    for (_, _, text, _), values in zip(JUDGED, meta_scores(out)):
        n = len(bullets(text))
        assert values["count/n"] == 2 * n and values["bullet_count/n"] == n
        assert values["bullet_count/long"] == sum(len(b.split()) > 8 for b in bullets(text))
    protocol = json.loads((out / "meta_eval.json").read_text())
    assert "bullet_count/long" in json.dumps(protocol) and "count/n" in json.dumps(protocol)


def rows_from(text: str) -> dict[str, dict]:
    return {r["doc_id"]: r for r in map(json.loads, text.splitlines())}


@pytest.mark.slow
def test_installed_plugin_registers_by_entry_point(plugin):
    """An installed package registers its classes through entry points: no `_target_`, no config
    for the metric; a model config names the backend by its entry-point name."""
    dist = plugin / "src" / "bulletplug-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: bulletplug\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[harness.metrics]\nbullets_ep = bulletplug:BulletCount\n\n[harness.backends]\nfirsts_ep = bulletplug:FirstSentences\n"
    )
    (plugin / "conf" / "model" / "firsts_ep.yaml").write_text("backend: firsts_ep\nsentences: 1\n")
    (plugin / "conf" / "metrics" / "ep.yaml").write_text("ep:\n  metric: bullets_ep\n  weight: 5\n")
    env = env_for(plugin / "src")
    plugin_run(plugin, "model=firsts_ep", "metrics=[ep]")
    scores = rows(run_folder(plugin / "results") / "scores.jsonl")
    assert {d: r["ep/n"] for d, r in scores.items()} == {"a": 5.0, "b": 5.0, "c": 5.0}  # one sentence each
    # `metrics=[bullets_ep]` needs a config file: the refusal says which one to write
    refused = run_cli("run", "model=lead", "metrics=[bullets_ep]", env=env, cwd=plugin, check=False)
    assert refused.returncode == 2 and "registered metric" in refused.stderr
    assert "metrics/bullets_ep.yaml" in refused.stderr and "{metric: bullets_ep}" in refused.stderr

    out = plugin / "meta"
    run_cli(*meta_eval_args(plugin, "bullets_ep"), env=env, cwd=plugin)
    assert [v["bullets_ep/n"] for v in meta_scores(out)] == [float(len(bullets(t))) for _, _, t, _ in JUDGED]
    listing = run_cli("list", "metrics", env=env, cwd=plugin).stdout
    assert "bullets_ep  (installed plugin" in listing and "bullets_ep/long" in listing


def test_entry_points_are_listed_in_process(plugin, monkeypatch):
    dist = plugin / "src" / "bulletplug-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: bulletplug\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[harness.metrics]\nbullets_ep = bulletplug:BulletCount\n")
    monkeypatch.syspath_prepend(str(plugin / "src"))
    assert "bullets_ep" in METRICS.names() and "bullets_ep" in METRICS.plugin_names()
    assert "rouge" not in METRICS.plugin_names()
    assert METRICS.get("bullets_ep").fields["n"] == "bullets times weight"
    monkeypatch.delitem(sys.modules, "bulletplug", raising=False)


def test_contract_violation_exits_2_naming_what_is_missing(plugin):
    (plugin / "conf" / "metrics" / "bad.yaml").write_text("bad:\n  _target_: bulletplug.NoFields\n")
    proc = plugin_run(plugin, "model=lead", "metrics=[bad]", check=False)
    assert proc.returncode == 2, proc.stderr
    assert "metrics.bad" in proc.stderr and "bulletplug.NoFields breaks the metric contract" in proc.stderr
    assert "declared fields" in proc.stderr
    assert not (plugin / "results").exists()  # refused before anything was written


def test_import_errors_name_what_was_tried_and_show_the_users_traceback(plugin, monkeypatch):
    src = plugin / "src"
    (src / "brokenplug.py").write_text('"""needs a package that is not installed"""\n\nimport not_installed_dep_xyz\n')
    monkeypatch.syspath_prepend(str(src))

    def error_in(call) -> str:
        with pytest.raises(ConfigError) as e:
            call()
        return str(e.value)

    def error(metric: str) -> str:
        return error_in(lambda: metric_spec([metric]))

    broken = error("brokenplug.Metric")
    assert f'File "{src / "brokenplug.py"}", line 3' in broken and "not_installed_dep_xyz" in broken
    assert "importlib" not in broken
    assert "Did you mean 'BulletCount'?" in error("bulletplug.BulletCont")
    missing = error("nosuchplug.Metric")
    assert "cannot import module 'nosuchplug'" in missing and "PYTHONPATH" in missing
    unknown = error("rogue")
    assert "unknown metric 'rogue'" in unknown and "Did you mean 'rouge'?" in unknown and "class path" in unknown
    (plugin / "conf" / "metrics" / "typo.yaml").write_text("typo:\n  _target_: bulletplug.BulletCont\n")
    in_file = error_in(lambda: metric_spec(["typo"], config_dirs=[plugin / "conf"]))
    assert (
        in_file.startswith(f"{plugin / 'conf' / 'metrics' / 'typo.yaml'}: metrics.typo: ") and "BulletCount" in in_file
    )
    with pytest.raises(ConfigError, match="model 'typo': backend class 'bulletplug.FirstSentence'.*'FirstSentences'"):
        BACKENDS.get("bulletplug.FirstSentence", "model 'typo'")
    with pytest.raises(ConfigError, match="metrics.x: give 'metric'.*or '_target_'.*not both"):
        build_metrics({"x": {"metric": "rouge", "_target_": "bulletplug.BulletCount"}})
    for name in ("bulletplug", "brokenplug"):
        monkeypatch.delitem(sys.modules, name, raising=False)


def test_a_model_config_naming_a_non_backend_class_is_refused(plugin):
    (plugin / "conf" / "model" / "notbackend.yaml").write_text("_target_: bulletplug.BulletCount\n")
    proc = plugin_run(plugin, "model=notbackend", check=False)
    assert proc.returncode == 2, proc.stderr
    assert "model 'notbackend'" in proc.stderr and "is not a subclass of harness.models.base.Backend" in proc.stderr


# ---- the contract, in process ---------------------------------------------------------------


@dataclass
class _Opts:
    k: int = 1


def test_every_builtin_meets_the_contract_it_is_checked_against():
    for registry in (METRICS, BACKENDS, DATASET_LOADERS):
        for name in registry.builtin_names():
            assert registry.get(name) is not None


def test_metric_contract_names_each_missing_piece():
    class Bare(Metric):
        pass

    with pytest.raises(ConfigError) as e:
        check_metric_class(Bare, "metrics.bare")
    text = str(e.value)
    assert text.startswith("metrics.bare: ") and "`name`" in text and "declared fields" in text and "score" in text

    class WrongDirection(Metric):
        name = "w"
        fields = {"a": "a thing"}
        lower_is_better = frozenset({"b"})
        no_direction = frozenset({"a"})
        Options = dict  # not a dataclass

        def score(self, examples):  # one argument short
            return []

    with pytest.raises(ConfigError) as e:
        check_metric_class(WrongDirection, "metrics.w")
    text = str(e.value)
    assert "not declared: b" in text and "Options" in text and "(self, examples, summaries)" in text

    class Good(Metric):
        name = "good"
        fields = {"a": "a thing"}
        Options = _Opts

        def score(self, examples, summaries):
            return [Scored({"a": 1.0}) for _ in summaries]

    check_metric_class(Good, "metrics.good")
    with pytest.raises(ConfigError, match="not a subclass of harness.metrics.base.Metric"):
        check_metric_class(_Opts, "metrics.x")


def test_backend_contract_names_each_missing_piece():
    class Bare(Backend):
        runtime_fields = frozenset({"device"})

    with pytest.raises(ConfigError) as e:
        check_backend_class(Bare, "model 'x'")
    assert "generate(self, requests)" in str(e.value)

    class NoOption(Backend):
        Options = _Opts
        runtime_fields = frozenset({"device"})

        def generate(self, requests):
            return []

    with pytest.raises(ConfigError, match=r"not options: device"):
        check_backend_class(NoOption, "model 'x'")


def test_registry_lookup_stays_lazy_no_torch_for_an_api_run():
    code = textwrap.dedent(
        """
        import sys
        from harness.registry import BACKENDS, METRICS
        METRICS.names(); BACKENDS.names()
        BACKENDS.get("openai_chat"); METRICS.get("rouge"); METRICS.get("format")
        print(sorted(m for m in ("torch", "transformers") if m in sys.modules))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_a_dataset_loader_can_be_named_by_its_path():
    from harness.data import load_local

    assert DATASET_LOADERS.get("harness.data:load_local") is load_local
    with pytest.raises(ConfigError, match="dataset 'x': unknown dataset loader 'hbu'.*Did you mean 'hub'"):
        DATASET_LOADERS.get("hbu", "dataset 'x'")


SECRET = "sk-PLUGINSECRET0123456789"


@pytest.mark.parametrize("how", ["override", "config file"])
def test_a_credential_in_a_plugin_option_is_refused_before_anything_is_written(plugin, how):
    conf = plugin / "conf" / "metrics" / "svc.yaml"
    conf.write_text(
        "svc:\n  _target_: bulletplug.ServiceCount\n" + (f"  api_key: {SECRET}\n" if how != "override" else "")
    )
    override = [f"metrics.svc.api_key={SECRET}"] if how == "override" else []
    proc = plugin_run(plugin, "model=lead", "metrics=[svc]", *override, check=False)
    assert proc.returncode == 2 and "metrics.svc.api_key: looks like a credential" in proc.stderr
    assert SECRET not in proc.stdout + proc.stderr and not (plugin / "results").exists()
    # the same option through meta-eval's --set, and the variable's name, which is accepted
    conf.write_text("svc:\n  _target_: bulletplug.ServiceCount\n  api_key_env: MY_SERVICE_KEY\n")
    meta = [*meta_eval_args(plugin, "svc"), "--config-dir", str(plugin / "conf")]
    refused = plugin_cli(plugin, *meta, "--set", f"svc.api_key={SECRET}", check=False)
    assert refused.returncode == 2 and SECRET not in refused.stdout + refused.stderr
    out = plugin / "meta"
    plugin_cli(plugin, *meta)
    assert "MY_SERVICE_KEY" in (out / "meta_eval.json").read_text()  # the name is kept; it is not a secret


@pytest.mark.slow
def test_a_broken_user_file_or_installed_plugin_is_named_and_hides_nothing_else(plugin):
    (plugin / "conf" / "metrics" / "broken.yaml").write_text("b: [x\n  c: {\n")
    dist = plugin / "src" / "ghost-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ghost\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[harness.metrics]\nghost_m = nosuchmod.m:M\n\n[harness.backends]\nghost_b = nosuchmod.b:B\n"
    )
    env, conf = env_for(plugin / "src"), str(plugin / "conf")
    run = run_cli("run", "--config-dir", conf, "model=lead", "metrics=[broken]", env=env, cwd=plugin, check=False)
    assert (
        run.returncode == 2
        and "not valid YAML" in run.stderr
        and "broken.yaml" in run.stderr
        and "line 1" in run.stderr
    )
    assert "please report" not in run.stderr
    listed = run_cli("list", "--config-dir", conf, env=env, cwd=plugin)
    assert re.search(r"broken +cannot be read \(.*broken\.yaml", listed.stdout)
    assert "ghost_m  cannot be loaded" in listed.stdout and "ghost_b  cannot be loaded" in listed.stdout
    assert "count  (keys count/<field>)" in listed.stdout and "openai_chat" in listed.stdout  # the rest is listed
