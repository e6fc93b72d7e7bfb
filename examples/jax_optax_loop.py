"""A JAX + optax training loop with glideslope schedules.

A tiny MLP regresses a generated 1-D function. The learning rate comes from
``glideslope.optax`` (optax's own function names: switching is one import), and Adam's ``b1``
is scheduled too, with a native glideslope schedule passed through ``to_optax``. Both go
through ``optax.inject_hyperparams``, so the rates used at every step are in the optimizer
state, where the loop reads and logs them (``main()`` returns the log).

Run: ``python examples/jax_optax_loop.py``
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

import glideslope as gs
from glideslope.optax import to_optax, warmup_cosine_decay_schedule

STEPS = 200
lr = warmup_cosine_decay_schedule(init_value=0.0, peak_value=0.02, warmup_steps=20, decay_steps=STEPS, end_value=1e-4)
b1 = to_optax(gs.linear(start=0.85, end=0.95, steps="50%"), total_steps=STEPS)


def init(key: jax.Array) -> dict[str, jax.Array]:
    k1, k2 = jax.random.split(key)
    return {
        "w1": jax.random.normal(k1, (1, 32)) * 0.5,
        "b1": jnp.zeros(32),
        "w2": jax.random.normal(k2, (32, 1)) * 0.2,
        "b2": jnp.zeros(1),
    }


def predict(params: dict[str, jax.Array], x: jax.Array) -> jax.Array:
    h = jnp.tanh(x @ params["w1"] + params["b1"])
    return h @ params["w2"] + params["b2"]


def loss_fn(params: dict[str, jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
    return jnp.mean((predict(params, x) - y) ** 2)


def main() -> dict[str, list[float]]:
    x = jnp.linspace(-2.0, 2.0, 128)[:, None]
    y = jnp.sin(2.0 * x) + 0.3 * x
    # inject_hyperparams evaluates each schedule at the step count and keeps the value in the
    # optimizer state, where the loop (or a checkpoint, or a logger) can read it
    opt = optax.inject_hyperparams(optax.adam)(learning_rate=lr, b1=b1)
    params = init(jax.random.PRNGKey(0))
    state = opt.init(params)

    @jax.jit
    def step(params: dict[str, jax.Array], state: optax.OptState) -> tuple[dict[str, jax.Array], optax.OptState, jax.Array]:
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    log: dict[str, list[float]] = {"lr": [], "b1": [], "loss": []}
    for t in range(STEPS):
        params, state, loss = step(params, state)
        log["lr"].append(float(state.hyperparams["learning_rate"]))  # the rate update t used
        log["b1"].append(float(state.hyperparams["b1"]))
        log["loss"].append(float(loss))
        if t % 40 == 0:
            print(f"step {t:4d}  lr {log['lr'][-1]:.5f}  b1 {log['b1'][-1]:.3f}  loss {log['loss'][-1]:.4f}")

    print(f"final loss {log['loss'][-1]:.5f}\nlr = {lr!r}\nb1 = {b1!r}")
    return log


if __name__ == "__main__":
    main()
