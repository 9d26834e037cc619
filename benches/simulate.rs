//! The simulator's speed on the reference scenario, through the real `simulate` path: dialer
//! core, world model and metrics aggregators, no files. Throughput is reported in dials per
//! second of wall time on one core (the floor is 3 million).
//!
//! `cargo bench --bench simulate`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sim::engine;
use sim::scenario::Scenario;
use std::hint::black_box;
use std::path::Path;

fn reference(agents: u32) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/reference-ratio2.toml");
    sim::scenario::load(&path, &[format!("agents.count={agents}")]).expect("the shipped reference scenario loads")
}

fn simulate(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    for agents in [100, 1000] {
        let sc = reference(agents);
        let dials = engine::measure(&sc, sc.seed, None).expect("runs").outbound.dials;
        group.throughput(Throughput::Elements(dials));
        group.bench_function(format!("reference-ratio2, {agents} agents, 8 h (dials)"), |b| {
            b.iter(|| black_box(engine::measure(black_box(&sc), sc.seed, None).expect("runs")))
        });
    }
    group.finish();
}

criterion_group!(benches, simulate);
criterion_main!(benches);
