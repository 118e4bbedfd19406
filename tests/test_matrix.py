"""The enumeration of answer combinations (tests/matrix.py), on synthetic and real copier.yml files."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.matrix import NAME_PROFILES, ROOT, Combination, Template, main, matrix_json, options_module, services_of

SYNTHETIC = """
_jinja_extensions:
  - copier_template_extensions.TemplateExtensionLoader
  - extensions/naming.py:NamingExtension
project_name:
  type: str
  default: My Service
package_name:
  type: str
  default: "{{ project_name | snake }}"
api:
  type: str
  choices: [rest, graphql]
  default: rest
orm:
  type: str
  choices:
    SQLAlchemy: sqlalchemy
    SQLModel: sqlmodel
    None (in memory):
      value: none
      validator: "{% if api == 'graphql' %}graphql needs an ORM{% endif %}"
  default: sqlalchemy
database:
  type: str
  when: "{{ orm != 'none' }}"
  choices:
    SQLite: sqlite
    PostgreSQL: postgresql
  default: sqlite
features:
  type: str
  multiselect: true
  choices: [auth, tasks]
  default: [auth]
docker:
  type: bool
  default: true
python_version:
  type: str
  choices: ["3.11", "3.12"]
  default: "{{ '3.11' }}"
"""


def make_template(tmp_path: Path, copier_yml: str = SYNTHETIC) -> Path:
    (tmp_path / "extensions").mkdir(parents=True)
    for name in ("naming.py", "combinations.py", "options.py", *(path.name for path in ROOT.glob("extensions/*.json"))):
        shutil.copy(ROOT / "extensions" / name, tmp_path / "extensions" / name)
    (tmp_path / "copier.yml").write_text(textwrap.dedent(copier_yml), encoding="utf-8")
    return tmp_path


@pytest.fixture
def synthetic(tmp_path: Path) -> Template:
    return Template(make_template(tmp_path))


def test_axes_are_the_choice_and_bool_questions(synthetic: Template) -> None:
    assert [question.name for question in synthetic.axes] == [
        "api",
        "orm",
        "database",
        "features",
        "docker",
        "python_version",
    ]


def test_full_is_the_valid_cartesian_product(synthetic: Template) -> None:
    full = synthetic.full()
    assert len(full) == len(set(full)), "no duplicates"
    # rest: orm sqlalchemy/sqlmodel x 2 databases + orm none (database not asked) = 5
    # graphql: orm none is disabled by its validator, so 2 x 2 = 4
    # features: {auth}, {tasks}, {auth, tasks}; docker: 2; python: 2
    assert len(full) == (5 + 4) * 3 * 2 * 2
    none_orm = [combination for combination in full if combination.get("orm") == "none"]
    assert none_orm, "the in-memory ORM is enumerated"
    assert all(combination.get("database") is None for combination in none_orm), "`when` false drops the question"
    assert all(combination.get("api") == "rest" for combination in none_orm), "a disabled choice is left out"
    assert {combination.get("features") for combination in full} == {("auth",), ("tasks",), ("auth", "tasks")}
    assert {combination.get("docker") for combination in full} == {False, True}


def test_default_combination(synthetic: Template) -> None:
    default = synthetic.default()
    assert default.as_dict() == {
        "api": "rest",
        "orm": "sqlalchemy",
        "database": "sqlite",
        "features": ("auth",),
        "docker": True,
        "python_version": "3.11",
    }
    assert default.id == "api=rest-database=sqlite-docker=true-features=auth-orm=sqlalchemy-python_version=3.11"
    assert default.combo == "api=rest,database=sqlite,docker=true,features=auth,orm=sqlalchemy,python_version=3.11"
    assert default.data()["features"] == ["auth"]


def test_pairwise_covers_every_valid_pair_and_is_smaller(synthetic: Template) -> None:
    full = synthetic.full()
    pairwise = synthetic.pairwise()
    assert pairwise[0] == synthetic.default(), "the default combination is always tested"
    assert {combination.without_names() for combination in pairwise} <= set(full)
    needed = set().union(*(synthetic.coverage(combination) for combination in full))
    covered = set().union(*(synthetic.coverage(combination) for combination in pairwise))
    assert covered == needed
    assert len(pairwise) < len(full) / 4


def test_pairwise_tests_every_subset_and_each_choice_with_and_without_the_others(synthetic: Template) -> None:
    full = synthetic.full()
    pairwise = synthetic.pairwise()
    assert {c.get("features") for c in pairwise} == {c.get("features") for c in full}
    for choice in ("auth", "tasks"):
        for selected in (True, False):
            with_it = [c for c in pairwise if _selects(c, "features", choice, True) is selected]
            for orm in ("sqlalchemy", "sqlmodel", "none"):
                assert any(c.get("orm") == orm for c in with_it), (choice, selected, orm)
    # A subset is covered alone; only memberships are paired with the other values.
    coverage = synthetic.coverage(synthetic.default())
    assert (("features", ("auth",)),) in coverage
    assert all(len(pair) == 1 for pair in coverage if any(name == "features" for name, _ in pair))
    assert (("features:tasks", False), ("orm", "sqlalchemy")) in coverage


def test_pairwise_is_deterministic(tmp_path: Path) -> None:
    first = Template(make_template(tmp_path / "a")).pairwise()
    second = Template(make_template(tmp_path / "b")).pairwise()
    assert [combination.id for combination in first] == [combination.id for combination in second]
    code = "from tests.matrix import Template; print([c.id for c in Template().pairwise()])"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1, "independent of hash randomisation"


def test_refused_combinations_are_left_out(tmp_path: Path) -> None:
    rule = ({"api": frozenset({"graphql"}), "database": frozenset({"postgresql"})}, "graphql needs sqlite here")
    template = Template(make_template(tmp_path), rules=[rule])
    full = template.full()
    assert not [c for c in full if c.get("api") == "graphql" and c.get("database") == "postgresql"]
    assert [c for c in full if c.get("api") == "graphql" and c.get("database") == "sqlite"]
    assert [c for c in full if c.get("api") == "rest" and c.get("database") == "postgresql"]
    assert all(not template.refusal(template.context(c.as_dict())) for c in template.pairwise())


def test_multiselect_rule_matches_any_selected_value(tmp_path: Path) -> None:
    rule = ({"features": frozenset({"tasks"}), "docker": frozenset({"False"})}, "tasks run in docker")
    template = Template(make_template(tmp_path), rules=[rule])
    refused = [
        c for c in template.full() if c.get("features") in {("tasks",), ("auth", "tasks")} and not c.get("docker")
    ]
    assert not refused
    assert [c for c in template.full() if c.get("features") == ("auth",) and not c.get("docker")]


def test_a_new_choice_joins_full_and_pairwise(tmp_path: Path) -> None:
    before = Template(make_template(tmp_path / "before"))
    config = yaml.safe_load(SYNTHETIC)
    config["database"]["choices"]["MariaDB"] = "mysql"
    after = Template(make_template(tmp_path / "after", yaml.safe_dump(config, sort_keys=False)))
    assert not [c for c in before.full() if c.get("database") == "mysql"]
    assert [c for c in after.full() if c.get("database") == "mysql"]
    mysql_pairs = [c for c in after.pairwise() if c.get("database") == "mysql"]
    for api, features in itertools.product(("rest", "graphql"), (("auth",), ("tasks",), ("auth", "tasks"))):
        assert any(c.get("api") == api for c in mysql_pairs)
        assert any(c.get("features") == features for c in mysql_pairs)


def test_big_multiselect_uses_singles_plus_all(tmp_path: Path) -> None:
    config = yaml.safe_load(SYNTHETIC)
    config["features"]["choices"] = ["a", "b", "c", "d", "e"]
    config["features"]["default"] = ["a"]
    template = Template(make_template(tmp_path, yaml.safe_dump(config, sort_keys=False)))
    values = {c.get("features") for c in template.full()}
    assert values == {("a",), ("b",), ("c",), ("d",), ("e",), ("a", "b", "c", "d", "e")}


def test_parse_combo(synthetic: Template) -> None:
    combination = synthetic.parse_combo("api=graphql, features=auth+tasks")
    assert combination.get("api") == "graphql"
    assert combination.get("features") == ("auth", "tasks")
    assert combination.get("python_version") == "3.11", "unnamed axes keep their default"
    assert synthetic.parse_combo(combination.combo) == combination
    assert synthetic.parse_combo("") == synthetic.default()
    assert synthetic.parse_combo("orm=none").get("database") is None
    with pytest.raises(ValueError, match="not a choice question"):
        synthetic.parse_combo("project_name=x")
    with pytest.raises(ValueError, match="not a valid combination"):
        synthetic.parse_combo("api=soap")
    with pytest.raises(ValueError, match="not key=value"):
        synthetic.parse_combo("api")


def test_every_combination_round_trips_through_its_combo_string(synthetic: Template) -> None:
    for combination in synthetic.full():
        assert synthetic.parse_combo(combination.combo) == combination


def _selects(combination: Combination, name: str, value: object, multiselect: bool) -> bool:
    chosen = combination.get(name)
    return value in (chosen or ()) if multiselect and isinstance(chosen, tuple) else chosen == value


def test_real_copier_yml() -> None:
    template = Template()
    config = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    choice_questions = {name for name, spec in config.items() if isinstance(spec, dict) and "choices" in spec}
    assert choice_questions <= {question.name for question in template.axes}
    full = template.full()
    assert template.default() in full
    for name in choice_questions:
        spec = config[name]
        values = spec["choices"].values() if isinstance(spec["choices"], dict) else spec["choices"]
        for value in values:
            multiselect = template.question(name).multiselect
            answer = [value] if multiselect else value
            assert any(_selects(c, name, value, multiselect) for c in full) or template.refusal({name: answer}), (
                name,
                value,
            )
    assert {combination.without_names() for combination in template.pairwise()} <= set(full)


def test_combination_ids_are_readable() -> None:
    combination = Combination.of({"python_version": "3.12", "database": "postgresql"})
    assert combination.id == "database=postgresql-python_version=3.12"
    assert combination.combo == "database=postgresql,python_version=3.12"


def test_cli_prints_ids_and_github_matrix_json(capsys: pytest.CaptureFixture[str]) -> None:
    lines: list[str] = []
    assert main(["--matrix", "pairwise"], out=lines.append) == 0
    assert lines == [combination.id for combination in Template().pairwise()]
    assert main(["--matrix", "full", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == matrix_json(Template().full())
    assert {"id", "combo", "python", "services"} <= set(document["include"][0])
    completed = subprocess.run(
        [sys.executable, "-m", "tests.matrix", "--matrix", "default", "--json"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    assert json.loads(completed.stdout)["include"][0]["id"] == Template().default().id


# -- services --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"orm": "sqlalchemy", "database": "sqlite"}, []),
        ({"orm": "sqlalchemy", "database": "postgresql"}, ["postgresql"]),
        ({"orm": "sqlmodel", "database": "postgresql"}, ["postgresql"]),
        ({"orm": "sqlalchemy", "database": "mysql"}, ["mysql"]),
        ({"orm": "sqlmodel", "database": "mysql"}, ["mysql"]),
        ({"orm": "none"}, []),
        ({"orm": "none", "database": "mysql"}, []),  # not asked when orm=none; ignored if given
        ({"database": "postgresql"}, ["postgresql"]),  # before the orm question: sqlalchemy
        ({"database": "mysql", "features": ["auth"]}, ["mysql"]),  # multi-select answers as lists
    ],
)
def test_options_name_the_services_of_an_answer_set(answers: dict[str, object], expected: list[str]) -> None:
    assert options_module().services(answers) == expected


def test_services_of_a_combination_come_from_options() -> None:
    assert services_of(Combination.of({"database": "mysql", "orm": "sqlmodel"})) == ["mysql"]
    assert services_of(Combination.of({"database": "postgresql", "features": ("auth", "tasks")})) == ["postgresql"]
    assert services_of(Combination.of({"orm": "none", "python_version": "3.12"})) == []


def test_matrix_json_names_each_combinations_services(tmp_path: Path) -> None:
    config = yaml.safe_load(SYNTHETIC)
    config["database"]["choices"]["MariaDB"] = "mysql"
    root = make_template(tmp_path, yaml.safe_dump(config, sort_keys=False))
    full = Template(root).full()
    entries = {entry["id"]: entry for entry in matrix_json(full, root)["include"]}
    assert len(entries) == len(full)
    for combination in full:
        services = entries[combination.id]["services"]
        if combination.get("orm") == "none" or combination.get("database") == "sqlite":
            assert services == [], combination.id
        else:
            assert services == [combination.get("database")], combination.id
    assert {tuple(entry["services"]) for entry in entries.values()} == {(), ("postgresql",), ("mysql",)}
    lines: list[str] = []
    assert main(["--matrix", "full", "--json", "--template", str(root)], out=lines.append) == 0
    assert json.loads(lines[0]) == matrix_json(full, root)


def test_real_matrix_json_services_follow_options() -> None:
    template = Template()
    full = template.full()
    jobs = {entry["combo"]: entry for entry in matrix_json(full, max_jobs=len(full))["include"]}  # one each
    for combination in full:
        entry = jobs[combination.combo]
        assert entry["services"] == options_module().services(template.context(combination.as_dict()))
        database = combination.get("database")
        task_queue = combination.get("task_queue", "none")
        queue = [] if task_queue == "none" else [combination.get("broker", "redis")]
        if combination.get("orm", "sqlalchemy") == "none" or database == "sqlite":
            assert entry["services"] == queue
        if database in {"postgresql", "mysql"} and combination.get("orm", "sqlalchemy") != "none":
            assert entry["services"] == [database, *queue]


# -- name profiles ------------------------------------------------------------------------------


def test_pairwise_combinations_take_the_name_profiles_in_turn(synthetic: Template) -> None:
    pairwise = synthetic.pairwise()
    assert len(pairwise) > len(NAME_PROFILES), "every profile is used"
    assert pairwise[0].profile == "", "the first (default) combination keeps copier's default names"
    expected = [list(NAME_PROFILES)[index % len(NAME_PROFILES)] for index in range(len(pairwise) - 1)]
    assert [combination.profile for combination in pairwise[1:]] == expected
    for combination in pairwise[1:]:
        assert combination.id.endswith(f"-names={combination.profile}"), "the profile is visible in the id"
        for name, value in combination.names:
            assert combination.data()[name] == value
    # the synthetic copier.yml asks project_name and package_name, but no resource
    assert all(
        {name for name, _ in combination.names} <= {"project_name", "project_slug", "package_name"}
        for combination in pairwise
    )


def test_combo_strings_select_the_name_profile(synthetic: Template) -> None:
    for combination in synthetic.pairwise():
        assert synthetic.parse_combo(combination.combo) == combination
    named = synthetic.parse_combo("api=graphql,names=long")
    assert named.profile == "long"
    assert named.data()["package_name"] == NAME_PROFILES["long"]["package_name"]
    assert synthetic.parse_combo("api=graphql").profile == "", "without names= copier's defaults are kept"
    with pytest.raises(ValueError, match="unknown name profile 'huge'"):
        synthetic.parse_combo("api=graphql,names=huge")


def test_name_profiles_reach_the_bounds_and_the_sort_positions() -> None:
    from tests.fuzzing import BOUNDS

    long = NAME_PROFILES["long"]
    for question, bound in BOUNDS.items():
        assert len(long[question]) == bound, question
    sorting = NAME_PROFILES["sorting"]
    naming = Template().env.filters
    assert naming["snake"](sorting["project_name"]) > "tests", "the package sorts after tests"
    assert naming["plural"](sorting["resource"]) < "core", "the resource package sorts before core"
