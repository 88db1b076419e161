"""Hotspot clustering is pure: small Chinese examples, no database."""

import datetime as dt

from minsheng.insight import hotspots
from minsheng.insight.hotspots import AppealDoc, cluster, place_code

from .samples import BARBECUE, STREETLIGHT

T0 = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
GRID_A = "/440600/440604/440604012/440604012001/44060401200101/"
GRID_B = "/440600/440604/440604012/440604012001/44060401200102/"
OTHER_TOWN = "/440600/440606/440606005/"


def docs(texts, *, path=GRID_A, category=1, first_id=1):
    return [AppealDoc(id=first_id + i, number=f"FS{first_id + i:04d}", region_path=path, category_id=category,
                      text=text, registered_at=T0 + dt.timedelta(hours=i)) for i, text in enumerate(texts)]


def test_place_code_climbs_to_the_requested_level():
    assert place_code(GRID_A, "grid") == "44060401200101"
    assert place_code(GRID_A, "community") == "440604012001"
    assert place_code(GRID_A, "town") == "440604012"


def test_place_code_of_a_case_filed_above_the_level_is_its_own_region():
    assert place_code(OTHER_TOWN, "community") == "440606005"


def test_similar_texts_score_higher_than_unrelated_ones():
    assert hotspots.cosine(STREETLIGHT[0], STREETLIGHT[3]) > hotspots.cosine(STREETLIGHT[0], BARBECUE[0])
    assert hotspots.cosine(STREETLIGHT[0], BARBECUE[0]) == 0.0


def test_ngrams_skip_punctuation_and_function_words():
    assert hotspots.ngrams("路灯，不亮的", sizes=(2,)) == ["路灯", "不亮"]


def test_same_place_same_category_similar_text_is_one_hotspot():
    found = cluster(docs(STREETLIGHT), min_size=3)
    assert len(found) == 1
    assert found[0].size == 4
    assert "路灯" in found[0].terms


def test_different_topics_in_one_category_are_separate_hotspots():
    found = cluster(docs(STREETLIGHT + BARBECUE), min_size=3)
    assert sorted(h.size for h in found) == [3, 4]
    assert found[0].size == 4  # biggest first


def test_different_categories_never_mix():
    mixed = docs(STREETLIGHT[:2], category=1) + docs(STREETLIGHT[2:], category=2, first_id=10)
    assert cluster(mixed, min_size=3) == []


def test_grids_of_one_community_join_at_community_level_but_not_at_grid_level():
    split = docs(STREETLIGHT[:2], path=GRID_A) + docs(STREETLIGHT[2:], path=GRID_B, first_id=10)
    assert [h.size for h in cluster(split, level="community", min_size=3)] == [4]
    assert cluster(split, level="grid", min_size=3) == []


def test_a_cluster_smaller_than_min_size_is_not_a_hotspot():
    assert cluster(docs(STREETLIGHT[:2]), min_size=3) == []


def test_hotspot_key_is_stable_and_names_the_place():
    first = cluster(docs(STREETLIGHT), min_size=3)[0]
    again = cluster(list(reversed(docs(STREETLIGHT))), min_size=3)[0]
    assert first.key == again.key
    assert first.key.startswith("440604012001-1-")


def test_empty_input_gives_no_hotspots():
    assert cluster([], min_size=1) == []
