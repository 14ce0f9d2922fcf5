"""The estimator on a CUDA device (torch); skipped where there is no GPU."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from gdlogreg import GradientDescentLogisticRegression

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fit_on_the_gpu_matches_the_cpu(n_classes, dtype):
    X, y = make_classification(2000, 20, n_informative=10, n_classes=n_classes, random_state=0)
    X = X.astype(dtype)
    cpu = GradientDescentLogisticRegression().fit(X, y)
    Xg = torch.asarray(X, device="cuda")
    yg = torch.asarray(y, device="cuda")
    with config_context(array_api_dispatch=True):
        gpu = GradientDescentLogisticRegression().fit(Xg, yg)
        proba = gpu.predict_proba(Xg)
        pred = gpu.predict(Xg)
    assert gpu.coef_.device.type == "cuda"
    assert proba.device.type == "cuda"
    rtol = 1e-3 if dtype == "float32" else 1e-6
    np.testing.assert_allclose(gpu.coef_.cpu().numpy(), cpu.coef_, rtol=rtol, atol=rtol)
    np.testing.assert_array_equal(pred.cpu().numpy(), cpu.predict(X))
    ref = LogisticRegression().fit(X, y)
    assert (pred.cpu().numpy() == ref.predict(X)).mean() > 0.99
