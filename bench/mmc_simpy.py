"""The M/M/c model of examples/mmc-100.toml in SimPy: Poisson arrivals, c agents,
exponential handle times, FIFO, no abandonment. Prints one JSON line with contacts,
p_wait, asa_seconds, service_level and contacts_per_second (arrivals / wall seconds)."""

import json
import random
import sys
import time

import simpy

RATE = 1080 / 3600.0   # arrivals per second
HANDLE = 300.0         # mean handle seconds
AGENTS = 100
SL = 20.0


def main(contacts: int, seed: int) -> None:
    rng = random.Random(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    stats = {"answered": 0, "waited": 0, "wait_sum": 0.0, "in_sl": 0}

    def customer(env):
        arrival = env.now
        with agents.request() as req:
            yield req
            wait = env.now - arrival
            stats["answered"] += 1
            stats["wait_sum"] += wait
            if wait > 0:
                stats["waited"] += 1
            if wait <= SL:
                stats["in_sl"] += 1
            yield env.timeout(rng.expovariate(1.0 / HANDLE))

    def source(env):
        for _ in range(contacts):
            yield env.timeout(rng.expovariate(RATE))
            env.process(customer(env))

    start = time.perf_counter()
    env.process(source(env))
    env.run()
    wall = time.perf_counter() - start
    print(json.dumps({
        "engine": "simpy",
        "simpy_version": simpy.__version__,
        "contacts": contacts,
        "p_wait": stats["waited"] / contacts,
        "asa_seconds": stats["wait_sum"] / max(stats["answered"], 1),
        "service_level": stats["in_sl"] / contacts,
        "wall_seconds": wall,
        "contacts_per_second": contacts / wall,
    }))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, int(sys.argv[2]) if len(sys.argv) > 2 else 42)
