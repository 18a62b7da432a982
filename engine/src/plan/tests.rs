use std::fmt::Write;

use proptest::prelude::*;

use super::*;
use crate::step::Registry;
use crate::workflow::{load, Overrides};

fn workflow(dir: &Path, yaml: &str, samples: &[&str]) -> Workflow {
    let mut sheet = String::from("sample,reads\n");
    for s in samples {
        std::fs::write(dir.join(format!("{s}.fq")), s).unwrap();
        let _ = writeln!(sheet, "{s},{s}.fq");
    }
    std::fs::write(dir.join("samples.csv"), sheet).unwrap();
    std::fs::write(dir.join("wf.yaml"), yaml).unwrap();
    load(
        &dir.join("wf.yaml"),
        &Registry::new(),
        &Overrides::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

const CHAIN: &str = r#"
name: chain
samples: samples.csv
steps:
  qc:
    per: sample
    in: { r: "{{ sample.reads }}" }
    out: { r: "{{ sample }}.trim.fq" }
    run: cp {{ in.r }} {{ out.r }}
  align:
    per: sample
    in: { r: "{{ qc.r }}" }
    out: { bam: "{{ sample }}.bam" }
    run: cp {{ in.r }} {{ out.bam }}
  cohort:
    in: { bams: "{{ align.bam[*] }}" }
    out: { vcf: cohort.vcf }
    run: cat {{ in.bams }} > {{ out.vcf }}
"#;

fn describe(plan: &Plan) -> String {
    let mut out = String::new();
    for &i in &plan.order {
        let t = &plan.tasks[i];
        let deps: Vec<&str> = t
            .deps
            .iter()
            .map(|&d| plan.tasks[d].name.as_str())
            .collect();
        let _ = writeln!(out, "{} <- [{}]", t.name, deps.join(", "));
    }
    out
}

#[test]
fn plan_of_a_chain_with_a_gather() {
    let dir = tempfile::tempdir().unwrap();
    let wf = workflow(dir.path(), CHAIN, &["S1", "S2", "S3"]);
    let plan = Plan::build(&wf).unwrap();
    insta::assert_snapshot!("chain_tasks", describe(&plan));
    insta::assert_snapshot!("chain_dot", to_dot(&plan, &wf, false));
    insta::assert_snapshot!("chain_mermaid", to_mermaid(&plan, &wf, false));
    insta::assert_snapshot!("chain_tasks_mermaid", to_mermaid(&plan, &wf, true));
}

#[test]
fn missing_sample_file_names_the_sheet_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let wf = workflow(dir.path(), CHAIN, &["S1", "S2"]);
    std::fs::remove_file(dir.path().join("S2.fq")).unwrap();
    let err = Plan::build(&wf).unwrap_err();
    assert_eq!(err.problems.len(), 1, "{err}");
    let p = &err.problems[0];
    assert!(p.starts_with("qc/S2: input `r`: file "), "{p}");
    assert!(p.contains("samples.csv line 3 column `reads`"), "{p}");
}

#[test]
fn a_list_param_gives_one_input_per_item_and_none_when_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "a").unwrap();
    std::fs::write(dir.path().join("b.txt"), "b").unwrap();
    let yaml = |list: &str| {
        format!(
            "name: l\nparams: {{ extra: {list} }}\nsteps:\n  s:\n    \
             in: {{ x: \"{{{{ params.extra }}}}\" }}\n    out: {{ t: t.txt }}\n    \
             run: cat {{{{ in.x }}}} > {{{{ out.t }}}}\n"
        )
    };
    let files = |list: &str| {
        let wf = workflow(dir.path(), &yaml(list), &[]);
        let plan = Plan::build(&wf).unwrap_or_else(|e| panic!("{e}"));
        plan.tasks[0].inputs["x"]
            .iter()
            .map(|r| match r {
                InputRef::File(p) => p.file_name().unwrap().to_string_lossy().into_owned(),
                InputRef::Output { .. } => panic!("not a file"),
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(files("[a.txt, b.txt]"), ["a.txt", "b.txt"]);
    assert!(files("[]").is_empty());
    let wf = workflow(dir.path(), &yaml("[a.txt, c.txt]"), &[]);
    let err = Plan::build(&wf).unwrap_err().to_string();
    assert!(
        err.contains("c.txt` does not exist (from param `extra` item 2)"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Random DAGs of steps: every task comes after all of its dependencies in the plan's order.
    #[test]
    fn order_is_topological(edges in proptest::collection::vec((0usize..8, 0usize..8), 0..20), per in proptest::collection::vec(any::<bool>(), 8)) {
        let dir = tempfile::tempdir().unwrap();
        let mut yaml = String::from("name: random\nsamples: samples.csv\nsteps:\n");
        // Steps are listed in reverse so that the plan must reorder them; edges go from lower to higher index.
        for j in (0..8).rev() {
            let _ = writeln!(yaml, "  s{j}:");
            if per[j] {
                yaml.push_str("    per: sample\n");
            }
            let mut ins: Vec<String> = vec!["seed: \"{{ params.seed }}\"".into()];
            for (k, (a, b)) in edges.iter().enumerate() {
                let (from, to) = if a < b { (*a, *b) } else { (*b, *a) };
                if to == j && from != to {
                    let gather = if per[from] && !per[j] { "[*]" } else { "" };
                    ins.push(format!("e{k}: \"{{{{ s{from}.o{gather} }}}}\""));
                }
            }
            let _ = writeln!(yaml, "    in: {{ {} }}", ins.join(", "));
            yaml.push_str("    out: { o: o.txt }\n    run: touch {{ out.o }}\n");
        }
        yaml.push_str("params: { seed: seed.txt }\n");
        std::fs::write(dir.path().join("seed.txt"), "x").unwrap();
        let wf = workflow(dir.path(), &yaml, &["A", "B"]);
        let plan = Plan::build(&wf).unwrap();
        let mut pos = vec![0; plan.tasks.len()];
        for (p, &i) in plan.order.iter().enumerate() {
            pos[i] = p;
        }
        for t in &plan.tasks {
            for &d in &t.deps {
                prop_assert!(pos[d] < pos[t.index], "{} runs before its dependency {}", t.name, plan.tasks[d].name);
            }
        }
        prop_assert_eq!(plan.order.len(), plan.tasks.len());
    }
}

/// `when:` on a sample column: a sheet whose rows leave it empty, or lack it, skips the step for
/// those samples; what needs the left-out outputs is left out too, and a gather takes the rest.
#[test]
fn when_leaves_out_tasks_and_what_needs_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("t1.vcf"), "t").unwrap();
    let yaml = r#"
name: w
samples: samples.csv
steps:
  call:
    per: sample
    in: { r: "{{ sample.reads }}" }
    out: { vcf: "{{ sample }}.vcf" }
    run: cp {{ in.r }} {{ out.vcf }}
  eval:
    per: sample
    when: "{{ sample.truth }}"
    in: { truth: "{{ sample.truth }}", q: "{{ call.vcf }}" }
    out: { json: e.json }
    run: cat {{ in.truth }} {{ in.q }} > {{ out.json }}
  plot:
    per: sample
    in: { e: "{{ eval.json }}" }
    out: { png: p.txt }
    run: cp {{ in.e }} {{ out.png }}
  summary:
    in: { all: "{{ eval.json[*] }}", calls: "{{ call.vcf[*] }}" }
    out: { txt: s.txt }
    run: cat {{ in.all }} > {{ out.txt }}
"#;
    std::fs::write(d.join("wf.yaml"), yaml).unwrap();
    let load_with = |sheet: &str| {
        std::fs::write(d.join("samples.csv"), sheet).unwrap();
        for s in ["S1", "S2"] {
            std::fs::write(d.join(format!("{s}.fq")), s).unwrap();
        }
        let wf = load(&d.join("wf.yaml"), &Registry::new(), &Overrides::default())
            .unwrap_or_else(|e| panic!("{e}"));
        Plan::build(&wf).unwrap_or_else(|e| panic!("{e}"))
    };
    // S2 has an empty truth: its eval and plot are left out; the summary gathers S1's eval only.
    let plan = load_with("sample,reads,truth\nS1,S1.fq,t1.vcf\nS2,S2.fq,\n");
    let names: Vec<&str> = plan.tasks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["call/S1", "call/S2", "eval/S1", "plot/S1", "summary"]
    );
    let skipped: Vec<(&str, &str)> = plan
        .skipped
        .iter()
        .map(|s| (s.name.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("eval/S2", "`when: {{ sample.truth }}` is empty"),
            (
                "plot/S2",
                "input `e` comes from `eval/S2`, which does not run"
            )
        ]
    );
    let summary = plan.tasks.last().unwrap();
    assert_eq!(summary.inputs["all"].len(), 1);
    assert_eq!(summary.inputs["calls"].len(), 2);
    // A sheet without the column: the step is left out everywhere, and the plan still builds.
    let plan = load_with("sample,reads\nS1,S1.fq\nS2,S2.fq\n");
    assert_eq!(plan.skipped.len(), 4);
    assert_eq!(plan.tasks.last().unwrap().inputs["all"].len(), 0);
}

#[test]
fn when_is_checked_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("samples.csv"), "sample,reads\nS1,S1.fq\n").unwrap();
    std::fs::write(d.join("S1.fq"), "x").unwrap();
    let err = |when: &str, extra_in: &str| {
        let yaml = format!(
            "name: w\nsamples: samples.csv\nsteps:\n  a:\n    per: sample\n    in: {{ r: \"{{{{ sample.reads }}}}\" }}\n    \
             out: {{ o: o.txt }}\n    run: cp {{{{ in.r }}}} {{{{ out.o }}}}\n  b:\n    per: sample\n    \
             when: \"{when}\"\n    in: {{ r: \"{{{{ a.o }}}}\"{extra_in} }}\n    out: {{ o: o.txt }}\n    \
             run: cp {{{{ in.r }}}} {{{{ out.o }}}}\n"
        );
        std::fs::write(d.join("wf.yaml"), yaml).unwrap();
        load(&d.join("wf.yaml"), &Registry::new(), &Overrides::default())
            .err()
            .map(|e| e.to_string())
    };
    assert!(err("{{ a.o }}", "")
        .unwrap()
        .contains("`when:` is decided before anything runs"));
    assert!(err("plain text", "")
        .unwrap()
        .contains("`when:` needs a `{{ ... }}` reference"));
    assert!(err("{{ params.nope }}", "")
        .unwrap()
        .contains("no param `nope`"));
    // A column the sheet lacks is fine in `when:` and in the step it guards, nowhere else.
    assert_eq!(
        err("{{ sample.truth }}", ", t: \"{{ sample.truth }}\""),
        None
    );
    assert!(err("{{ sample.reads }}", ", t: \"{{ sample.truth }}\"")
        .unwrap()
        .contains("has no column `truth`"));
}
