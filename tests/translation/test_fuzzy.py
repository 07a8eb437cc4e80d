"""Fuzzy memory matches: scores, thresholds and the words that differ."""

from b40news.translation.fuzzy import best_matches, word_diff

REMEMBERED = [
    "Кметът на Загреб откри срещата в петък.",
    "Общината покани гости от София.",
]


def test_a_similar_sentence_matches_with_its_score_and_the_changed_words():
    source = "Кметът на Сплит откри срещата в петък."
    [match] = best_matches([source], REMEMBERED, threshold=75)
    assert match.index == 0 and 80 <= match.score < 100
    assert [(d["op"], d["text"], d["was"]) for d in match.diff] == [("replace", "Сплит", "Загреб")]
    start, end = match.diff[0]["start"], match.diff[0]["end"]
    assert source[start:end] == "Сплит"


def test_below_the_threshold_there_is_no_match():
    assert best_matches(["Днес вали сняг в планината."], REMEMBERED, threshold=75) == [None]
    assert best_matches(["Кметът на Сплит откри срещата в петък."], REMEMBERED, threshold=99) == [None]
    assert best_matches(["Нещо."], [], threshold=10) == [None]


def test_an_identical_sentence_scores_100_with_no_diff_and_case_is_ignored():
    [match] = best_matches(["общината покани гости от софия."], REMEMBERED)
    assert match.index == 1 and match.score == 100 and match.diff == ()


def test_insertions_and_deletions_are_placed_in_the_new_source():
    old, new = "Общината покани гости от София.", "Общината покани много гости."
    changes = word_diff(old, new)
    assert [(d["op"], d["text"], d["was"]) for d in changes] == [("insert", "много", ""), ("delete", "", "от София")]
    assert changes[1]["start"] == changes[1]["end"] == new.index(".")
