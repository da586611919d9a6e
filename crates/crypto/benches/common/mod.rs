//! The clock every Psephos benchmark reads.
//!
//! By default, wall time (criterion's own). With `PSEPHOS_BENCH_CLOCK=cpu`,
//! the benchmark thread's on-CPU time from `/proc/thread-self/schedstat`
//! (Linux): on a loaded machine it leaves out the time the scheduler gave to
//! other processes, though not the slowdown that they cause through shared
//! caches. The kernel updates that counter at scheduler ticks (every 4 ms at
//! 250 Hz), so each reading is off by up to a tick; the error is symmetric,
//! and [`group`] makes samples long enough for medians to absorb it.

use std::time::{Duration, Instant};

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BenchmarkGroup, Criterion, SamplingMode};

/// Wall time, or the thread's on-CPU time.
pub struct BenchClock {
    cpu: bool,
    wall: WallTime,
}

impl BenchClock {
    fn from_env() -> Self {
        BenchClock {
            cpu: cpu_clock_requested(),
            wall: WallTime,
        }
    }
}

/// True when `PSEPHOS_BENCH_CLOCK=cpu` and the kernel reports CPU time.
fn cpu_clock_requested() -> bool {
    std::env::var("PSEPHOS_BENCH_CLOCK").is_ok_and(|v| v == "cpu") && cpu_ns().is_some()
}

/// Nanoseconds this thread has spent on a CPU, if the kernel says.
fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

impl Measurement for BenchClock {
    type Intermediate = (Instant, u64);
    type Value = Duration;

    fn start(&self) -> Self::Intermediate {
        let cpu = if self.cpu { cpu_ns().unwrap_or(0) } else { 0 };
        (Instant::now(), cpu)
    }

    fn end(&self, (wall, cpu): Self::Intermediate) -> Self::Value {
        if self.cpu {
            Duration::from_nanos(cpu_ns().unwrap_or(cpu).saturating_sub(cpu))
        } else {
            wall.elapsed()
        }
    }

    fn add(&self, a: &Self::Value, b: &Self::Value) -> Self::Value {
        *a + *b
    }

    fn zero(&self) -> Self::Value {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Self::Value) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        self.wall.formatter()
    }
}

/// The criterion configuration shared by the Psephos benchmarks.
pub fn criterion() -> Criterion<BenchClock> {
    let clock = BenchClock::from_env();
    let cpu = clock.cpu;
    let config = Criterion::default().with_measurement(clock);
    if cpu {
        eprintln!("psephos benches: measuring on-CPU time (PSEPHOS_BENCH_CLOCK=cpu)");
        config.measurement_time(Duration::from_secs(8))
    } else {
        config
    }
}

/// A benchmark group; with the CPU clock, every sample runs the same number
/// of iterations and there are fewer, longer samples (groups that set their
/// own sample size keep it), so that no sample is shorter than a few
/// scheduler ticks.
pub fn group<'a>(c: &'a mut Criterion<BenchClock>, name: &str) -> BenchmarkGroup<'a, BenchClock> {
    let mut group = c.benchmark_group(name);
    if cpu_clock_requested() {
        group.sampling_mode(SamplingMode::Flat).sample_size(50);
    }
    group
}
