#!/usr/bin/env python3
"""Peer benchmark: opendata against OpenDP, PipelineDP and Tumult Analytics on the same rows and query.

The query is `opendata-bench aggregate`'s: rows two per unit in two different groups of 35
public groups, values uniform on 0..7199; each unit bounded to 2 groups and 1 row per group;
epsilon = 1 over a count, a mean and a median on [0, 7200] per group, public keys. Because the
rows are within the bounds, every tool's exact answer is the same, and the error measured is the
mechanisms' noise alone.

For each tool, in a fresh process: wall time of the DP computation (reading the CSV excluded),
the process's peak resident memory, and the mean absolute error of each statistic over the 35
groups, averaged over --trials runs. Run outside CI (Tumult needs Java and Spark):

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install -r Benchmarks/requirements.txt
    swift build -c release
    /tmp/peers/bin/python Benchmarks/peers.py --rows 1000000 --trials 10
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

GROUPS = 35
HIGH = 7200
EPSILON = 1.0


def load(path):
    import numpy as np
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.int64)
    return data[:, 0], data[:, 1], data[:, 2]


def truth(path):
    import numpy as np
    _, groups, values = load(path)
    result = {}
    for group in range(GROUPS):
        chosen = values[groups == group]
        result[group] = (float(len(chosen)), float(chosen.mean()), float(np.median(chosen)))
    return result


def run_pipelinedp(path, trials):
    import pipeline_dp
    units, groups, values = load(path)
    rows = list(zip(units.tolist(), groups.tolist(), values.tolist()))
    outputs, seconds = [], 0.0
    for _ in range(trials):
        started = time.perf_counter()
        accountant = pipeline_dp.NaiveBudgetAccountant(total_epsilon=EPSILON, total_delta=0)
        engine = pipeline_dp.DPEngine(accountant, pipeline_dp.LocalBackend())
        params = pipeline_dp.AggregateParams(
            noise_kind=pipeline_dp.NoiseKind.LAPLACE,
            metrics=[pipeline_dp.Metrics.COUNT, pipeline_dp.Metrics.MEAN, pipeline_dp.Metrics.PERCENTILE(50)],
            max_partitions_contributed=2, max_contributions_per_partition=1, min_value=0, max_value=HIGH)
        extractors = pipeline_dp.DataExtractors(privacy_id_extractor=lambda row: row[0],
                                                partition_extractor=lambda row: row[1],
                                                value_extractor=lambda row: row[2])
        result = engine.aggregate(rows, params, extractors, public_partitions=list(range(GROUPS)))
        accountant.compute_budgets()
        published = {group: (m.count, m.mean, m.percentile_50) for group, m in result}
        seconds += time.perf_counter() - started
        outputs.append(published)
    return outputs, seconds / trials


def run_opendp(path, trials):
    import opendp.prelude as dp
    import polars as pl
    dp.enable_features("contrib")
    units, groups, values = load(path)
    frame = pl.LazyFrame({"unit": units, "group": groups, "value": values.astype("float64")})
    keys = pl.LazyFrame({"group": list(range(GROUPS))}, schema={"group": pl.Int64})
    candidates = list(range(0, HIGH + 1))
    outputs, seconds = [], 0.0
    for _ in range(trials):
        started = time.perf_counter()
        context = dp.Context.compositor(
            data=frame,
            # The rows satisfy these bounds by construction (two rows per unit, in two different groups).
            privacy_unit=dp.unit_of(contributions=[dp.polars.Bound(per_group=2),
                                                   dp.polars.Bound(by=["group"], per_group=1, num_groups=2)]),
            privacy_loss=dp.loss_of(epsilon=EPSILON),
            split_evenly_over=1,
            # Public keys; no group can hold more than all rows.
            margins=[dp.polars.Margin(by=["group"], invariant="keys", max_length=len(units))])
        query = (context.query().group_by("group")
                 .agg(pl.len().dp.noise().alias("count"),
                      pl.col("value").fill_nan(0).fill_null(0).dp.mean((0.0, float(HIGH))).alias("mean"),
                      pl.col("value").fill_nan(0).fill_null(0).dp.median(candidates).alias("median"))
                 .with_keys(keys))
        released = query.release().collect()
        published = {row["group"]: (row["count"], row["mean"], row["median"]) for row in released.iter_rows(named=True)}
        seconds += time.perf_counter() - started
        outputs.append(published)
    return outputs, seconds / trials


def run_tumult(path, trials):
    from pyspark.sql import SparkSession
    from tmlt.analytics import (AddRowsWithID, KeySet, MaxGroupsPerID, MaxRowsPerGroupPerID, PureDPBudget,
                                QueryBuilder, Session)
    os.environ["PYSPARK_PYTHON"] = sys.executable  # Spark's workers need the interpreter that has tmlt
    # Spark's and Tumult's scratch tables go to a temporary folder, not the working directory.
    warehouse = tempfile.mkdtemp(prefix="opendata-peers-spark-")
    spark = (SparkSession.builder.master("local[*]").config("spark.driver.memory", "8g")
             .config("spark.sql.warehouse.dir", warehouse).config("spark.ui.enabled", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    frame = spark.read.csv(path, header=True, inferSchema=True).cache()
    frame.count()
    keys = KeySet.from_dict({"group": list(range(GROUPS))})
    outputs, seconds = [], 0.0
    for _ in range(trials):
        started = time.perf_counter()
        session = Session.from_dataframe(privacy_budget=PureDPBudget(EPSILON), source_id="rows", dataframe=frame,
                                         protected_change=AddRowsWithID(id_column="unit"))
        def grouped():
            return (QueryBuilder("rows").enforce(MaxGroupsPerID("group", 2)).enforce(MaxRowsPerGroupPerID("group", 1))
                    .groupby(keys))
        # Tumult runs one query per statistic, so the budget is split evenly by hand.
        count = session.evaluate(grouped().count(name="count"), PureDPBudget(EPSILON / 3)).toPandas()
        mean = session.evaluate(grouped().average("value", 0, HIGH, name="mean"), PureDPBudget(EPSILON / 3)).toPandas()
        median = session.evaluate(grouped().median("value", 0, HIGH, name="median"), PureDPBudget(EPSILON / 3)).toPandas()
        published = {}
        for group in range(GROUPS):
            published[group] = (float(count[count.group == group]["count"].iloc[0]),
                                float(mean[mean.group == group]["mean"].iloc[0]),
                                float(median[median.group == group]["median"].iloc[0]))
        seconds += time.perf_counter() - started
        outputs.append(published)
    return outputs, seconds / trials


def descendants_peak_mb():
    """Peak resident memory (VmHWM) of this process's living descendants, such as Spark's JVM and workers."""
    children, total = {}, 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    children.setdefault(int(handle.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            except OSError:
                continue
    pending = list(children.get(os.getpid(), []))
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def run_tool(tool, path, trials):
    runner = {"pipelinedp": run_pipelinedp, "opendp": run_opendp, "tumult": run_tumult}[tool]
    outputs, seconds = runner(path, trials)
    # This process, plus any helper processes still alive (Spark's JVM and Python workers for Tumult).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + descendants_peak_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak,
                      "outputs": [{str(group): values for group, values in output.items()} for output in outputs]}))


def score(outputs, exact):
    errors = [0.0, 0.0, 0.0]
    for output in outputs:
        for group in range(GROUPS):
            published = output[str(group)]
            for index in range(3):
                errors[index] += abs(float(published[index]) - exact[group][index])
    return [error / (len(outputs) * GROUPS) for error in errors]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--opendata-bench", dest="bench",
                        default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "opendata-bench"))
    parser.add_argument("--tools", default="opendata,opendp,pipelinedp,tumult")
    parser.add_argument("--tool", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.tool:
        run_tool(arguments.tool, arguments.data, arguments.trials)
        return

    folder = tempfile.mkdtemp(prefix="opendata-peers-")
    data, results = os.path.join(folder, "rows.csv"), os.path.join(folder, "opendata.csv")
    report = subprocess.run([arguments.bench, "aggregate", "--rows", str(arguments.rows),
                             "--trials", str(arguments.trials), "--data", data, "--results", results],
                            check=True, capture_output=True, text=True).stdout
    print(report.strip(), file=sys.stderr)
    exact = truth(data)
    rows = []
    for tool in arguments.tools.split(","):
        if tool == "opendata":
            # Its own timing and memory, printed by the bench; its published values from --results.
            seconds = float(report.split("; ")[1].split(" s per run")[0])
            peak = float(report.split("peak resident memory ")[1].split(" MB")[0])
            outputs = {}
            with open(results) as handle:
                next(handle)
                for line in handle:
                    trial, group, count, mean, median = line.strip().split(",")
                    outputs.setdefault(trial, {})[group] = (float(count), float(mean), float(median))
            rows.append(("opendata", seconds, peak, score(list(outputs.values()), exact)))
            continue
        started = time.perf_counter()
        process = subprocess.run([sys.executable, __file__, "--tool", tool, "--data", data, "--trials", str(arguments.trials)],
                                 capture_output=True, text=True)
        if process.returncode != 0:
            print(f"{tool} failed after {time.perf_counter() - started:.0f} s:\n{process.stderr[-3000:]}", file=sys.stderr)
            continue
        measured = json.loads(process.stdout.strip().splitlines()[-1])
        rows.append((tool, measured["seconds"], measured["peak_mb"], score(measured["outputs"], exact)))
    print(f"{arguments.rows:,} rows, {GROUPS} public groups, epsilon {EPSILON} over count, mean and median, "
          f"{arguments.trials} trials")
    print(f"{'tool':<12}{'wall s/run':>12}{'peak MB':>10}{'count MAE':>11}{'mean MAE':>10}{'median MAE':>12}")
    for tool, seconds, peak, errors in rows:
        print(f"{tool:<12}{seconds:>12.2f}{peak:>10.0f}{errors[0]:>11.2f}{errors[1]:>10.3f}{errors[2]:>12.3f}")


if __name__ == "__main__":
    main()
