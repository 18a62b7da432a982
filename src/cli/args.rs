//! The raw command-line arguments, as clap parses them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Examples:
  cairn demo                                   run the germline workflow on the bundled test data
  cairn validate workflows/germline.yaml       check a workflow without running anything
  cairn plan workflows/germline.yaml           what would run, and why
  cairn run workflows/germline.yaml -j 8       run it with 8 cpus
  cairn dag workflows/germline.yaml | dot -Tsvg > dag.svg

Exit codes: 0 success, 1 a task failed, 2 invalid input, 3 environment problem, 130 interrupted.";

#[derive(Debug, Parser)]
#[command(name = "cairn", version, about = "Run sequencing workflows as cached, explainable DAGs", after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// More log detail (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a workflow: every task whose result is not cached, in dependency order.
    Run(RunArgs),
    /// Check a workflow, its sample sheet and its input files without running anything.
    Validate(LoadArgs),
    /// Show what a run would do: each task cached, will run (and why), or waiting on upstream work.
    Plan(PlanArgs),
    /// Print the workflow's DAG as Graphviz DOT or Mermaid.
    Dag(DagArgs),
    /// Run one built-in step by hand (this is also what workflow tasks run).
    #[command(subcommand)]
    Step(cairn_steps::StepCommand),
    /// Inspect and maintain the cache store.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Run the germline workflow on the bundled, generated demo data (made on first use).
    Demo(DemoArgs),
    /// Simulate a reference, a truth VCF and paired reads (same as `cairn step simulate`).
    Simulate(cairn_steps::simulate::Args),
    /// Score a VCF against a truth set (same as `cairn step eval`).
    Eval(cairn_steps::eval::EvalArgs),
}

/// Where the workflow and its inputs come from.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The workflow YAML file.
    pub workflow: PathBuf,
    /// Sample sheet (CSV/TSV with a `sample` column); overrides `samples:` in the workflow.
    #[arg(long)]
    pub samples: Option<PathBuf>,
    /// Override a workflow param (repeatable): `--param min_qual=30`.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// A YAML/JSON file of params; relative paths in it resolve against its folder.
    #[arg(long)]
    pub params_file: Option<PathBuf>,
    /// The images.toml that `container:` names resolve in; overrides `images:` in the workflow.
    #[arg(long, value_name = "FILE")]
    pub images: Option<PathBuf>,
}

/// How steps with `container:` run.
#[derive(Debug, Args)]
pub struct ContainerArgs {
    /// Container runtime for steps with `container:` (default: the profile's, else the first
    /// installed of podman, docker, apptainer, singularity, charliecloud).
    #[arg(long, env = "CAIRN_CONTAINER_RUNTIME", value_enum)]
    pub container_runtime: Option<RuntimeArg>,
    /// Container profile (YAML): runtime, binary, network, extra_args, binds.
    #[arg(long = "containers", value_name = "FILE", env = "CAIRN_CONTAINERS")]
    pub container_profile: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RuntimeArg {
    Podman,
    Docker,
    Apptainer,
    Singularity,
    Charliecloud,
}

/// Where results and the cache live.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The cache store and task work directories.
    #[arg(long, env = "CAIRN_WORK_DIR", default_value = ".cairn")]
    pub work_dir: PathBuf,
    /// Where published results go.
    #[arg(long, default_value = "results")]
    pub outdir: PathBuf,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub containers: ContainerArgs,
    /// Cpus to use at once (default: all).
    #[arg(short = 'j', long = "jobs")]
    pub jobs: Option<u32>,
    /// Memory to use at once, e.g. `16GiB` (default: the machine's available memory).
    #[arg(long)]
    pub memory: Option<String>,
    /// Keep running independent tasks after a failure.
    #[arg(long)]
    pub keep_going: bool,
    /// What the store keeps after a successful run.
    #[arg(long, value_enum, default_value = "all")]
    pub keep: KeepArg,
    /// Where tasks run.
    #[arg(long, value_enum, default_value = "local")]
    pub executor: ExecutorArg,
    /// SLURM profile (YAML): partition, account, qos, extra sbatch args, poll interval, queue limits.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Progress display (auto: bars on a terminal, plain lines otherwise).
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeepArg {
    All,
    Final,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExecutorArg {
    Local,
    /// Each task is a SLURM batch job (needs `sbatch`, `squeue`; `sacct` when accounting is on).
    Slurm,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProgressArg {
    Auto,
    Bars,
    Plain,
    Quiet,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub containers: ContainerArgs,
    /// Show the full difference between a task's last action and its new one (`step` or `step/sample`).
    #[arg(long, value_name = "TASK")]
    pub explain: Option<String>,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DagArgs {
    #[command(flatten)]
    pub load: LoadArgs,
    #[arg(long, value_enum, default_value = "dot")]
    pub format: DagFormat,
    /// One node per task instead of per step.
    #[arg(long)]
    pub tasks: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DagFormat {
    Dot,
    Mermaid,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// List recorded actions (task, outputs, size).
    Ls(CacheArgs),
    /// Rehash every blob; damaged blobs are removed so they are recomputed, never served.
    Verify(CacheArgs),
    /// Remove what recent runs no longer reference.
    Gc(GcArgs),
}

#[derive(Debug, Args)]
pub struct CacheArgs {
    #[arg(long, env = "CAIRN_WORK_DIR", default_value = ".cairn")]
    pub work_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct GcArgs {
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Keep what the newest N runs used.
    #[arg(long, default_value_t = 5)]
    pub keep_runs: usize,
    /// Also keep anything recorded within this many days.
    #[arg(long)]
    pub keep_days: Option<u64>,
    /// Only report what would be removed.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where published results go.
    #[arg(long, default_value = "demo-results")]
    pub outdir: PathBuf,
    /// The cache store and task work directories.
    #[arg(long, env = "CAIRN_WORK_DIR", default_value = ".cairn")]
    pub work_dir: PathBuf,
    /// Where the generated demo data lives (default: test-data/demo in the checkout).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Cpus to use at once (default: all).
    #[arg(short = 'j', long = "jobs")]
    pub jobs: Option<u32>,
    /// Where tasks run.
    #[arg(long, value_enum, default_value = "local")]
    pub executor: ExecutorArg,
    /// SLURM profile (YAML): partition, account, qos, extra sbatch args, poll interval, queue limits.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Progress display (auto: bars on a terminal, plain lines otherwise).
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressArg,
}
