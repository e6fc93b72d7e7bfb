"""The Transformers ``Trainer`` running a glideslope schedule, with the step count it computes.

Override ``Trainer.create_scheduler``: the Trainer calls it with ``num_training_steps``, the
number of optimizer steps of this ``train()`` (from ``max_steps``, or from the epochs, the
dataset, the batch size, gradient accumulation and the number of devices). Bind a schedule
written in fractions of the run to it, and the same schedule fits any of those settings.
``lr_scheduler_type`` and ``warmup_ratio``/``warmup_steps`` are then unused: the schedule says it
all. The base learning rate is ``TrainingArguments.learning_rate``, which the schedule scales.

A tiny GPT-2 is built from a config (nothing is downloaded) and trained as a language model on
token sequences made here (a repeating pattern, so the loss falls fast).

For reduce-on-plateau under the Trainer, see ``glideslope.torch.trainer.TrainerPlateau``.

    python examples/transformers_trainer.py

(tests/test_recipes.py trains it and checks each step's logged learning rate.)
"""

from __future__ import annotations

import os
import tempfile
import warnings
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from transformers import GPT2Config, GPT2LMHeadModel, PrinterCallback, Trainer, TrainingArguments
from transformers.utils import logging as hf_logging

import glideslope as gs
import torch
from glideslope.torch import ScheduleLR

VOCAB, LENGTH = 32, 16


class GlideslopeTrainer(Trainer):
    """A ``Trainer`` whose learning rate follows ``schedule`` (a multiplier of the base rate)."""

    def __init__(self, *args: Any, schedule: gs.Schedule, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schedule = schedule

    def create_scheduler(
        self, num_training_steps: int, optimizer: torch.optim.Optimizer | None = None
    ) -> torch.optim.lr_scheduler.LRScheduler:
        self.lr_scheduler = ScheduleLR(optimizer or self.optimizer, self.schedule, total_steps=num_training_steps)
        return self.lr_scheduler


class Patterns(torch.utils.data.Dataset[dict[str, torch.Tensor]]):
    """Sequences ``a, a+k, a+2k, ...`` (mod VOCAB): learnable, and made here."""

    def __init__(self, n: int = 256) -> None:
        g = torch.Generator().manual_seed(0)
        start = torch.randint(0, VOCAB, (n, 1), generator=g)
        stride = torch.randint(1, 4, (n, 1), generator=g)
        self.ids = (start + stride * torch.arange(LENGTH)) % VOCAB

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"input_ids": self.ids[i], "labels": self.ids[i]}


def train(schedule: gs.Schedule, output_dir: str, **training_args: Any) -> GlideslopeTrainer:
    """Train the tiny GPT-2 under ``schedule``; ``training_args`` go to ``TrainingArguments``."""
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=VOCAB, n_positions=LENGTH, n_embd=32, n_layer=2, n_head=2,
                        bos_token_id=0, eos_token_id=0)
    args = TrainingArguments(
        output_dir=output_dir, per_device_train_batch_size=16, logging_steps=1, report_to=[],
        save_strategy="no", use_cpu=True, disable_tqdm=True, seed=0, dataloader_num_workers=0,
        **training_args,
    )
    trainer = GlideslopeTrainer(model=GPT2LMHeadModel(config), args=args, train_dataset=Patterns(), schedule=schedule)
    trainer.remove_callback(PrinterCallback)  # quiet: no log line per step
    trainer.train()
    return trainer


if __name__ == "__main__":
    torch.set_num_threads(1)
    hf_logging.set_verbosity_error()
    warnings.filterwarnings("ignore", category=FutureWarning)
    schedule = gs.warmup("10%") >> gs.cosine(end=0.01)  # fractions of whatever run the Trainer makes
    with tempfile.TemporaryDirectory() as out:
        trainer = train(schedule, out, learning_rate=1e-2, num_train_epochs=4)  # 256 / 16 * 4 = 64 steps
    logs = [e for e in trainer.state.log_history if "loss" in e]
    print(f"{trainer.state.max_steps} steps under {trainer.lr_scheduler.schedules[0]!r}: "
          f"loss {logs[0]['loss']:.3f} -> {logs[-1]['loss']:.3f}, "
          f"peak lr {max(e['learning_rate'] for e in logs):.2e}")
