"""bench.peer's workload and table: the peer's texts (its words, the rare word in 1 %), the ratios per round
and the verdict against each goal."""

import random

from bench.generate import PEER_RARE_WORD, PEER_WORDS, STATUSES, PeerGenerator, PeerText
from bench.peer import CREATES, READS, table


def test_the_peer_texts_have_its_words_and_the_rare_word_in_one_percent():
    text = PeerText(random.Random(1))
    made = [text.ticket("network", "incident") for _ in range(1000)]
    assert sum(PEER_RARE_WORD in description for _title, description in made) == 10
    title, description = made[0]
    assert len(title.split()) == 6 and len(description.split()) == 60
    assert set(description.lower().split()) <= set(PEER_WORDS)
    assert len(text.comment(None).split()) == 30
    open_share = sum(w for s, w in zip(STATUSES, PeerGenerator.STATUS_WEIGHTS, strict=True)
                     if s not in ("resolved", "closed")) / sum(PeerGenerator.STATUS_WEIGHTS)
    assert open_share == 0.8 and PeerGenerator.COMMENTS == ((2,), (1,))


def test_the_table_gives_each_round_its_ratio_and_the_goal_its_verdict():
    def read(p50):
        return {"p50_ms": p50, "p95_ms": p50 * 2}

    phases = {p for _label, _ours, peer, _goal in READS for p in peer}
    rounds = []
    for ours_p50 in (10.0, 20.0):
        rounds.append({
            "load": [1.0, 1.0, 1.0, 1.0],
            "peer_reads": {p: read(150.0) for p in phases},
            "our_reads": {ours: read(ours_p50) for _label, ours, _peer, _goal in READS},
            "peer_creates": {peer: dict(read(10.0), tickets_per_s=50.0) for *_x, peer, _goal in CREATES},
            "our_creates": {ours: dict(read(5.0), tickets_per_s=120.0) for _label, ours, _peer, _goal in CREATES},
        })
    lines = table(rounds).splitlines()
    ticket = next(line for line in lines if line.startswith("| ticket page"))
    assert "| 15.0×, 7.5× | ≥ 3× | met |" in ticket
    queue = next(line for line in lines if line.startswith("| agent's queue (console"))
    assert "| 30.0×, 15.0× | ≥ 10× | met |" in queue  # the list page and its data, added
    rest = next(line for line in lines if line.startswith("| REST list, manager"))
    assert rest.endswith("| ≥ 100× | MISSED |")  # 15× and 7.5×: every round must reach the goal
    assert all(line.endswith("| 2.40×, 2.40× | ≥ 2× | met |") for line in lines if line.startswith("| create"))
