import numpy as np
import pytest

from tasks import arrays


@pytest.mark.parametrize(
    "values",
    [
        np.array([5, 3, 5, 1, 3], np.int64),
        np.array([[2, 1], [1, 2]]),
        np.zeros(0, np.int64),
        np.array([7.5, 7.5, -1.0]),
    ],
)
def test_unique_is_numpys(values):
    found = arrays.unique(values)
    assert found.dtype == values.dtype
    np.testing.assert_array_equal(found, np.unique(values))
