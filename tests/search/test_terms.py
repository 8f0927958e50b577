"""Text to index terms and queries to words (sladesk.search.terms): no database."""

from __future__ import annotations

from sladesk.search.terms import MAX_WORDS, Word, document_terms, query_words


def texts(query: str) -> list[str]:
    return [w.text for w in query_words(query)]


def test_chinese_is_indexed_by_overlapping_pairs_and_a_last_single_character():
    assert document_terms("报表系统") == ["报表", "表系", "系统", "统"]
    assert document_terms("表") == ["表"]


def test_latin_words_are_lower_case_and_full_width_letters_are_ascii():
    assert document_terms("ERP系统 \uff36\uff30\uff2e Outlook") == [
        "erp",
        "系统",
        "统",
        "vpn",
        "outlook",
    ]


def test_words_of_letters_and_digits_are_also_indexed_by_their_parts():
    assert document_terms("0x80070005") == ["0x80070005", "80070005"]
    assert document_terms("Win10") == ["win10", "win", "10"]
    assert document_terms("U8") == ["u8"]  # parts of one character are left out


def test_punctuation_separates_words():
    assert document_terms("ORA-12541，192.168.1.1") == ["ora", "12541", "192", "168", "1", "1"]


def test_a_query_in_chinese_is_cut_into_dictionary_words():
    assert texts("无法登录") == ["无法", "登录"]
    assert texts("报表系统无法登录") == ["报表", "系统", "无法", "登录"]


def test_a_chinese_word_is_a_phrase_of_its_pairs():
    assert query_words("打印机") == [Word(("打印", "印机"))]


def test_one_character_is_a_prefix():
    assert query_words("表") == [Word(("表",), prefix=True)]


def test_mixed_queries_split_at_the_change_of_script():
    assert texts("ERP报表") == ["erp", "报表"]
    assert texts("VPN连接失败") == ["vpn", "连接", "失败"]


def test_unknown_words_that_fall_apart_stay_together():
    assert texts("钉钉审批") == ["钉钉", "审批"]


def test_particles_are_dropped_unless_they_are_the_whole_query():
    assert texts("卡纸了") == ["卡纸"]
    assert texts("了") == ["了"]


def test_repeated_words_count_once_and_long_queries_are_cut():
    assert texts("报表 报表 REPORT report") == ["报表", "report"]
    assert len(query_words(" ".join(f"word{i}" for i in range(40)))) == MAX_WORDS


def test_a_query_of_punctuation_has_no_words():
    assert query_words(" ，。!? ") == []
