"""`make bench` (`python -m benchmarks`): every budget of the design measured in one run, printed
as tables.

Knowledge base (evaluation, search over 100,000 listings on SQLite and PostgreSQL, import),
language detection, held-out NLU accuracy, `rasa train` from scratch, turn latency against a
bare Rasa bot, gateway overhead, the console's checker page and memory, the hand-off inbox
page and a caseworker's reply reaching the channel, the memory of each
process, capacity per core (CPU-ms per turn against the bare bot, throughput at saturation, p95
under 20 concurrent conversations; `benchmarks.capacity`), and the pass rates of the multi-turn
conversation sets (`benchmarks/conversations/`).
Figures, not assertions. Every latency percentile is `benchmarks.measure.percentile`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from devstack.supervisor import free_port, temporary_stack
from devstack.training import model_path, train

SECTIONS = ("knowledge", "console", "inbox", "language", "nlu", "train", "stack", "capacity",
            "conversations")


def bench_stack(model: Path) -> None:
    """Turn latency against a bare Rasa bot, then the gateway's overhead, on one stack."""
    from benchmarks import gateway_overhead, turn_latency

    with temporary_stack(model, "benchmark-secret-0123456789abcdef0123",
                         prefix="bench-stack-") as stack:
        settings = stack.settings
        time.sleep(2)
        turn_latency.main(settings.rasa_url, free_port(), stack.pids())
        print("\nGateway overhead, one conversation at a time:")
        gateway_overhead.main(settings.rasa_url, conversations=1, turns=10, rounds=3)
        print("\nGateway under load:")
        gateway_overhead.main(settings.rasa_url)


def main(argv: list[str] | None = None) -> int:
    from benchmarks import capacity, console, inbox, knowledge_base, language_detection, rasa_model
    from benchmarks.conversations import runner

    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--only", choices=SECTIONS, action="append",
                        help="run only this section (repeatable); default: all")
    sections = set(parser.parse_args(argv).only or SECTIONS)
    model = model_path()
    if not model.exists():
        model = train()
    if "knowledge" in sections:
        print("== knowledge base ==")
        knowledge_base.main([])
    if "console" in sections:
        print("\n== console ==")
        console.main([])
    if "inbox" in sections:
        print("\n== hand-off inbox ==")
        inbox.main([], model=model)
    if "language" in sections:
        print("\n== language detection ==")
        language_detection.main()
    if "nlu" in sections:
        print("\n== NLU ==")
        rasa_model.heldout_accuracy(model)
    if "train" in sections:
        rasa_model.training_time()
    if "stack" in sections:
        print("\n== running stack ==")
        bench_stack(model)
    if "capacity" in sections:
        print("\n== capacity per core ==")
        capacity.main([], model=model)
    if "conversations" in sections:
        print("\n== conversations (development and exam sets) ==")
        runner.main([], model=model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
