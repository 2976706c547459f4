"""Ray Data: score a dataset with a pool of actors, each with its own detector.

The work is :class:`unspin.arrow.ArrowScorer`, a callable class, given to
``Dataset.map_batches`` with ``batch_format="pyarrow"`` so that batches reach the engine as
Arrow without a detour through pandas or numpy::

    import ray
    from unspin.ray import UnspinScorer

    ray.init(num_cpus=2)
    ds = ray.data.read_json("docs.jsonl")
    ds = ds.map_batches(
        UnspinScorer,
        fn_constructor_kwargs={"threads": 2},       # engine threads per actor
        batch_format="pyarrow",
        batch_size=1024,                            # fewer Ray tasks per document
        compute=ray.data.ActorPoolStrategy(size=1), # CPUs / threads actors
        num_cpus=1,                                 # half a CPU per thread: see below
    )
    ds.write_parquet("scored/")

:func:`annotate` does the same with these defaults.

Fewer actors with several engine threads each beat one single-threaded actor per core: one
process and one model map per actor instead of per core, and the batch call spreads its texts
over the threads with the GIL released. Inside an actor, the engine's threads do about 99 % of
the work, unspin's Python and Ray's threads in the actor the rest. Around the actors, Ray's
driver, raylet and tasks cost a fixed amount per batch (a task to schedule, blocks to store, a
write task and a file per output block), so batches of about a thousand documents cost less
than small ones. bench/ray_vs_scan.sh measures all of this against ``unspin scan``; the
package's README has the figures.

Why half a CPU per thread: Ray counts CPUs logically. Actors that claimed every CPU would leave
none for Ray Data's read and write tasks (one CPU each by default), and the pipeline would
wait forever; half a CPU per engine thread leaves room for them, while the engine threads
still keep every core busy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional

from .arrow import ArrowScorer

if TYPE_CHECKING:
    import ray.data


class UnspinScorer(ArrowScorer):
    """The callable class for ``map_batches``: ``ArrowScorer`` under the name Ray users expect.

    Ray builds one per actor, in the actor's process, from ``fn_constructor_kwargs``; the
    detector (and the model's memory map) is made on the first batch.
    """


def annotate(
    ds: "ray.data.Dataset",
    column: str = "text",
    model: Optional[str] = None,
    params: Optional[Mapping[str, float]] = None,
    actors: Optional[int] = None,
    threads_per_actor: int = 2,
    batch_size: int = 1024,
    prefix: str = "unspin_",
    restored: bool = False,
    spans: bool = True,
    **map_batches_args: Any,
) -> "ray.data.Dataset":
    """``ds`` with unspin's columns appended (see :mod:`unspin.arrow`), lazily, as Ray does.

    ``actors`` defaults to one per CPU of the cluster divided by ``threads_per_actor``. Each
    actor asks Ray for half a CPU per thread, so that Ray Data's read and write tasks still get
    scheduled when the actors keep every core busy (see the module's docs).
    """
    import ray

    if actors is None:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        actors = max(1, cpus // threads_per_actor)
    args: dict = {
        "fn_constructor_kwargs": {
            "model": model,
            "params": dict(params) if params else None,
            "threads": threads_per_actor,
            "column": column,
            "prefix": prefix,
            "restored": restored,
            "spans": spans,
        },
        "batch_format": "pyarrow",
        "batch_size": batch_size,
        "compute": ray.data.ActorPoolStrategy(size=actors),
        "num_cpus": threads_per_actor * 0.5,
    }
    args.update(map_batches_args)
    return ds.map_batches(UnspinScorer, **args)


__all__ = ["UnspinScorer", "annotate"]
