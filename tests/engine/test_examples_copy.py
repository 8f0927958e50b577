import pytest

from tests.engine.examples import EXAMPLES, SHARED_EXAMPLES


@pytest.mark.skipif(not SHARED_EXAMPLES.is_dir(), reason="../shared/spec/examples not beside us")
@pytest.mark.parametrize("name", ["sla.yaml", "events.jsonl", "expected.jsonl"])
def test_the_copied_example_is_the_contracts(name):
    assert (EXAMPLES / name).read_bytes() == (SHARED_EXAMPLES / name).read_bytes()
