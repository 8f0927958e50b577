"""The contract's worked example (../shared/spec/examples), copied here so a clone tests it.

tests/engine/test_examples_copy.py checks the copy still equals the contract's files
wherever ../shared is beside the repository.
"""

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent / "data" / "spec-examples"
SHARED_EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "spec" / "examples"
