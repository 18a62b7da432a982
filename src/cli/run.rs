//! `cairn run`, and the workflow loading `validate`, `plan` and `dag` share with it.

use std::path::Path;
use std::sync::{Arc, Mutex};

use cairn_engine::cache::{StatCache, Store};
use cairn_engine::events::{
    JsonLinesSink, ProgressMode, ProgressSink, Sinks, TraceSink, TracingSink,
};
use cairn_engine::exec::local::LocalExecutor;
use cairn_engine::exec::slurm::{profile::Profile, SlurmExecutor};
use cairn_engine::exec::Executor;
use cairn_engine::plan::Plan;
use cairn_engine::run::{self as engine_run, Assessment, Keep, Prepared, RunOptions};
use cairn_engine::workflow::{self, units::parse_memory, Overrides, Workflow};

use super::args::{ExecutorArg, KeepArg, LoadArgs, ProgressArg, RunArgs, StoreArgs};
use super::containers::containers;
use super::{CliError, CliResult};

pub(super) fn load(a: &LoadArgs) -> Result<(Workflow, Plan), CliError> {
    let mut overrides = Overrides {
        samples: a.samples.clone(),
        params_file: a.params_file.clone(),
        images: a.images.clone(),
        ..Default::default()
    };
    for p in &a.params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| CliError::user(format!("--param `{p}`: write it as KEY=VALUE")))?;
        overrides.params.push((k.trim().to_string(), v.to_string()));
    }
    let registry = cairn_steps::registry();
    let wf = workflow::load(&a.workflow, &registry, &overrides)
        .map_err(|e| CliError::user(e.to_string().trim_end().to_string()))?;
    let plan = Plan::build(&wf).map_err(|e| {
        let n = e.problems.len();
        let list: Vec<String> = e.problems.iter().map(|p| format!("  {p}")).collect();
        CliError::user(format!(
            "{}: {n} input problem{}:\n{}",
            a.workflow.display(),
            if n == 1 { "" } else { "s" },
            list.join("\n")
        ))
    })?;
    Ok((wf, plan))
}

pub(super) fn open_store(s: &StoreArgs) -> Result<(Store, Arc<Mutex<StatCache>>), CliError> {
    let store = Store::open(&s.work_dir).map_err(|e| {
        CliError::env(format!(
            "cannot open the work directory {}: {e}",
            s.work_dir.display()
        ))
    })?;
    let stat = StatCache::load(&store.root().join("statcache.json"));
    Ok((store, Arc::new(Mutex::new(stat))))
}

pub(super) fn assess(
    wf: &Workflow,
    plan: &Plan,
    store: &Store,
    stat: &Mutex<StatCache>,
    outdir: &Path,
) -> Result<Vec<Assessment>, CliError> {
    engine_run::assess(wf, plan, store, stat, outdir).map_err(CliError::user)
}

fn progress_mode(p: ProgressArg) -> ProgressMode {
    use std::io::IsTerminal;
    match p {
        ProgressArg::Auto if std::io::stderr().is_terminal() => ProgressMode::Bars,
        ProgressArg::Auto | ProgressArg::Plain => ProgressMode::Plain,
        ProgressArg::Bars => ProgressMode::Bars,
        ProgressArg::Quiet => ProgressMode::Quiet,
    }
}

fn available_memory() -> u64 {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with("MemAvailable:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(8 << 30, |kb| kb * 1024)
}

/// A sortable, readable run id: UTC `YYYYMMDD-HHMMSS-mmm-PID`.
fn new_run_id() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, sec) = (rem / 3600, rem / 60 % 60, rem % 60);
    format!(
        "{year:04}{month:02}{day:02}-{h:02}{m:02}{sec:02}-{:03}-{}",
        now.subsec_millis(),
        std::process::id()
    )
}

/// Cpus and memory in flight at once under `--executor slurm` unless `--jobs`/`--memory` say
/// otherwise; the cluster (and the profile's `max_jobs`) does the real limiting.
const SLURM_CPUS: u32 = 4096;
const SLURM_MEMORY: u64 = 1 << 50;

/// The SLURM executor when asked for; a missing `sbatch` is an environment error.
fn slurm_executor(a: &RunArgs) -> Result<Option<Arc<SlurmExecutor>>, CliError> {
    if let (ExecutorArg::Local, Some(_)) = (a.executor, &a.profile) {
        return Err(CliError::user("--profile applies to --executor slurm only"));
    }
    if let ExecutorArg::Local = a.executor {
        return Ok(None);
    }
    let profile = match &a.profile {
        Some(p) => Profile::load(p).map_err(CliError::user)?,
        None => Profile::default(),
    };
    let exec = SlurmExecutor::new(profile).map_err(CliError::env)?;
    Ok(Some(Arc::new(exec)))
}

pub fn run(a: RunArgs) -> CliResult {
    let (mut wf, plan) = load(&a.load)?;
    if !plan.skipped.is_empty() && !matches!(a.progress, ProgressArg::Quiet) {
        let names: Vec<&str> = plan.skipped.iter().map(|s| s.name.as_str()).collect();
        eprintln!(
            "cairn: {} task(s) left out by `when:` ({}); `cairn plan` says why",
            names.len(),
            names.join(", ")
        );
    }
    let container = containers(&mut wf, &a.containers)?;
    let (store, stat) = open_store(&a.store)?;
    let slurm = slurm_executor(&a)?;
    // On a cluster the machine's own cpus and memory do not bound the work in flight.
    let cpus = a
        .jobs
        .unwrap_or_else(|| match &slurm {
            Some(_) => SLURM_CPUS,
            None => std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
        })
        .max(1);
    let memory = match (&a.memory, &slurm) {
        (Some(m), _) => parse_memory(m).map_err(|e| CliError::user(format!("--memory: {e}")))?,
        (None, Some(_)) => SLURM_MEMORY,
        (None, None) => available_memory(),
    };
    let self_exe = std::env::current_exe()
        .map_err(|e| CliError::env(format!("cannot locate the cairn binary: {e}")))?;
    let outdir = std::path::absolute(&a.store.outdir)
        .map_err(|e| CliError::user(format!("--outdir: {e}")))?;
    let assessed = assess(&wf, &plan, &store, &stat, &outdir)?;
    let run_id = new_run_id();
    let run_dir = store.runs_dir().join(&run_id);
    std::fs::create_dir_all(&run_dir)
        .map_err(|e| CliError::env(format!("cannot create {}: {e}", run_dir.display())))?;
    let mut sinks = Sinks::default();
    sinks.0.push(Box::new(TracingSink));
    sinks
        .0
        .push(Box::new(ProgressSink::new(progress_mode(a.progress))));
    let trace = TraceSink::create(&run_dir.join("trace.tsv"))
        .map_err(|e| CliError::env(format!("cannot write trace.tsv: {e}")))?;
    sinks.0.push(Box::new(trace));
    let jsonl = JsonLinesSink::create(&run_dir.join("events.jsonl"))
        .map_err(|e| CliError::env(format!("cannot write events.jsonl: {e}")))?;
    sinks.0.push(Box::new(jsonl));
    let opts = RunOptions {
        store_dir: store.root().to_path_buf(),
        outdir: outdir.clone(),
        cpus,
        memory,
        keep_going: a.keep_going,
        keep: match a.keep {
            KeepArg::All => Keep::All,
            KeepArg::Final => Keep::Final,
        },
        self_exe,
        cairn_version: env!("CARGO_PKG_VERSION").to_string(),
        container,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::env(format!("cannot start the runtime: {e}")))?;
    let prepared = Prepared {
        wf: Arc::new(wf),
        plan: Arc::new(plan),
        assessment: assessed,
        store,
        stat,
    };
    let executor: Arc<dyn Executor> = match &slurm {
        Some(s) => s.clone(),
        None => Arc::new(LocalExecutor),
    };
    let summary = runtime.block_on(engine_run::execute(prepared, opts, executor, sinks, run_id));
    if let Some(s) = &slurm {
        eprintln!("cairn: {}", s.summary());
    }
    let total = summary.executed + summary.cached;
    if summary.cancelled {
        eprintln!(
            "cairn: interrupted; running tasks were stopped. Rerun the same command to resume."
        );
        return Ok(130);
    }
    if !summary.failed.is_empty() {
        eprintln!(
            "cairn: {} task{} failed:",
            summary.failed.len(),
            if summary.failed.len() == 1 { "" } else { "s" }
        );
        for f in &summary.failed {
            let msg = f
                .message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            let logs = if f.dir.as_os_str().is_empty() {
                String::new()
            } else {
                format!(
                    "\n    logs: {}/stderr (rerun by hand: cd {} && bash command.sh)",
                    f.dir.display(),
                    f.dir.display()
                )
            };
            eprintln!("  {} ({}){msg}{logs}", f.task, f.status);
        }
        if summary.skipped > 0 {
            eprintln!("  {} downstream task(s) skipped", summary.skipped);
        }
        return Ok(1);
    }
    if summary.executed == 0 {
        eprintln!(
            "cairn: everything is cached: {total} tasks, 0 executed ({:.2}s)",
            summary.wall_ms as f64 / 1000.0
        );
    } else {
        eprintln!(
            "cairn: done: {} executed, {} cached in {:.1}s (engine cpu {:.2} ms/task); results in {}",
            summary.executed,
            summary.cached,
            summary.wall_ms as f64 / 1000.0,
            summary.engine_cpu_ms as f64 / total.max(1) as f64,
            outdir.display()
        );
    }
    eprintln!("cairn: run record {}", summary.run_dir.display());
    Ok(0)
}
