"""What Orchard says when it cannot use a Ray cluster: one line, never a traceback."""

from __future__ import annotations

import pytest

from app.services.remote import explain

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.ray


def test_a_ray_version_mismatch_is_one_line_naming_both_versions() -> None:
    from ray._private.utils import check_version_info

    with pytest.raises(RuntimeError) as raised:  # Ray's own check, as ray.init runs it
        check_version_info({"ray_version": "2.59.0", "python_version": "3.11.9"}, "10.0.0.5", True)
    line = explain("10.0.0.9:6379", raised.value)
    here = ray.__version__
    assert "\n" not in line
    assert line.startswith(
        "the Ray cluster at 10.0.0.9:6379 runs Ray 2.59.0 on Python 3.11.9, "
        f"this Orchard has Ray {here} on Python 3."
    )
    assert line.endswith(": they must match")


def test_another_failure_is_its_first_sentence() -> None:
    failure = ConnectionError("Could not find any running Ray instance.\nPlease start one.")
    assert explain("auto", failure) == (
        "cannot reach the Ray cluster at auto: Could not find any running Ray instance."
    )
