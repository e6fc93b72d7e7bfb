"""TrainerPlateau: glideslope's ReduceLROnPlateau driven by the real Transformers Trainer."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from glideslope.torch import ReduceLROnPlateau, StepLR  # noqa: E402
from glideslope.torch.trainer import TrainerPlateau  # noqa: E402

VOCAB, LENGTH, BASE_LR = 16, 8, 1e-2


class Sequences(torch.utils.data.Dataset):  # type: ignore[misc]
    def __init__(self, n: int, seed: int) -> None:
        g = torch.Generator().manual_seed(seed)
        start = torch.randint(0, VOCAB, (n, 1), generator=g)
        self.ids = (start + torch.arange(LENGTH)) % VOCAB

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"input_ids": self.ids[i], "labels": self.ids[i]}


def train(plateau: TrainerPlateau, model: Any, optimizer: Any, steps: int, every: int, out: str) -> Any:
    args = transformers.TrainingArguments(
        output_dir=out, max_steps=steps, per_device_train_batch_size=8, per_device_eval_batch_size=16,
        logging_steps=1, eval_strategy="steps", eval_steps=every, report_to=[], save_strategy="no",
        use_cpu=True, disable_tqdm=True, seed=0, dataloader_num_workers=0,
    )
    trainer = transformers.Trainer(
        model=model, args=args, train_dataset=Sequences(64, 0), eval_dataset=Sequences(16, 1),
        optimizers=(optimizer, plateau), callbacks=[plateau],
    )
    trainer.remove_callback(transformers.PrinterCallback)
    trainer.train()
    return trainer


def tiny_model() -> Any:
    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=VOCAB, n_positions=LENGTH, n_embd=16, n_layer=1, n_head=2,
                                     bos_token_id=0, eos_token_id=0)
    return transformers.GPT2LMHeadModel(config)


def test_trainer_drives_the_plateau_once_per_evaluation() -> None:
    model = tiny_model()
    optimizer = torch.optim.AdamW(model.parameters(), lr=BASE_LR)
    # threshold=1 in rel mode: nothing ever counts as better (torch's rule: m < best * 0), so
    # with patience 0 every evaluation reduces the lr by 10x, a sequence we know in advance
    scheduler = ReduceLROnPlateau(optimizer, patience=0, threshold=1.0, factor=0.1)
    plateau = TrainerPlateau(scheduler)
    with tempfile.TemporaryDirectory() as out:
        trainer = train(plateau, model, optimizer, steps=30, every=10, out=out)
        assert scheduler.last_epoch == 3  # evaluations at steps 10, 20, 30; not per step
        assert optimizer.param_groups[0]["lr"] == pytest.approx(BASE_LR * 1e-3, rel=1e-12)
        trainer.evaluate()  # after training, at the same global step: does not count again
        assert scheduler.last_epoch == 3
    logged = {e["step"]: e["learning_rate"] for e in trainer.state.log_history if "learning_rate" in e}
    # steps 11..20 ran after the first reduction, steps 21..30 after the second
    assert logged[5] == pytest.approx(BASE_LR) and logged[15] == pytest.approx(BASE_LR * 0.1)
    assert logged[25] == pytest.approx(BASE_LR * 0.01)
    state = plateau.state_dict()
    fresh = TrainerPlateau(ReduceLROnPlateau(optimizer, patience=0, threshold=1.0, factor=0.1))
    fresh.load_state_dict(state)
    assert fresh.scheduler.last_epoch == 3 and fresh.state_dict()["stepped_at"] == 30


def test_the_metric_it_watches() -> None:
    model = tiny_model()
    optimizer = torch.optim.AdamW(model.parameters(), lr=BASE_LR)
    plateau = TrainerPlateau(ReduceLROnPlateau(optimizer), metric="accuracy")
    args = transformers.TrainingArguments(output_dir="unused", report_to=[], use_cpu=True)
    assert plateau.metric_name(args) == "eval_accuracy"
    assert TrainerPlateau(plateau.scheduler).metric_name(args) == "eval_loss"
    args.metric_for_best_model = "eval_bleu"
    assert TrainerPlateau(plateau.scheduler).metric_name(args) == "eval_bleu"
    state = transformers.TrainerState()
    state.global_step = 10
    with pytest.raises(KeyError, match=r"watches 'eval_accuracy', which the evaluation did not report; it reported \['eval_loss'\]"):
        plateau.on_evaluate(args, state, None, metrics={"eval_loss": 1.0})
    plateau.on_evaluate(args, state, None, metrics={"eval_accuracy": 0.5})
    assert plateau.scheduler.last_epoch == 1 and plateau.scheduler.best == 0.5
    plateau.step()  # the Trainer's per-step call: nothing happens
    assert plateau.scheduler.last_epoch == 1


def test_bad_arguments() -> None:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(TypeError, match=r"scheduler must be glideslope\.torch\.ReduceLROnPlateau, got StepLR"):
        TrainerPlateau(StepLR(optimizer, 10))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="metric must be a metric name such as 'eval_loss' or None, got ''"):
        TrainerPlateau(ReduceLROnPlateau(optimizer), metric="")
