#!/usr/bin/env python3
"""Peer benchmark: opendata against OpenDP, PipelineDP and Tumult Analytics on the same rows and query.

Two queries, both `opendata-bench aggregate`'s, which generates the rows (seeded) and runs opendata:

--query peers (the default): rows two per unit in two different groups of 35 public groups,
    values uniform on 0..7199; each unit bounded to 2 groups and 1 row per group; epsilon = 1
    over a count, a mean and a median on [0, 7200] per group.
--query review (an outside review's): 200 public groups of Zipf-like sizes, each person in 1 to
    3 groups with 1 or 2 rows in each, integer values on [0, 3600] (exponential durations);
    each person bounded to 3 groups and 2 rows per group; epsilon = 1 over a count, the sum and
    the mean of the value on [0, 3600] and its 90th percentile per group.

Keys are public. Because the rows are within the bounds, every tool's exact answer is the same,
and the error measured is the mechanisms' noise alone. Each tool spends the whole epsilon on the
statistics with its own natural API: one AggregateParams for PipelineDP, one compositor query for
OpenDP, one query per statistic at an equal share for Tumult; opendata's engine call gives no
share to the disclosure of left-out records (a policy's person-level output gives it 10%) and
declares the value column never missing, so a mean divides by the published count.

For each tool, in fresh processes: wall time of the DP computation (reading the CSV excluded),
the process's peak resident memory, and the mean absolute error of each statistic over the
groups, averaged over the trials (exact values: numpy's median and its linearly interpolated
90th percentile). --rounds splits each tool's trials over that many rounds, the tools taking
turns in every round, so that other work on the machine falls on all of them alike; every round
is a fresh process, whose first trial pays its warm-up.

--tools opendata-cli (review query only) measures what a user runs instead of the engine call: the rows,
with a timestamp column on one day, are imported with `opendata import` into a fresh SQLite store (once
per round), then each trial runs `opendata release` of that day under the policy cli_policy() writes
(the same groups, bounds, statistics and epsilon) on a fresh copy of the store and a fresh output
folder. Its wall time and peak memory are the whole release process's (/usr/bin/time -v: reading the
store, the per-person ledger, bounding, noise, packaging, signing, verification, the public index);
the import's are printed beside them; the errors are read back from the published CSV. A policy gives
10% of epsilon to the disclosure of left-out records, so its noise is 1/0.9 times the engine call's.
Run outside CI (Tumult needs Java and Spark):

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install -r Benchmarks/requirements.txt
    swift build -c release --product opendata-bench
    /tmp/peers/bin/python Benchmarks/peers.py --rows 1000000 --trials 10
    /tmp/peers/bin/python Benchmarks/peers.py --query review --rows 1000000 --trials 10 \\
        --tool-trials pipelinedp=5,tumult=3 --rounds 5
    swift build -c release --product opendata
    /tmp/peers/bin/python Benchmarks/peers.py --query review --rows 10000000 --trials 2 \\
        --tools opendata,opendata-cli,opendp
"""
import argparse
import csv
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

EPSILON = 1.0


class Query:
    """One benchmark query: its public groups, bounds and statistics (names as in the bench's --results)."""

    def __init__(self, name, groups, high, groups_per_unit, rows_per_group, statistics, opendp_integers):
        self.name, self.groups, self.high = name, groups, high
        self.groups_per_unit, self.rows_per_group, self.statistics = groups_per_unit, rows_per_group, statistics
        # Whether OpenDP reads the values as integers. A float sum's sensitivity carries a rounding
        # term that grows with the margin's max_length (here every row), which an integer sum has not:
        # at 10 M rows it makes the float sum's noise several times larger. The peers query's
        # figures were measured with floats and keep them.
        self.opendp_integers = opendp_integers


QUERIES = {
    "peers": Query("peers", groups=35, high=7200, groups_per_unit=2, rows_per_group=1,
                   statistics=("count", "mean", "median"), opendp_integers=False),
    "review": Query("review", groups=200, high=3600, groups_per_unit=3, rows_per_group=2,
                    statistics=("count", "sum", "mean", "p90"), opendp_integers=True),
}
# The quantile each quantile statistic asks for.
QUANTILES = {"median": 0.5, "p90": 0.9}


def load(path):
    import polars as pl
    data = pl.read_csv(path, schema={"unit": pl.Int64, "group": pl.Int64, "value": pl.Int64}).to_numpy()
    return data[:, 0], data[:, 1], data[:, 2]


def truth(path, query):
    """The exact value of every statistic per group: the rows are within the bounds, so bounding changes none."""
    import numpy as np
    _, groups, values = load(path)
    order = np.argsort(groups, kind="stable")
    starts = np.searchsorted(groups[order], np.arange(query.groups + 1))
    result = {}
    for group in range(query.groups):
        chosen = values[order[starts[group]:starts[group + 1]]].astype(np.float64)
        exact = {"count": float(len(chosen)), "sum": float(chosen.sum()), "mean": float(chosen.mean())}
        for statistic, q in QUANTILES.items():
            exact[statistic] = float(np.percentile(chosen, 100 * q))
        result[group] = tuple(exact[statistic] for statistic in query.statistics)
    return result


def run_pipelinedp(path, trials, query):
    import pipeline_dp
    units, groups, values = load(path)
    rows = list(zip(units.tolist(), groups.tolist(), values.tolist()))
    # One AggregateParams for every statistic: PipelineDP splits the budget among them itself
    # (a MEAN beside a SUM of the same bounds shares the SUM's noisy sum and the COUNT's count).
    metrics = {"count": pipeline_dp.Metrics.COUNT, "sum": pipeline_dp.Metrics.SUM, "mean": pipeline_dp.Metrics.MEAN,
               "median": pipeline_dp.Metrics.PERCENTILE(50), "p90": pipeline_dp.Metrics.PERCENTILE(90)}
    fields = {"count": "count", "sum": "sum", "mean": "mean", "median": "percentile_50", "p90": "percentile_90"}
    outputs, seconds = [], 0.0
    for _ in range(trials):
        started = time.perf_counter()
        accountant = pipeline_dp.NaiveBudgetAccountant(total_epsilon=EPSILON, total_delta=0)
        engine = pipeline_dp.DPEngine(accountant, pipeline_dp.LocalBackend())
        params = pipeline_dp.AggregateParams(
            noise_kind=pipeline_dp.NoiseKind.LAPLACE,
            metrics=[metrics[statistic] for statistic in query.statistics],
            max_partitions_contributed=query.groups_per_unit, max_contributions_per_partition=query.rows_per_group,
            min_value=0, max_value=query.high)
        extractors = pipeline_dp.DataExtractors(privacy_id_extractor=lambda row: row[0],
                                                partition_extractor=lambda row: row[1],
                                                value_extractor=lambda row: row[2])
        result = engine.aggregate(rows, params, extractors, public_partitions=list(range(query.groups)))
        accountant.compute_budgets()
        published = {group: tuple(getattr(m, fields[statistic]) for statistic in query.statistics) for group, m in result}
        seconds += time.perf_counter() - started
        outputs.append(published)
    return outputs, seconds / trials


def run_opendp(path, trials, query):
    import opendp.prelude as dp
    import polars as pl
    dp.enable_features("contrib")
    units, groups, values = load(path)
    keys = pl.LazyFrame({"group": list(range(query.groups))}, schema={"group": pl.Int64})
    if query.opendp_integers:
        frame = pl.LazyFrame({"unit": units, "group": groups, "value": values})
        candidates, value, bounds = list(range(0, query.high + 1)), pl.col("value").fill_null(0), (0, query.high)
    else:
        frame = pl.LazyFrame({"unit": units, "group": groups, "value": values.astype("float64")})
        candidates = [float(value) for value in range(0, query.high + 1)]
        value, bounds = pl.col("value").fill_nan(0).fill_null(0), (0.0, float(query.high))
    expressions = {"count": lambda: pl.len().dp.noise(),
                   "sum": lambda: value.dp.sum(bounds),
                   "mean": lambda: value.dp.mean(bounds),
                   "median": lambda: value.dp.median(candidates),
                   "p90": lambda: value.dp.quantile(QUANTILES["p90"], candidates)}
    outputs, seconds = [], 0.0
    for _ in range(trials):
        started = time.perf_counter()
        context = dp.Context.compositor(
            data=frame,
            # The rows satisfy these bounds by construction: a unit's rows in total, and per group.
            privacy_unit=dp.unit_of(contributions=[
                dp.polars.Bound(per_group=query.groups_per_unit * query.rows_per_group),
                dp.polars.Bound(by=["group"], per_group=query.rows_per_group, num_groups=query.groups_per_unit)]),
            privacy_loss=dp.loss_of(epsilon=EPSILON),
            split_evenly_over=1,
            # Public keys; no group can hold more than all rows.
            margins=[dp.polars.Margin(by=["group"], invariant="keys", max_length=len(units))])
        # One query with every statistic: OpenDP calibrates their noise to the query's budget itself.
        plan = (context.query().group_by("group")
                .agg(*[expressions[statistic]().alias(statistic) for statistic in query.statistics])
                .with_keys(keys))
        released = plan.release().collect()
        published = {row["group"]: tuple(row[statistic] for statistic in query.statistics)
                     for row in released.iter_rows(named=True)}
        seconds += time.perf_counter() - started
        outputs.append(published)
    return outputs, seconds / trials


def run_tumult(path, trials, query):
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
    keys = KeySet.from_dict({"group": list(range(query.groups))})
    high = query.high
    outputs, seconds = [], 0.0
    for _ in range(trials):
        started = time.perf_counter()
        session = Session.from_dataframe(privacy_budget=PureDPBudget(EPSILON), source_id="rows", dataframe=frame,
                                         protected_change=AddRowsWithID(id_column="unit"))

        def grouped():
            return (QueryBuilder("rows").enforce(MaxGroupsPerID("group", query.groups_per_unit))
                    .enforce(MaxRowsPerGroupPerID("group", query.rows_per_group)).groupby(keys))
        queries = {"count": lambda: grouped().count(name="count"),
                   "sum": lambda: grouped().sum("value", 0, high, name="sum"),
                   "mean": lambda: grouped().average("value", 0, high, name="mean"),
                   "median": lambda: grouped().median("value", 0, high, name="median"),
                   "p90": lambda: grouped().quantile("value", QUANTILES["p90"], 0, high, name="p90")}
        # Tumult runs one query per statistic, so the budget is split evenly by hand.
        share = PureDPBudget(EPSILON / len(query.statistics))
        answers = {statistic: session.evaluate(queries[statistic](), share).toPandas() for statistic in query.statistics}
        published = {}
        for group in range(query.groups):
            published[group] = tuple(float(answer[answer.group == group][statistic].iloc[0])
                                     for statistic, answer in answers.items())
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


def run_tool(tool, path, trials, query):
    runner = {"pipelinedp": run_pipelinedp, "opendp": run_opendp, "tumult": run_tumult}[tool]
    outputs, seconds = runner(path, trials, query)
    # This process, plus any helper processes still alive (Spark's JVM and Python workers for Tumult).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + descendants_peak_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak,
                      "outputs": [{str(group): values for group, values in output.items()} for output in outputs]}))


def run_opendata(arguments, query, trials, folder):
    """One process of the bench on the same seeded rows: its time and memory from its report, its
    published values from --results."""
    results = os.path.join(folder, "opendata.csv")
    report = subprocess.run([arguments.bench, "aggregate", "--query", query.name, "--rows", str(arguments.rows),
                             "--trials", str(trials), "--results", results],
                            check=True, capture_output=True, text=True).stdout
    print(report.strip(), file=sys.stderr)
    seconds = float(report.split("; ")[1].split(" s per run")[0])
    peak = float(report.split("peak resident memory ")[1].split(" MB")[0])
    outputs = {}
    with open(results) as handle:
        next(handle)
        for line in handle:
            trial, group, *values = line.strip().split(",")
            outputs.setdefault(trial, {})[group] = tuple(float(value) for value in values)
    return list(outputs.values()), seconds, peak


def cli_policy(query):
    """The review query as a policy: the same groups, bounds, statistics and ε as the bench's engine call.

    Differences from the engine call, both the policy format's: a person-level output gives 10% of ε to
    the disclosure of the records the bounds leave out (none here), so each mechanism's noise is 1/0.9
    times the bench's; and the release also charges every person in the per-person ledger."""
    if query.name != "review":
        raise SystemExit("--opendata-cli runs the review query only (--query review)")
    keys = ", ".join(f'"{group}"' for group in range(query.groups))
    return f"""# The outside review's query (Benchmarks/peers.py --opendata-cli).
policy: 1

dataset:
  id: review-query
  title: Review query
  description: Per group a count, the sum and mean of a duration and its 90th percentile.
  publisher: Benchmark
  contact: bench@example.org
  license: CC-BY-4.0

source:
  table: review
  window_by: at
  timezone: UTC

columns:
  unit: privacy_unit
  group: keep
  value: keep
  at:
    generalize: {{time: [day]}}

outputs:
  - id: review-by-group
    title: Count, sum, mean and 90th percentile of the value per group
    kind: aggregate
    group_by: [group]
    keys:
      group: [{keys}]
    statistics:
      - count
      - sum: value
        bounds: [0, {query.high}]
        missing: refuse
      - mean: value
        bounds: [0, {query.high}]
        missing: refuse
      - quantile: value
        q: 0.9
        bounds: [0, {query.high}]
        missing: refuse
    contribution:
      groups_per_unit: {query.groups_per_unit}
      rows_per_unit_per_group: {query.rows_per_group}
    privacy: {{epsilon: {EPSILON}}}

budget:
  per_release_epsilon: {EPSILON}
"""


def timed(command):
    """Runs `command` under /usr/bin/time -v: (wall seconds, peak resident MB, stdout)."""
    process = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{process.stderr[-3000:]}")
    wall = peak = None
    for line in process.stderr.splitlines():
        line = line.strip()
        if line.startswith("Elapsed (wall clock) time"):
            parts = [float(part) for part in line.rsplit(" ", 1)[1].split(":")]
            wall = sum(part * 60 ** power for power, part in enumerate(reversed(parts)))
        elif line.startswith("Maximum resident set size"):
            peak = int(line.rsplit(" ", 1)[1]) / 1024
    return wall, peak, process.stdout


def run_opendata_cli(arguments, query, trials, folder, data):
    """What a user runs: `opendata import` of the rows (with a timestamp column, all on one day) into a
    fresh SQLite store, then `opendata release` of that day under cli_policy, once per trial (each a
    fresh store and output folder, so every release draws fresh noise). Whole-process wall time and
    peak memory from /usr/bin/time -v; the published values read back from the release's CSV."""
    import polars as pl
    day = "2026-01-15"
    rows = os.path.join(folder, "cli-rows.csv")
    if not os.path.exists(rows):
        (pl.read_csv(data, schema={"unit": pl.Int64, "group": pl.Int64, "value": pl.Int64})
         .with_columns(pl.lit(f"{day}T12:00:00Z").alias("at")).write_csv(rows))
    policy = os.path.join(folder, "review-query.yaml")
    with open(policy, "w") as handle:
        handle.write(cli_policy(query))
    key = os.path.join(folder, "release")
    if not os.path.exists(key + ".key"):
        subprocess.run([arguments.cli, "keys", "generate", "--out", key, "--unencrypted"], check=True, capture_output=True)
    # One import per round (the store is then copied for each release: a release binds its store to
    # its state database, and each trial needs a fresh state so that it publishes and draws noise).
    imported = os.path.join(folder, f"store-{len(os.listdir(folder))}.sqlite")
    imports = [timed([arguments.cli, "import", "--store", imported, "--table", "review", rows])]
    outputs, releases = [], []
    for trial in range(trials):
        work = tempfile.mkdtemp(prefix="cli-", dir=folder)
        store, out = os.path.join(work, "store.sqlite"), os.path.join(work, "Releases")
        subprocess.run(["cp", imported, store], check=True)
        # The copy leaves ~0.6 GB of dirty pages that the kernel would write back during the timed
        # release (measured: 3.1 s instead of 2.1 s, twice the system time). A user's import leaves
        # none (SQLite syncs its commits), so the copy is written out before the clock starts.
        subprocess.run(["sync"], check=True)
        releases.append(timed([arguments.cli, "release", "--store", store, "--key", key + ".key", "--policy", policy,
                               "--window", day, "--out", out]))
        published = os.path.join(out, "review-query", day, "review-by-group.csv.gz")
        names = {"count": "count", "sum": "sum_value", "mean": "mean_value", "p90": "q90_value"}
        with gzip.open(published, "rt", newline="") as handle:
            outputs.append({row["group"]: tuple(float(row[names[statistic]] or "nan") for statistic in query.statistics)
                            for row in csv.DictReader(handle)})
        subprocess.run(["rm", "-rf", work], check=True)
    for name, figures in (("import", imports), ("release", releases)):
        walls = ", ".join(f"{wall:.2f}" for wall, _, _ in figures)
        print(f"opendata-cli {name}: wall {walls} s; peak {max(peak for _, peak, _ in figures):.0f} MB", file=sys.stderr)
    seconds = sum(wall for wall, _, _ in releases) / trials
    peak = max(peak for _, peak, _ in releases)
    import_seconds, import_peak = imports[0][0], imports[0][1]
    os.remove(imported)
    return outputs, seconds, peak, (import_seconds, import_peak)


def score(outputs, exact, query):
    """Mean absolute error of each statistic over the groups and the outputs."""
    errors = [0.0] * len(query.statistics)
    for output in outputs:
        for group in range(query.groups):
            published = output[str(group)]
            for index in range(len(errors)):
                errors[index] += abs(float(published[index]) - exact[group][index])
    return [error / (len(outputs) * query.groups) for error in errors]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--query", choices=sorted(QUERIES), default="peers")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--tool-trials", default="",
                        help="per-tool trials overriding --trials, as tool=n,... (e.g. pipelinedp=5,tumult=3)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="split each tool's trials over this many rounds, the tools taking turns in each")
    parser.add_argument("--opendata-bench", dest="bench",
                        default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "opendata-bench"))
    parser.add_argument("--opendata", dest="cli",
                        default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "opendata"))
    parser.add_argument("--tools", default="opendata,opendp,pipelinedp,tumult",
                        help="among opendata, opendata-cli (import then release through the command line; "
                             "--query review only), opendp, pipelinedp, tumult")
    parser.add_argument("--tool", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    query = QUERIES[arguments.query]
    if arguments.tool:
        run_tool(arguments.tool, arguments.data, arguments.trials, query)
        return

    tools = arguments.tools.split(",")
    trials = {tool: arguments.trials for tool in tools}
    for item in filter(None, arguments.tool_trials.split(",")):
        tool, count = item.split("=")
        trials[tool] = int(count)
    # Round r runs each tool's share of its trials (spread as evenly as the counts allow).
    rounds = max(1, arguments.rounds)
    plan = [{tool: trials[tool] * (r + 1) // rounds - trials[tool] * r // rounds for tool in tools} for r in range(rounds)]

    folder = tempfile.mkdtemp(prefix="opendata-peers-")
    data = os.path.join(folder, "rows.csv")
    # The rows come from the bench (seeded: the same rows on every run of it), written once for the peers.
    subprocess.run([arguments.bench, "aggregate", "--query", query.name, "--rows", str(arguments.rows),
                    "--trials", "1", "--data", data], check=True, capture_output=True)
    exact = truth(data, query)
    measured = {tool: {"outputs": [], "seconds": 0.0, "peak_mb": 0.0} for tool in tools}
    for round_trials in plan:
        for tool in tools:
            count = round_trials[tool]
            if count == 0:
                continue
            if tool == "opendata":
                outputs, seconds, peak = run_opendata(arguments, query, count, folder)
            elif tool == "opendata-cli":
                outputs, seconds, peak, (import_seconds, import_peak) = run_opendata_cli(arguments, query, count, folder, data)
                entry = measured[tool]
                entry["import_seconds"] = entry.get("import_seconds", 0.0) + import_seconds
                entry["imports"] = entry.get("imports", 0) + 1
                entry["import_peak_mb"] = max(entry.get("import_peak_mb", 0.0), import_peak)
            else:
                started = time.perf_counter()
                process = subprocess.run([sys.executable, __file__, "--tool", tool, "--query", query.name, "--data", data,
                                          "--trials", str(count)], capture_output=True, text=True)
                if process.returncode != 0:
                    print(f"{tool} failed after {time.perf_counter() - started:.0f} s:\n{process.stderr[-3000:]}",
                          file=sys.stderr)
                    continue
                result = json.loads(process.stdout.strip().splitlines()[-1])
                outputs, seconds, peak = result["outputs"], result["seconds"], result["peak_mb"]
            print(f"{tool}: {count} trial(s), {seconds:.2f} s per run, peak {peak:.0f} MB, "
                  f"MAE {', '.join(f'{error:.3f}' for error in score(outputs, exact, query))}", file=sys.stderr)
            entry = measured[tool]
            entry["outputs"] += outputs
            entry["seconds"] += seconds * count
            entry["peak_mb"] = max(entry["peak_mb"], peak)

    print(f"{arguments.rows:,} rows, {query.groups} public groups, epsilon {EPSILON} over "
          f"{', '.join(query.statistics)} ({query.name} query), {rounds} round(s)")
    print(f"{'tool':<12}{'trials':>7}{'wall s/run':>12}{'peak MB':>10}"
          + "".join(f"{statistic + ' MAE':>12}" for statistic in query.statistics))
    for tool in tools:
        entry = measured[tool]
        if not entry["outputs"]:
            continue
        errors = score(entry["outputs"], exact, query)
        print(f"{tool:<12}{len(entry['outputs']):>7}{entry['seconds'] / len(entry['outputs']):>12.2f}"
              f"{entry['peak_mb']:>10.0f}" + "".join(f"{error:>12.3f}" for error in errors))
        if "import_seconds" in entry:
            print(f"{'':<12}{'':>7}  (opendata-cli: whole `opendata release` process; the import before it: "
                  f"{entry['import_seconds'] / entry['imports']:.2f} s, peak {entry['import_peak_mb']:.0f} MB)")


if __name__ == "__main__":
    main()
