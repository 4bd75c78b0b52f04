"""The indicator catalogue: complete, trilingual, and strict about what it loads."""

import shutil

import pytest
import yaml

from core.i18n import LANGUAGES
from indicators.catalogue import CATALOGUE_DIR, CatalogueError, load_catalogue
from indicators.recommendations import load_recommendations

THEMES = {
    "funding",
    "task_transfer",
    "support",
    "accessibility",
    "framework",
    "recognition",
    "group_life",
    "public_statistics",
    "combined",
}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_catalogue_covers_every_theme_in_three_languages(catalogue):
    survey = [i for i in catalogue.values() if i.is_survey]
    assert len(survey) >= 30
    assert {i.theme for i in catalogue.values()} == THEMES
    funnel = sorted(i.id for i in catalogue.values() if i.family == "support_funnel")
    assert len(funnel) == 9 and funnel[0].startswith("sup_stage_1_")
    for ind in catalogue.values():
        for name in ("title", "description", "long_description", "unit_label"):
            assert all(ind.text(name, lang).strip() for lang in LANGUAGES), (ind.id, name)


def test_recommendations_link_existing_indicators(catalogue):
    recs = load_recommendations(catalogue)
    assert sorted(recs) == [f"R{i}" for i in range(1, 9)]
    for rec in recs.values():
        assert rec.indicators and set(rec.indicators) <= set(catalogue)
        assert all(rec.title[lang] and rec.text[lang] for lang in LANGUAGES)


def _copy(tmp_path, name):
    directory = tmp_path / "catalogue"
    directory.mkdir()
    target = directory / f"{name}.yaml"
    shutil.copy(CATALOGUE_DIR / f"{name}.yaml", target)
    return directory, target


def _edit(path, **changes):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_unknown_question_code_fails_naming_file_and_field(tmp_path):
    directory, path = _copy(tmp_path, "staff_shortage")
    _edit(path, questions=["staff_shortage", "staff_happiness"])
    with pytest.raises(
        CatalogueError,
        match=r"staff_shortage\.yaml: field 'questions'.*"
        r"staff_happiness",
    ):
        load_catalogue(directory)


def test_sql_using_an_undeclared_column_fails(tmp_path):
    directory, path = _copy(tmp_path, "staff_shortage")
    _edit(path, expression="staff_shortage = 'yes' AND complex_tasks = 'yes'")
    with pytest.raises(CatalogueError, match=r"staff_shortage\.yaml: field 'expression'"):
        load_catalogue(directory)


def test_missing_translation_fails(tmp_path):
    directory, path = _copy(tmp_path, "staff_shortage")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["title"]["nl"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"field 'title'.*'nl' is a required property"):
        load_catalogue(directory)


def test_unknown_recommendation_link_fails(catalogue):
    ind = catalogue["staff_shortage"]
    broken = {**catalogue, ind.id: type(ind)(**{**ind.__dict__, "recommendations": ("R9",)})}
    with pytest.raises(CatalogueError, match=r"staff_shortage\.yaml.*R9"):
        load_recommendations(broken)
