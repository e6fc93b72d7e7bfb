"""The Lightning and Transformers Trainer recipes (examples/) train for real, and every optimizer
step's learning rate is the schedule, bound to the run length the framework computed."""

from __future__ import annotations

import importlib.util
import math
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import glideslope as gs

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _example(name: str, *needs: str) -> ModuleType:
    missing = [m for m in needs if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"examples/{name}.py needs {missing}")
    spec = importlib.util.spec_from_file_location(f"glideslope_example_{name}", EXAMPLES / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _close(got: float, want: float) -> bool:
    return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-15)


# -- Lightning ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lightning_example() -> Any:
    example = _example("lightning_module", "lightning", "torch")
    import logging

    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    return example


def _recorder(pl: Any) -> Any:
    class Recorder(pl.Callback):
        """The lr of each optimizer step, and the loss of each batch."""

        def __init__(self) -> None:
            self.lrs: list[float] = []
            self.losses: list[float] = []

        def on_before_optimizer_step(self, trainer: Any, pl_module: Any, optimizer: Any) -> None:
            self.lrs.append(float(optimizer.param_groups[0]["lr"]))

        def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
            self.losses.append(float(outputs["loss"]))

    return Recorder()


@pytest.mark.parametrize(
    "trainer_args, steps",
    [
        ({"max_epochs": 5}, 40),  # 8 batches an epoch
        ({"max_epochs": 6, "accumulate_grad_batches": 2}, 24),
        ({"max_steps": 30}, 30),
        ({"max_epochs": 10, "limit_train_batches": 4}, 40),
    ],
    ids=["epochs", "accumulation", "max_steps", "limit_batches"],
)
def test_lightning_schedule_spans_the_run_lightning_computes(lightning_example: Any, trainer_args: dict[str, Any],
                                                             steps: int) -> None:
    import lightning.pytorch as pl

    ex = lightning_example
    recorder = _recorder(pl)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = ex.fit(ex.Regressor(), callbacks=[recorder], **trainer_args)
    assert trainer.estimated_stepping_batches == steps == len(recorder.lrs)
    bound = ex.SCHEDULE.bind(total_steps=steps)
    for t, got in enumerate(recorder.lrs):
        assert _close(got, ex.BASE_LR * bound(t)), (t, got, ex.BASE_LR * bound(t))
    assert recorder.lrs[0] == 0.0 and max(recorder.lrs) == ex.BASE_LR  # warmup from 0 to the peak
    assert _close(recorder.lrs[-1], ex.BASE_LR * bound(steps - 1))
    first, last = recorder.losses[:4], recorder.losses[-4:]
    assert sum(last) < 0.5 * sum(first), f"the model did not learn: {first} -> {last}"


def test_lightning_warmup_then_plateau(lightning_example: Any) -> None:
    import lightning.pytorch as pl

    ex = lightning_example
    recorder = _recorder(pl)
    epochs, batches = 12, 8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ex.fit(ex.PlateauRegressor(), callbacks=[recorder], max_epochs=epochs)
    per_epoch = [recorder.lrs[e * batches] for e in range(epochs)]
    for e in range(epochs):  # stepped once an epoch: the lr is constant within one
        assert recorder.lrs[e * batches:(e + 1) * batches] == [per_epoch[e]] * batches, e
    for e in range(3):  # LinearLR's warmup, in closed form
        assert math.isclose(per_epoch[e], ex.BASE_LR * (0.1 + 0.9 * e / 3), rel_tol=1e-12), (e, per_epoch)
    assert per_epoch[3] == ex.BASE_LR  # the plateau scheduler takes over from the base value
    # the engine's plateau rule, replayed on the epochs' mean losses: the lr of epoch e + 1 is
    # the decision taken on epoch e's loss
    rule = gs.ReduceOnPlateau(factor=0.5, patience=0, threshold=0.4)
    lr = ex.BASE_LR
    for e in range(3, epochs - 1):
        if rule.update(sum(recorder.losses[e * batches:(e + 1) * batches]) / batches):
            lr *= 0.5
        assert math.isclose(per_epoch[e + 1], lr, rel_tol=1e-6), (e + 1, per_epoch, lr)
    assert per_epoch[-1] < ex.BASE_LR, f"no plateau was detected: {per_epoch}"


# -- the Transformers Trainer ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def trainer_example() -> Iterator[Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    example = _example("transformers_trainer", "transformers", "accelerate", "torch")
    from transformers.utils import logging as hf_logging

    import torch

    hf_logging.set_verbosity_error()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model: more threads only contend
    yield example
    torch.set_num_threads(threads)


@pytest.mark.parametrize(
    "training_args, steps",
    [
        ({"max_steps": 30}, 30),
        ({"num_train_epochs": 3, "gradient_accumulation_steps": 2}, 24),  # 256 sequences, batches of 16
    ],
    ids=["max_steps", "epochs_with_accumulation"],
)
def test_trainer_supplies_the_step_count(trainer_example: Any, tmp_path: Path, training_args: dict[str, Any],
                                         steps: int) -> None:
    base_lr = 1e-2
    schedule = gs.warmup("10%") >> gs.cosine(end=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = trainer_example.train(schedule, str(tmp_path), learning_rate=base_lr, **training_args)
    assert trainer.state.max_steps == steps
    bound = schedule.bind(total_steps=steps)
    assert trainer.lr_scheduler.schedules == [bound] * len(trainer.optimizer.param_groups)
    logs = [e for e in trainer.state.log_history if "learning_rate" in e]
    assert [e["step"] for e in logs] == list(range(1, steps + 1))
    for e in logs:  # the entry of global step k logs the lr that step used: the schedule at k - 1
        assert _close(e["learning_rate"], base_lr * bound(e["step"] - 1)), (e, base_lr * bound(e["step"] - 1))
    losses = [e["loss"] for e in logs]
    assert sum(losses[-3:]) < 0.7 * sum(losses[:3]), f"the model did not learn: {losses}"
