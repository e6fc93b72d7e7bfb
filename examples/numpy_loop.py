"""A plain NumPy training loop driven by a glideslope schedule.

Logistic regression on two generated Gaussian blobs, full-batch gradient descent for 300
steps. The learning rate is ``0.5 * (warmup >> cosine)``; the loop asks the schedule for the
rate at each step (``lr(step)`` is a float computed with ``math``, as cheap at step 10 as at
step 10 million), logs it, and at the end checks the log against the schedule evaluated on
the whole range at once (``lr(np.arange(...))``).

Run: ``python examples/numpy_loop.py``
"""

from __future__ import annotations

import numpy as np

import glideslope as gs

STEPS = 300
lr = 0.5 * (gs.warmup(30) >> gs.cosine(end=0.02, steps=STEPS - 30))


def make_data(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    x = rng.normal(size=(n, 2)) + np.where(y[:, None] == 1, 1.5, -1.5)
    return np.hstack([x, np.ones((n, 1))]), y.astype(float)


def loss_and_grad(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    eps = 1e-12
    loss = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
    return float(loss), x.T @ (p - y) / len(y)


def main() -> None:
    x, y = make_data()
    w = np.zeros(x.shape[1])
    logged, losses = [], []
    for step in range(STEPS):
        rate = lr(step)
        loss, grad = loss_and_grad(w, x, y)
        w -= rate * grad
        logged.append(rate)
        losses.append(loss)
        if step % 50 == 0:
            print(f"step {step:4d}  lr {rate:.4f}  loss {loss:.4f}")

    accuracy = float(np.mean(((x @ w) > 0) == (y == 1)))
    print(f"final loss {losses[-1]:.4f}, accuracy {accuracy:.3f}, schedule {lr!r}")
    # the rate the loop used is the schedule, step by step
    np.testing.assert_allclose(logged, lr(np.arange(STEPS)), rtol=1e-12)
    assert logged[0] == 0.0 and abs(logged[30] - 0.5) < 1e-12 and logged[-1] < 0.02
    assert losses[-1] < 0.5 * losses[0] and accuracy > 0.9
    print("ok: the logged learning rate follows the schedule")


if __name__ == "__main__":
    main()
