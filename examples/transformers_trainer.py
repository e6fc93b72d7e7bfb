"""The Transformers ``Trainer`` with ``optimizers=(optimizer, scheduler)`` from glideslope.torch.

A tiny GPT-2 is built from a config (nothing is downloaded) and trained as a language model on
token sequences this script makes (a repeating pattern, so the loss falls fast). The scheduler
comes from ``glideslope.torch.get_scheduler`` (Transformers' signature); the Trainer logs the
learning rate every step, and the log is checked against the glideslope schedule
``warmup(...) >> cosine(...)`` that Transformers' "cosine" scheduler is.

Plateau schedules: the Trainer recognises one by ``isinstance(s, torch.optim.lr_scheduler.
ReduceLROnPlateau)`` and otherwise calls ``s.step()`` after every optimizer step.
glideslope's ReduceLROnPlateau is not a subclass of torch's (by design) and needs the metric,
so wrap it: ``plateau = glideslope.torch.trainer.TrainerPlateau(ReduceLROnPlateau(optimizer))``
and pass ``optimizers=(optimizer, plateau), callbacks=[plateau]``
(tests/torch/test_trainer_plateau.py runs this).

    python examples/transformers_trainer.py
"""

from __future__ import annotations

import math
import os
import tempfile
import warnings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from transformers import GPT2Config, GPT2LMHeadModel, PrinterCallback, Trainer, TrainingArguments
from transformers.utils import logging as hf_logging

import glideslope as gs
import torch
from glideslope.torch import get_scheduler

STEPS = 100
WARMUP = 10
BASE_LR = 1e-2
VOCAB, LENGTH = 32, 16


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


def main() -> None:
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=VOCAB, n_positions=LENGTH, n_embd=32, n_layer=2, n_head=2,
                        bos_token_id=0, eos_token_id=0)
    model = GPT2LMHeadModel(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=BASE_LR, weight_decay=0.0)
    scheduler = get_scheduler("cosine", optimizer, num_warmup_steps=WARMUP, num_training_steps=STEPS)

    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out, max_steps=STEPS, per_device_train_batch_size=16, logging_steps=1,
            report_to=[], save_strategy="no", use_cpu=True, disable_tqdm=True, seed=0,
            dataloader_num_workers=0,
        )
        trainer = Trainer(model=model, args=args, train_dataset=Patterns(), optimizers=(optimizer, scheduler))
        trainer.remove_callback(PrinterCallback)  # quiet: no log line per step
        trainer.train()
    logs = [e for e in trainer.state.log_history if "learning_rate" in e]
    assert len(logs) == STEPS, len(logs)

    # Transformers' "cosine": linear warmup from 0, then a half cosine to 0
    schedule = gs.warmup(WARMUP) >> gs.cosine(steps=STEPS - WARMUP)
    for e in logs:
        # the entry of global step k logs the lr that step used: the schedule at k - 1
        want = BASE_LR * schedule(e["step"] - 1)
        assert math.isclose(e["learning_rate"], want, rel_tol=1e-9, abs_tol=1e-15), (e, want)
    losses = [e["loss"] for e in logs]
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < 0.5 * first, f"the model did not learn: loss {first:.3f} -> {last:.3f}"
    print(f"Trainer, {STEPS} steps with glideslope's cosine schedule: loss {first:.3f} -> {last:.3f}, "
          f"lr peak {max(e['learning_rate'] for e in logs):.2e}")
    print("ok: the logged learning rates follow the schedule")


if __name__ == "__main__":
    torch.set_num_threads(1)
    hf_logging.set_verbosity_error()
    warnings.filterwarnings("ignore", category=FutureWarning)
    main()
