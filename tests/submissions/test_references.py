from __future__ import annotations

import math

from generator.submissions import references


def test_a_reference_is_ten_crockford_characters_in_two_groups() -> None:
    ref = references.new_reference()
    assert len(ref) == 11 and ref[5] == "-"
    assert references.is_reference(ref)
    assert not set(ref.replace("-", "")) & set("ILOU")


def test_references_carry_fifty_bits_and_do_not_repeat() -> None:
    assert references.BITS >= 50
    assert len(references.ALPHABET) ** references.LENGTH == 2 ** references.BITS
    drawn = {references.new_reference() for _ in range(20_000)}
    assert len(drawn) == 20_000
    # every position uses the whole alphabet (no constant prefix wasting bits)
    for position in (0, 4, 6, 10):
        assert len({ref[position] for ref in drawn}) == 32
    assert math.log2(32) * references.LENGTH == 50


def test_normalise_forgives_what_people_mistype_over_the_phone() -> None:
    assert references.normalise("7kq2m x9phd") == "7KQ2M-X9PHD"
    assert references.normalise("O1ILA-BCDEF") == "0111A-BCDEF"
    assert references.normalise("7KQ2MX9PHD") == "7KQ2M-X9PHD"
    assert references.normalise("7KQ2M-X9PH") is None
    # An Arabic keyboard types Arabic-Indic (or Persian) digits, and may add direction marks.
    assert references.normalise("٧kq٢m x٩phd") == "7KQ2M-X9PHD"
    assert references.normalise("\u200e۷KQ۲M-X۹PHD") == "7KQ2M-X9PHD"
    assert references.normalise("7KQ2M-X9PHU") is None
    assert references.normalise("<script>") is None
