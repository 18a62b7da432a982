//! Parsers for what `sbatch --parsable`, `squeue` and `sacct --parsable2` print.
//!
//! They are pure functions over text so they can be tested on output captured from a real
//! cluster (slurm-wlm 22.05, single node, accounting through slurmdbd). Array elements are
//! listed one per line (`squeue -r`), so every id is `JOB` or `JOB_INDEX`.

use std::collections::HashMap;
use std::time::Duration;

/// A SLURM job id as squeue and sacct print it: `123` for a job, `123_4` for an array element.
pub type JobId = String;

/// The id to pass to `--jobs` for a job or an array element: the job (or whole array) id.
pub fn query_id(id: &str) -> &str {
    id.split('_').next().unwrap_or(id)
}

/// Whether `id` is a job id (`123`) or an array element's (`123_4`).
pub fn valid_id(id: &str) -> bool {
    let (job, index) = id.split_once('_').unwrap_or((id, "0"));
    [job, index]
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `sbatch --parsable` prints `ID` or `ID;CLUSTER`.
pub fn sbatch_id(stdout: &str) -> Option<JobId> {
    let line = stdout.lines().find(|l| !l.trim().is_empty())?;
    let id = line.split(';').next()?.trim();
    (valid_id(id) && !id.contains('_')).then(|| id.to_string())
}

/// Whether an `sbatch` refusal is the controller being busy or unreachable (worth another try)
/// rather than a request it will never accept (too much memory, unknown partition).
pub fn sbatch_transient(stderr: &str) -> bool {
    const BUSY: [&str; 6] = [
        "timed out",
        "temporarily unavailable",
        "unable to contact",
        "try again",
        "connection refused",
        "send/recv",
    ];
    let s = stderr.to_ascii_lowercase();
    BUSY.iter().any(|b| s.contains(b))
}

/// States in which a job still occupies the queue (it may yet run or is finishing).
pub fn is_active(state: &str) -> bool {
    matches!(
        state,
        "PENDING"
            | "RUNNING"
            | "CONFIGURING"
            | "COMPLETING"
            | "SUSPENDED"
            | "REQUEUED"
            | "REQUEUE_FED"
            | "REQUEUE_HOLD"
            | "RESIZING"
            | "SIGNALING"
            | "STAGE_OUT"
            | "STOPPED"
            | "RESV_DEL_HOLD"
    )
}

/// `squeue --noheader --format=%i|%T` → job id to state. Lines that do not parse are ignored.
pub fn squeue(stdout: &str) -> HashMap<JobId, String> {
    stdout
        .lines()
        .filter_map(|l| {
            let mut f = l.trim().split('|');
            let id = f.next()?.trim();
            let state = f.next()?.trim().to_string();
            valid_id(id).then(|| (id.to_string(), state))
        })
        .collect()
}

/// Whether squeue failed only because none of the ids is known any more (all jobs left the queue).
pub fn squeue_all_gone(stderr: &str) -> bool {
    stderr.contains("Invalid job id specified")
}

/// One finished job as accounting saw it: the job's row plus the maximum over its steps' rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Accounting {
    /// The job's state, first word only (`CANCELLED by 0` → `CANCELLED`).
    pub state: String,
    /// The job's exit code (the part before `:`); the signal after it.
    pub exit_code: i32,
    pub signal: i32,
    pub elapsed: Duration,
    pub total_cpu: Duration,
    /// Largest MaxRSS of any step, in bytes.
    pub max_rss: u64,
}

/// `sacct -j ... --parsable2 --noheader --format=JobID,State,ExitCode,Elapsed,MaxRSS,TotalCPU`.
pub fn sacct(stdout: &str) -> HashMap<JobId, Accounting> {
    let mut jobs: HashMap<JobId, Accounting> = HashMap::new();
    let mut rss: HashMap<JobId, u64> = HashMap::new();
    for line in stdout.lines() {
        let f: Vec<&str> = line.split('|').collect();
        if f.len() < 6 {
            continue;
        }
        let (id, step) = match f[0].split_once('.') {
            Some((id, step)) => (id, Some(step)),
            None => (f[0], None),
        };
        if !valid_id(id) {
            continue;
        }
        let id = id.to_string();
        let r = rss.entry(id.clone()).or_default();
        *r = (*r).max(memory(f[4]).unwrap_or(0));
        if step.is_none() {
            let (code, signal) = f[2].split_once(':').unwrap_or((f[2], "0"));
            jobs.insert(
                id,
                Accounting {
                    state: f[1].split_whitespace().next().unwrap_or("").to_string(),
                    exit_code: code.parse().unwrap_or(0),
                    signal: signal.parse().unwrap_or(0),
                    elapsed: duration(f[3]).unwrap_or_default(),
                    total_cpu: duration(f[5]).unwrap_or_default(),
                    max_rss: 0,
                },
            );
        }
    }
    for (id, acc) in &mut jobs {
        acc.max_rss = rss.get(id.as_str()).copied().unwrap_or(0);
    }
    jobs
}

/// SLURM durations: `[D-]HH:MM:SS`, `MM:SS` or `MM:SS.mmm` (TotalCPU), optionally fractional.
pub fn duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let (days, rest) = match text.split_once('-') {
        Some((d, r)) => (d.parse::<u64>().ok()?, r),
        None => (0, text),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let (h, m, s) = match parts.as_slice() {
        [h, m, s] => (h.parse::<u64>().ok()?, m.parse::<u64>().ok()?, *s),
        [m, s] => (0, m.parse::<u64>().ok()?, *s),
        _ => return None,
    };
    let secs: f64 = s.parse().ok()?;
    let whole = ((days * 24 + h) * 60 + m) * 60;
    Some(Duration::from_secs(whole) + Duration::from_secs_f64(secs))
}

/// SLURM memory figures: `400K`, `211768K`, `1.50M`, `2G`, `0`, `` (none) → bytes.
pub fn memory(text: &str) -> Option<u64> {
    let text = text.trim();
    let (num, unit) = match text.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_uppercase()),
        _ => (text, 'B'),
    };
    let value: f64 = num.parse().ok()?;
    let scale: u64 = match unit {
        'B' => 1,
        'K' => 1 << 10,
        'M' => 1 << 20,
        'G' => 1 << 30,
        'T' => 1 << 40,
        _ => return None,
    };
    Some((value * scale as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from `sacct -j 1,2,3,4 --parsable2 --noheader --format=JobID,State,ExitCode,
    /// Elapsed,MaxRSS,TotalCPU` on the CI cluster: a success, an OOM kill, a cancel, a failure.
    const SACCT: &str = "1|COMPLETED|0:0|00:00:02||00:00.003
1.batch|COMPLETED|0:0|00:00:02|400K|00:00.003
2|OUT_OF_MEMORY|0:125|00:00:01||00:00.194
2.batch|OUT_OF_MEMORY|0:125|00:00:01|0|00:00.194
3|CANCELLED by 0|0:0|00:00:10||00:00:00
3.batch|CANCELLED|0:0|00:00:10||00:00:00
4|FAILED|3:0|00:00:00||00:00.001
4.batch|FAILED|3:0|00:00:00|0|00:00.001
";

    #[test]
    fn sacct_rows_fold_into_jobs() {
        let jobs = sacct(SACCT);
        assert_eq!(jobs.len(), 4);
        assert_eq!(jobs["1"].state, "COMPLETED");
        assert_eq!(jobs["1"].max_rss, 400 * 1024);
        assert_eq!(jobs["1"].elapsed, Duration::from_secs(2));
        assert_eq!(jobs["1"].total_cpu, Duration::from_millis(3));
        assert_eq!(jobs["2"].state, "OUT_OF_MEMORY");
        assert_eq!((jobs["2"].exit_code, jobs["2"].signal), (0, 125));
        assert_eq!(jobs["3"].state, "CANCELLED");
        assert_eq!(jobs["4"].exit_code, 3);
    }

    #[test]
    fn sacct_keeps_running_jobs_and_skips_noise() {
        let jobs = sacct(
            "3|RUNNING|0:0|00:00:06||00:00:00\nnot a row\n3.batch|RUNNING|0:0|00:00:06||00:00:00\n",
        );
        assert_eq!(jobs.len(), 1);
        assert!(is_active(&jobs["3"].state));
    }

    #[test]
    fn array_elements() {
        // Captured: `sacct -j 435 ...` after a four-element array ran.
        let jobs = sacct(
            "435_0|COMPLETED|0:0|00:00:03||00:00.004
435_0.batch|COMPLETED|0:0|00:00:03|392K|00:00.004
435_1|COMPLETED|0:0|00:00:03||00:00.003
435_1.batch|COMPLETED|0:0|00:00:03|392K|00:00.003
",
        );
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs["435_1"].max_rss, 392 * 1024);
        // Captured: `squeue --jobs=435 -r --noheader --format='%i|%T'`.
        let q = squeue("435_0|PENDING\n435_1|PENDING\n435_2|RUNNING\n");
        assert_eq!(q["435_2"], "RUNNING");
        assert_eq!(query_id("435_2"), "435");
        assert_eq!(query_id("17"), "17");
        assert!(squeue("435_[3-9]|PENDING\n").is_empty());
    }

    #[test]
    fn squeue_lines() {
        // Captured: `squeue --noheader --format='%i|%T'` with two pending and two running jobs.
        let q = squeue("3|PENDING\n4|PENDING\n1|RUNNING\n2|RUNNING\n");
        assert_eq!(q.len(), 4);
        assert_eq!(q["3"], "PENDING");
        assert!(q.values().all(|s| is_active(s)));
        assert!(!is_active("COMPLETED"));
        assert!(!is_active("OUT_OF_MEMORY"));
        assert!(squeue_all_gone(
            "slurm_load_jobs error: Invalid job id specified\n"
        ));
        assert!(!squeue_all_gone(
            "squeue: error: Socket timed out on send/recv operation"
        ));
    }

    #[test]
    fn sbatch_ids() {
        assert_eq!(sbatch_id("17\n").as_deref(), Some("17"));
        assert_eq!(sbatch_id("17;cairn\n").as_deref(), Some("17"));
        assert_eq!(
            sbatch_id("sbatch: error: Batch job submission failed"),
            None
        );
        assert_eq!(sbatch_id(""), None);
    }

    #[test]
    fn sbatch_refusals() {
        // Captured: a task asking for more memory than the node has.
        assert!(!sbatch_transient(
            "sbatch: error: Memory specification can not be satisfied\n\
             sbatch: error: Batch job submission failed: Requested node configuration is not available"
        ));
        assert!(sbatch_transient(
            "sbatch: error: Batch job submission failed: Socket timed out on send/recv operation"
        ));
        assert!(sbatch_transient(
            "sbatch: error: Batch job submission failed: Resource temporarily unavailable"
        ));
    }

    #[test]
    fn durations() {
        assert_eq!(duration("00:00:02"), Some(Duration::from_secs(2)));
        assert_eq!(duration("1-02:03:04"), Some(Duration::from_secs(93_784)));
        assert_eq!(duration("00:00.194"), Some(Duration::from_millis(194)));
        assert_eq!(duration("12:30"), Some(Duration::from_secs(750)));
        assert_eq!(duration(""), None);
        assert_eq!(duration("INVALID"), None);
    }

    #[test]
    fn memories() {
        assert_eq!(memory("211768K"), Some(211_768 * 1024));
        assert_eq!(memory("1.5M"), Some(3 << 19));
        assert_eq!(memory("0"), Some(0));
        assert_eq!(memory(""), None);
        assert_eq!(memory("12X"), None);
    }
}
