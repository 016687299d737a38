from __future__ import annotations

from rag.followup import rewrite


def test_pronoun_follow_up_carries_the_topic_over() -> None:
    history = [
        {"role": "user", "content": "Was wurde über Taiwan gesagt?"},
        {"role": "assistant", "content": "Die heikle Taiwan-Frage … [1]"},
    ]
    assert rewrite("Und was sagte China dazu?", history) == "Und was sagte China dazu? Taiwan"


def test_self_contained_question_is_left_alone() -> None:
    history = [{"role": "user", "content": "Was wurde über Taiwan gesagt?"}]
    q = "Wo trafen sich Hegseth und Dong Jun im Oktober?"
    assert rewrite(q, history) == q
    assert rewrite("Was sagte Dong?", None) == "Was sagte Dong?"


def test_carries_names_from_the_previous_question() -> None:
    history = [{"role": "user", "content": "Was vereinbarten Hegseth und Dong Jun in Malaysia?"}]
    # names and long topic words are carried over
    assert rewrite("Wann war das?", history) == "Wann war das? vereinbarten Hegseth Dong Jun Malaysia"


def test_a_rewrite_carries_no_overlong_word_and_at_most_eight_words() -> None:
    long_word = "Friedens" * 250  # 2,000 characters (issue #39: 17 s to search and tag)
    history = [{"role": "user", "content": f"Was sagte {long_word} über Taiwan?"}]
    assert rewrite("Und was sagte China dazu?", history) == "Und was sagte China dazu? Taiwan"
    many = " ".join(f"Name{i}" for i in range(20))
    carried = rewrite("Wann war das?", [{"role": "user", "content": f"Was taten {many}?"}]).split()[3:]
    assert carried == [f"Name{i}" for i in range(8)]
